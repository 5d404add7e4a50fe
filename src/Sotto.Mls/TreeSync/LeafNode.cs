using Sotto.Mls.Codec;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.TreeSync;

/// <summary><c>struct { uint64 not_before; uint64 not_after; } Lifetime;</c> (seconds since the Unix epoch).</summary>
public readonly record struct Lifetime(ulong NotBefore, ulong NotAfter)
{
    public bool Covers(DateTimeOffset now)
    {
        long seconds = now.ToUnixTimeSeconds();
        return seconds >= 0 && (ulong)seconds >= NotBefore && (ulong)seconds <= NotAfter;
    }
}

/// <summary>
/// <code>
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package: Lifetime lifetime;
///         case update:      struct{};
///         case commit:      opaque parent_hash&lt;V&gt;;
///     };
///     Extension extensions&lt;V&gt;;
///     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
///     opaque signature&lt;V&gt;;
/// } LeafNode;
/// </code>
/// Immutable. Keeps its encoding, which the tree hash and KeyPackage references reuse. A parsed LeafNode is not
/// trusted until <see cref="VerifySignature"/> and the checks of <see cref="LeafNodeValidator"/> pass.
/// </summary>
public sealed class LeafNode
{
    private byte[]? _encoded;

    internal LeafNode(
        byte[] encryptionKey, byte[] signatureKey, Credential credential, Capabilities capabilities, LeafNodeSource source,
        Lifetime? lifetime, byte[]? parentHash, Extension[] extensions, byte[] signature, byte[]? encoded = null)
    {
        EncryptionKey = encryptionKey;
        SignatureKey = signatureKey;
        Credential = credential;
        Capabilities = capabilities;
        Source = source;
        Lifetime = lifetime;
        ParentHash = parentHash;
        Extensions = extensions;
        Signature = signature;
        _encoded = encoded;
    }

    public byte[] EncryptionKey { get; }

    public byte[] SignatureKey { get; }

    public Credential Credential { get; }

    public Capabilities Capabilities { get; }

    public LeafNodeSource Source { get; }

    /// <summary>Present when <see cref="Source"/> is <see cref="LeafNodeSource.KeyPackage"/>.</summary>
    public Lifetime? Lifetime { get; }

    /// <summary>Present when <see cref="Source"/> is <see cref="LeafNodeSource.Commit"/>.</summary>
    public byte[]? ParentHash { get; }

    public IReadOnlyList<Extension> Extensions { get; }

    public byte[] Signature { get; }

    /// <summary>The TLS encoding of this LeafNode.</summary>
    internal byte[] Encoded
    {
        get
        {
            if (_encoded is null)
            {
                var w = new TlsWriter(256);
                WriteContent(w);
                w.WriteOpaque(Signature);
                _encoded = w.ToArray();
            }

            return _encoded;
        }
    }

    internal static LeafNode Read(ref TlsReader r)
    {
        int start = r.Position;
        var encryptionKey = r.ReadOpaque();
        var signatureKey = r.ReadOpaque();
        var credential = Credential.Read(ref r);
        var capabilities = Capabilities.Read(ref r);
        var source = (LeafNodeSource)r.ReadUInt8();
        Lifetime? lifetime = null;
        byte[]? parentHash = null;
        switch (source)
        {
            case LeafNodeSource.KeyPackage:
                lifetime = new Lifetime(r.ReadUInt64(), r.ReadUInt64());
                break;
            case LeafNodeSource.Update:
                break;
            case LeafNodeSource.Commit:
                parentHash = r.ReadOpaque();
                break;
            default:
                TlsReader.Throw("unknown leaf_node_source");
                break;
        }

        var extensions = Extension.ReadList(ref r);
        var signature = r.ReadOpaque();
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, lifetime, parentHash, extensions, signature, r.Since(start).ToArray());
    }

    internal void Write(TlsWriter w) => w.WriteBytes(Encoded);

    private void WriteContent(TlsWriter w)
    {
        w.WriteOpaque(EncryptionKey);
        w.WriteOpaque(SignatureKey);
        Credential.Write(w);
        Capabilities.Write(w);
        w.WriteUInt8((byte)Source);
        switch (Source)
        {
            case LeafNodeSource.KeyPackage:
                w.WriteUInt64(Lifetime!.Value.NotBefore);
                w.WriteUInt64(Lifetime.Value.NotAfter);
                break;
            case LeafNodeSource.Commit:
                w.WriteOpaque(ParentHash);
                break;
        }

        Extension.WriteList(w, Extensions);
    }

    /// <summary>
    /// LeafNodeTBS: the content, then <c>group_id&lt;V&gt;</c> and <c>uint32 leaf_index</c> for the update and commit sources.
    /// </summary>
    private byte[] Tbs(ReadOnlySpan<byte> groupId, LeafIndex leafIndex)
    {
        var w = new TlsWriter(256);
        WriteContent(w);
        if (Source is LeafNodeSource.Update or LeafNodeSource.Commit)
        {
            w.WriteOpaque(groupId);
            w.WriteUInt32(leafIndex.Value);
        }

        return w.ToArray();
    }

    /// <summary>Verifies SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) with this node's own signature key.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> groupId, LeafIndex leafIndex) =>
        CipherSuite.VerifyWithLabel(SignatureKey, "LeafNodeTBS"u8, Tbs(groupId, leafIndex), Signature);

    /// <summary>Builds and signs a LeafNode.</summary>
    internal static LeafNode Create(
        byte[] encryptionKey, SignaturePrivateKey signer, Credential credential, Capabilities capabilities, LeafNodeSource source,
        Lifetime? lifetime, byte[]? parentHash, Extension[] extensions, ReadOnlySpan<byte> groupId, LeafIndex leafIndex)
    {
        var unsigned = new LeafNode(encryptionKey, signer.PublicKey, credential, capabilities, source, lifetime, parentHash, extensions, []);
        var signature = CipherSuite.SignWithLabel(signer, "LeafNodeTBS"u8, unsigned.Tbs(groupId, leafIndex));
        return new LeafNode(encryptionKey, signer.PublicKey, credential, capabilities, source, lifetime, parentHash, extensions, signature);
    }

    /// <summary>A copy with a new source, parent hash and encryption key, re-signed (the leaf of an UpdatePath).</summary>
    internal LeafNode ForCommit(byte[] encryptionKey, byte[] parentHash, SignaturePrivateKey signer, ReadOnlySpan<byte> groupId, LeafIndex leafIndex) =>
        Create(encryptionKey, signer, Credential, Capabilities, LeafNodeSource.Commit, null, parentHash, [.. Extensions], groupId, leafIndex);
}

/// <summary>
/// <code>
/// struct {
///     HPKEPublicKey encryption_key;
///     opaque parent_hash&lt;V&gt;;
///     uint32 unmerged_leaves&lt;V&gt;;
/// } ParentNode;
/// </code>
/// Immutable; <see cref="UnmergedLeaves"/> is sorted in increasing order (§7.1), which decoding enforces.
/// </summary>
public sealed class ParentNode(byte[] encryptionKey, byte[] parentHash, uint[] unmergedLeaves)
{
    public byte[] EncryptionKey { get; } = encryptionKey;

    public byte[] ParentHash { get; } = parentHash;

    public IReadOnlyList<uint> UnmergedLeaves { get; } = unmergedLeaves;

    internal uint[] UnmergedArray => (uint[])UnmergedLeaves;

    internal static ParentNode Read(ref TlsReader r)
    {
        var key = r.ReadOpaque();
        var parentHash = r.ReadOpaque();
        var unmerged = Codecs.ReadUInt32List(ref r);
        for (int i = 1; i < unmerged.Length; i++)
        {
            if (unmerged[i] <= unmerged[i - 1])
            {
                throw new MlsException(MlsError.InvalidTree, "A parent node's unmerged_leaves are not sorted in increasing order.");
            }
        }

        return new ParentNode(key, parentHash, unmerged);
    }

    internal void Write(TlsWriter w)
    {
        w.WriteOpaque(EncryptionKey);
        w.WriteOpaque(ParentHash);
        Codecs.WriteUInt32List(w, UnmergedLeaves);
    }

    internal ParentNode WithUnmerged(uint leaf)
    {
        var list = UnmergedArray;
        int position = Array.BinarySearch(list, leaf);
        if (position >= 0)
        {
            return this;
        }

        position = ~position;
        var updated = new uint[list.Length + 1];
        Array.Copy(list, updated, position);
        updated[position] = leaf;
        Array.Copy(list, position, updated, position + 1, list.Length - position);
        return new ParentNode(EncryptionKey, ParentHash, updated);
    }
}
