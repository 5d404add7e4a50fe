using Sotto.Mls.Codec;

namespace Sotto.Mls.Messages;

/// <summary>
/// <code>
/// struct {
///     ProtocolVersion version = mls10;
///     CipherSuite cipher_suite;
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     opaque tree_hash&lt;V&gt;;
///     opaque confirmed_transcript_hash&lt;V&gt;;
///     Extension extensions&lt;V&gt;;
/// } GroupContext;
/// </code>
/// Immutable; its encoding is computed once (every signature and path encryption of the epoch includes it).
/// </summary>
public sealed class GroupContext
{
    private byte[]? _encoded;

    public GroupContext(ushort cipherSuite, byte[] groupId, ulong epoch, byte[] treeHash, byte[] confirmedTranscriptHash, Extension[] extensions)
    {
        CipherSuite = cipherSuite;
        GroupId = groupId;
        Epoch = epoch;
        TreeHash = treeHash;
        ConfirmedTranscriptHash = confirmedTranscriptHash;
        Extensions = extensions;
    }

    public ProtocolVersion Version => ProtocolVersion.Mls10;

    public ushort CipherSuite { get; }

    public byte[] GroupId { get; }

    public ulong Epoch { get; }

    public byte[] TreeHash { get; }

    public byte[] ConfirmedTranscriptHash { get; }

    public IReadOnlyList<Extension> Extensions { get; }

    internal Extension[] ExtensionArray => (Extension[])Extensions;

    internal byte[] Encoded
    {
        get
        {
            if (_encoded is null)
            {
                var w = new TlsWriter(128);
                Write(w);
                _encoded = w.ToArray();
            }

            return _encoded;
        }
    }

    public byte[] Encode() => (byte[])Encoded.Clone();

    public static GroupContext Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var context = Read(ref r);
        r.EnsureEnd();
        return context;
    }

    internal static GroupContext Read(ref TlsReader r)
    {
        if (r.ReadUInt16() != (ushort)ProtocolVersion.Mls10)
        {
            throw new MlsException(MlsError.UnsupportedVersion, "Unsupported protocol version.");
        }

        ushort suite = r.ReadUInt16();
        var groupId = r.ReadOpaque();
        ulong epoch = r.ReadUInt64();
        var treeHash = r.ReadOpaque();
        var cth = r.ReadOpaque();
        return new GroupContext(suite, groupId, epoch, treeHash, cth, Extension.ReadList(ref r));
    }

    internal void Write(TlsWriter w)
    {
        if (_encoded is not null)
        {
            w.WriteBytes(_encoded);
            return;
        }

        w.WriteUInt16((ushort)ProtocolVersion.Mls10);
        w.WriteUInt16(CipherSuite);
        w.WriteOpaque(GroupId);
        w.WriteUInt64(Epoch);
        w.WriteOpaque(TreeHash);
        w.WriteOpaque(ConfirmedTranscriptHash);
        Extension.WriteList(w, Extensions);
    }

    internal GroupContext With(ulong? epoch = null, byte[]? treeHash = null, byte[]? confirmedTranscriptHash = null, Extension[]? extensions = null) =>
        new(CipherSuite, GroupId, epoch ?? Epoch, treeHash ?? TreeHash, confirmedTranscriptHash ?? ConfirmedTranscriptHash, extensions ?? ExtensionArray);
}
