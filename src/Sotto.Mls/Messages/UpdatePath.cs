using Sotto.Mls.Codec;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls;

/// <summary>
/// <code>
/// struct {
///     opaque kem_output&lt;V&gt;;
///     opaque ciphertext&lt;V&gt;;
/// } HPKECiphertext;
/// </code>
/// </summary>
public sealed class HpkeCiphertext(byte[] kemOutput, byte[] ciphertext)
{
    public byte[] KemOutput { get; } = kemOutput;

    public byte[] Ciphertext { get; } = ciphertext;

    internal static HpkeCiphertext Read(ref TlsReader r)
    {
        var kem = r.ReadOpaque();
        return new HpkeCiphertext(kem, r.ReadOpaque());
    }

    internal void Write(TlsWriter w)
    {
        w.WriteOpaque(KemOutput);
        w.WriteOpaque(Ciphertext);
    }
}

/// <summary>
/// <code>
/// struct {
///     HPKEPublicKey encryption_key;
///     HPKECiphertext encrypted_path_secret&lt;V&gt;;
/// } UpdatePathNode;
/// </code>
/// </summary>
public sealed class UpdatePathNode(byte[] encryptionKey, HpkeCiphertext[] encryptedPathSecrets)
{
    public byte[] EncryptionKey { get; } = encryptionKey;

    public IReadOnlyList<HpkeCiphertext> EncryptedPathSecrets { get; } = encryptedPathSecrets;

    internal static UpdatePathNode Read(ref TlsReader r)
    {
        var key = r.ReadOpaque();
        var inner = r.ReadVectorReader();
        var list = new List<HpkeCiphertext>();
        while (!inner.IsEmpty)
        {
            list.Add(HpkeCiphertext.Read(ref inner));
        }

        return new UpdatePathNode(key, [.. list]);
    }

    internal void Write(TlsWriter w)
    {
        w.WriteOpaque(EncryptionKey);
        int mark = w.BeginVector();
        foreach (var ct in EncryptedPathSecrets)
        {
            ct.Write(w);
        }

        w.EndVector(mark);
    }
}

/// <summary>
/// <code>
/// struct {
///     LeafNode leaf_node;
///     UpdatePathNode nodes&lt;V&gt;;
/// } UpdatePath;
/// </code>
/// </summary>
public sealed class UpdatePath(LeafNode leafNode, UpdatePathNode[] nodes)
{
    public LeafNode LeafNode { get; } = leafNode;

    public IReadOnlyList<UpdatePathNode> Nodes { get; } = nodes;

    internal static UpdatePath Read(ref TlsReader r)
    {
        var leaf = LeafNode.Read(ref r);
        var inner = r.ReadVectorReader();
        var list = new List<UpdatePathNode>();
        while (!inner.IsEmpty)
        {
            list.Add(UpdatePathNode.Read(ref inner));
        }

        return new UpdatePath(leaf, [.. list]);
    }

    internal void Write(TlsWriter w)
    {
        LeafNode.Write(w);
        int mark = w.BeginVector();
        foreach (var node in Nodes)
        {
            node.Write(w);
        }

        w.EndVector(mark);
    }

    public static UpdatePath Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var path = Read(ref r);
        r.EnsureEnd();
        return path;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }
}
