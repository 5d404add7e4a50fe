using Sotto.Mls.Codec;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Messages;

/// <summary>
/// <code>
/// struct {
///     ProposalType proposal_type;
///     select (Proposal.proposal_type) {
///         case add:                      Add;
///         case update:                   Update;
///         case remove:                   Remove;
///         case psk:                      PreSharedKey;
///         case reinit:                   ReInit;
///         case external_init:            ExternalInit;
///         case group_context_extensions: GroupContextExtensions;
///     };
/// } Proposal;
/// </code>
/// The cases are the sealed subclasses below; a proposal of any other type does not decode
/// (<see cref="MlsError.UnsupportedProposal"/>).
/// </summary>
public abstract class Proposal
{
    private protected Proposal()
    {
    }

    public abstract ProposalType Type { get; }

    internal static Proposal Read(ref TlsReader r)
    {
        var type = (ProposalType)r.ReadUInt16();
        switch (type)
        {
            case ProposalType.Add:
                return new AddProposal(KeyPackageIn.Read(ref r));
            case ProposalType.Update:
                return new UpdateProposal(LeafNode.Read(ref r));
            case ProposalType.Remove:
                return new RemoveProposal(r.ReadUInt32());
            case ProposalType.PreSharedKey:
                return new PreSharedKeyProposal(PreSharedKeyId.Read(ref r));
            case ProposalType.ReInit:
                var groupId = r.ReadOpaque();
                ushort version = r.ReadUInt16();
                ushort suite = r.ReadUInt16();
                return new ReInitProposal(groupId, version, suite, Extension.ReadList(ref r));
            case ProposalType.ExternalInit:
                return new ExternalInitProposal(r.ReadOpaque());
            case ProposalType.GroupContextExtensions:
                return new GroupContextExtensionsProposal(Extension.ReadList(ref r));
            default:
                throw new MlsException(MlsError.UnsupportedProposal, $"Proposal type {(ushort)type} is not supported.");
        }
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt16((ushort)Type);
        WriteBody(w);
    }

    private protected abstract void WriteBody(TlsWriter w);

    public static Proposal Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var proposal = Read(ref r);
        r.EnsureEnd();
        return proposal;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }
}

/// <summary><c>struct { KeyPackage key_package; } Add;</c> The KeyPackage is validated when the proposal is applied.</summary>
public sealed class AddProposal : Proposal
{
    public AddProposal(KeyPackage keyPackage)
    {
        ArgumentNullException.ThrowIfNull(keyPackage);
        KeyPackage = keyPackage.Content;
    }

    /// <summary>An Add of a KeyPackage received from elsewhere; it is validated when the commit is made or processed.</summary>
    public AddProposal(KeyPackageIn keyPackage)
    {
        ArgumentNullException.ThrowIfNull(keyPackage);
        KeyPackage = keyPackage;
    }

    public override ProposalType Type => ProposalType.Add;

    public KeyPackageIn KeyPackage { get; }

    private protected override void WriteBody(TlsWriter w) => w.WriteBytes(KeyPackage.Encoded);
}

/// <summary><c>struct { LeafNode leaf_node; } Update;</c></summary>
public sealed class UpdateProposal(LeafNode leafNode) : Proposal
{
    public override ProposalType Type => ProposalType.Update;

    public LeafNode LeafNode { get; } = leafNode;

    private protected override void WriteBody(TlsWriter w) => LeafNode.Write(w);
}

/// <summary><c>struct { uint32 removed; } Remove;</c></summary>
public sealed class RemoveProposal(uint removed) : Proposal
{
    public override ProposalType Type => ProposalType.Remove;

    public uint Removed { get; } = removed;

    private protected override void WriteBody(TlsWriter w) => w.WriteUInt32(Removed);
}

/// <summary><c>struct { PreSharedKeyID psk; } PreSharedKey;</c></summary>
public sealed class PreSharedKeyProposal(PreSharedKeyId psk) : Proposal
{
    public override ProposalType Type => ProposalType.PreSharedKey;

    public PreSharedKeyId Psk { get; } = psk;

    private protected override void WriteBody(TlsWriter w) => Psk.Write(w);
}

/// <summary>
/// <code>
/// struct {
///     opaque group_id&lt;V&gt;;
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     Extension extensions&lt;V&gt;;
/// } ReInit;
/// </code>
/// Decoded and re-encoded; Sotto does not commit ReInit.
/// </summary>
public sealed class ReInitProposal(byte[] groupId, ushort version, ushort cipherSuite, Extension[] extensions) : Proposal
{
    public override ProposalType Type => ProposalType.ReInit;

    public byte[] GroupId { get; } = groupId;

    public ushort Version { get; } = version;

    public ushort CipherSuite { get; } = cipherSuite;

    public IReadOnlyList<Extension> Extensions { get; } = extensions;

    private protected override void WriteBody(TlsWriter w)
    {
        w.WriteOpaque(GroupId);
        w.WriteUInt16(Version);
        w.WriteUInt16(CipherSuite);
        Extension.WriteList(w, Extensions);
    }
}

/// <summary><c>struct { opaque kem_output&lt;V&gt;; } ExternalInit;</c></summary>
public sealed class ExternalInitProposal(byte[] kemOutput) : Proposal
{
    public override ProposalType Type => ProposalType.ExternalInit;

    public byte[] KemOutput { get; } = kemOutput;

    private protected override void WriteBody(TlsWriter w) => w.WriteOpaque(KemOutput);
}

/// <summary><c>struct { Extension extensions&lt;V&gt;; } GroupContextExtensions;</c></summary>
public sealed class GroupContextExtensionsProposal(Extension[] extensions) : Proposal
{
    public override ProposalType Type => ProposalType.GroupContextExtensions;

    public IReadOnlyList<Extension> Extensions { get; } = extensions;

    internal Extension[] ExtensionArray => (Extension[])Extensions;

    private protected override void WriteBody(TlsWriter w) => Extension.WriteList(w, Extensions);
}

/// <summary>
/// <code>
/// struct {
///     ProposalOrRefType type;
///     select (ProposalOrRef.type) {
///         case proposal:  Proposal proposal;
///         case reference: ProposalRef reference;
///     };
/// } ProposalOrRef;
/// </code>
/// </summary>
public sealed class ProposalOrRef
{
    private ProposalOrRef(Proposal? proposal, byte[]? reference)
    {
        Proposal = proposal;
        Reference = reference;
    }

    public Proposal? Proposal { get; }

    /// <summary>ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent).</summary>
    public byte[]? Reference { get; }

    public static ProposalOrRef ByValue(Proposal proposal) => new(proposal, null);

    public static ProposalOrRef ByReference(byte[] reference) => new(null, reference);

    internal static ProposalOrRef Read(ref TlsReader r)
    {
        var type = (ProposalOrRefType)r.ReadUInt8();
        return type switch
        {
            ProposalOrRefType.Proposal => new ProposalOrRef(Proposal.Read(ref r), null),
            ProposalOrRefType.Reference => new ProposalOrRef(null, r.ReadOpaque()),
            _ => throw new MlsException(MlsError.Malformed, "Malformed MLS input: unknown ProposalOrRef type."),
        };
    }

    internal void Write(TlsWriter w)
    {
        if (Proposal is not null)
        {
            w.WriteUInt8((byte)ProposalOrRefType.Proposal);
            Proposal.Write(w);
        }
        else
        {
            w.WriteUInt8((byte)ProposalOrRefType.Reference);
            w.WriteOpaque(Reference);
        }
    }
}

/// <summary>
/// <code>
/// struct {
///     ProposalOrRef proposals&lt;V&gt;;
///     optional&lt;UpdatePath&gt; path;
/// } Commit;
/// </code>
/// </summary>
public sealed class Commit(ProposalOrRef[] proposals, UpdatePath? path)
{
    public IReadOnlyList<ProposalOrRef> Proposals { get; } = proposals;

    public UpdatePath? Path { get; } = path;

    internal static Commit Read(ref TlsReader r)
    {
        var inner = r.ReadVectorReader();
        var list = new List<ProposalOrRef>();
        while (!inner.IsEmpty)
        {
            list.Add(ProposalOrRef.Read(ref inner));
        }

        UpdatePath? path = r.ReadPresence() ? UpdatePath.Read(ref r) : null;
        return new Commit([.. list], path);
    }

    internal void Write(TlsWriter w)
    {
        int mark = w.BeginVector();
        foreach (var p in Proposals)
        {
            p.Write(w);
        }

        w.EndVector(mark);
        w.WritePresence(Path is not null);
        Path?.Write(w);
    }

    public static Commit Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var commit = Read(ref r);
        r.EnsureEnd();
        return commit;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }
}
