using Sotto.Mls.Codec;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.TreeSync;

/// <summary>
/// The public ratchet tree of an epoch (RFC 9420 §4, §7): leaves, parent nodes, and cached tree hashes.
/// </summary>
/// <remarks>
/// <para>Representation: the array form of Appendix C, split into a leaf array (leaf <c>i</c> = node <c>2i</c>)
/// and a parent array (node <c>2k+1</c> = parent <c>k</c>). The leaf count is always a power of two.</para>
/// <para>Caching: the tree hash of every node is cached. Changing a node invalidates it and its direct path only
/// (invariant: a cached hash implies cached, correct hashes for its whole subtree, so invalidation stops at the
/// first ancestor that is already uncached). Recomputing the root after one change costs O(log n) hashes; after
/// an extension, the new blank half is hashed once.</para>
/// <para>Ownership: nodes are immutable and shared between clones; <see cref="Clone"/> copies the arrays only, so
/// staging a commit on a copy never disturbs the current epoch. Not thread-safe.</para>
/// </remarks>
public sealed class RatchetTree
{
    private LeafNode?[] _leaves;
    private ParentNode?[] _parents;
    private byte[]?[] _hashes;
    private uint _leafCount;
    private HashSet<ByteKey>? _encryptionKeys;
    private HashSet<ByteKey>? _signatureKeys;
    private CredentialSummary? _credentials;

    private RatchetTree(uint leafCount)
    {
        _leafCount = leafCount;
        _leaves = new LeafNode?[leafCount];
        _parents = new ParentNode?[leafCount - 1];
        _hashes = new byte[]?[Tree.NodeWidth(leafCount)];
    }

    /// <summary>A one-leaf tree holding the group creator.</summary>
    public static RatchetTree WithCreator(LeafNode creator)
    {
        var tree = new RatchetTree(1);
        tree._leaves[0] = creator;
        return tree;
    }

    public uint LeafCount => _leafCount;

    public uint NodeCount => Tree.NodeWidth(_leafCount);

    public NodeIndex Root => Tree.Root(_leafCount);

    public RatchetTree Clone()
    {
        var copy = new RatchetTree(_leafCount);
        Array.Copy(_leaves, copy._leaves, _leaves.Length);
        Array.Copy(_parents, copy._parents, _parents.Length);
        Array.Copy(_hashes, copy._hashes, _hashes.Length);
        return copy;
    }

    // ---- node access

    public LeafNode? GetLeaf(LeafIndex leaf) => leaf.Value < _leafCount ? _leaves[leaf.Value] : null;

    public ParentNode? GetParent(NodeIndex node) => node.IsLeaf || node.Value >= NodeCount ? null : _parents[node.Value / 2];

    public bool IsBlank(NodeIndex node) => node.IsLeaf ? GetLeaf(node.Leaf) is null : GetParent(node) is null;

    /// <summary>The HPKE public key of a non-blank node.</summary>
    public byte[]? EncryptionKey(NodeIndex node) => node.IsLeaf ? GetLeaf(node.Leaf)?.EncryptionKey : GetParent(node)?.EncryptionKey;

    /// <summary>Non-blank leaves, in index order.</summary>
    public IEnumerable<(LeafIndex Index, LeafNode Leaf)> Members()
    {
        for (uint i = 0; i < _leafCount; i++)
        {
            if (_leaves[i] is { } leaf)
            {
                yield return (new LeafIndex(i), leaf);
            }
        }
    }

    public int MemberCount
    {
        get
        {
            int count = 0;
            foreach (var leaf in _leaves)
            {
                if (leaf is not null)
                {
                    count++;
                }
            }

            return count;
        }
    }

    internal void SetLeaf(LeafIndex leaf, LeafNode? value)
    {
        var old = _leaves[leaf.Value];
        _leaves[leaf.Value] = value;
        if (old is not null)
        {
            _credentials = null;
        }
        else if (value is not null)
        {
            _credentials?.Add(value);
        }

        if (_encryptionKeys is not null)
        {
            // Keep the key index in step (keys are unique in a valid tree, so removal is exact).
            if (old is not null)
            {
                _encryptionKeys.Remove(new ByteKey(old.EncryptionKey));
                _signatureKeys!.Remove(new ByteKey(old.SignatureKey));
            }

            if (value is not null)
            {
                _encryptionKeys.Add(new ByteKey(value.EncryptionKey));
                _signatureKeys!.Add(new ByteKey(value.SignatureKey));
            }
        }

        Invalidate(leaf.Node);
    }

    internal void SetParent(NodeIndex node, ParentNode? value)
    {
        var old = _parents[node.Value / 2];
        _parents[node.Value / 2] = value;
        if (_encryptionKeys is not null)
        {
            if (old is not null && !(value is not null && old.EncryptionKey.AsSpan().SequenceEqual(value.EncryptionKey)))
            {
                _encryptionKeys.Remove(new ByteKey(old.EncryptionKey));
            }

            if (value is not null)
            {
                _encryptionKeys.Add(new ByteKey(value.EncryptionKey));
            }
        }

        Invalidate(node);
    }

    private void Invalidate(NodeIndex node)
    {
        var root = Root;
        while (true)
        {
            // A cached hash implies cached hashes below it, so an uncached node has no cached ancestor.
            if (_hashes[node.Value] is null)
            {
                return;
            }

            _hashes[node.Value] = null;
            if (node == root)
            {
                return;
            }

            node = Tree.Parent(node, _leafCount);
        }
    }

    // ---- shape changes (§7.7)

    /// <summary>Doubles the tree: the old tree becomes the left subtree of a new blank root.</summary>
    internal void Extend()
    {
        uint count = checked(_leafCount * 2);
        if (count > MlsLimits.MaxLeaves)
        {
            throw new MlsException(MlsError.LengthExceeded, "The ratchet tree would exceed the maximum number of leaves.");
        }

        Array.Resize(ref _leaves, (int)count);
        Array.Resize(ref _parents, (int)count - 1);
        Array.Resize(ref _hashes, (int)Tree.NodeWidth(count));
        _leafCount = count;
        _hashes[Tree.Root(count).Value] = null;
    }

    /// <summary>Removes the right half while it holds no member (§12.1.3).</summary>
    internal void Truncate()
    {
        while (_leafCount > 1)
        {
            uint half = _leafCount / 2;
            for (uint i = half; i < _leafCount; i++)
            {
                if (_leaves[i] is not null)
                {
                    return;
                }
            }

            Array.Resize(ref _leaves, (int)half);
            Array.Resize(ref _parents, (int)half - 1);
            Array.Resize(ref _hashes, (int)Tree.NodeWidth(half));
            _leafCount = half;
            _encryptionKeys = null;
            _signatureKeys = null;
            _credentials = null;
        }
    }

    /// <summary>The leftmost blank leaf, extending the tree when there is none.</summary>
    internal LeafIndex LeftmostFreeLeaf()
    {
        for (uint i = 0; i < _leafCount; i++)
        {
            if (_leaves[i] is null)
            {
                return new LeafIndex(i);
            }
        }

        uint first = _leafCount;
        Extend();
        return new LeafIndex(first);
    }

    /// <summary>Add (§12.1.1): places the leaf at the leftmost blank leaf and marks it unmerged on its direct path.</summary>
    internal LeafIndex AddLeaf(LeafNode leaf)
    {
        var index = LeftmostFreeLeaf();
        foreach (var node in Tree.DirectPath(index.Node, _leafCount))
        {
            if (GetParent(node) is { } parent)
            {
                SetParent(node, parent.WithUnmerged(index.Value));
            }
        }

        SetLeaf(index, leaf);
        return index;
    }

    /// <summary>Update (§12.1.2): replaces the leaf and blanks its direct path.</summary>
    internal void UpdateLeaf(LeafIndex index, LeafNode leaf)
    {
        SetLeaf(index, leaf);
        BlankDirectPath(index);
    }

    /// <summary>Remove (§12.1.3): blanks the leaf and its direct path, then truncates.</summary>
    internal void RemoveLeaf(LeafIndex index)
    {
        SetLeaf(index, null);
        BlankDirectPath(index);
        Truncate();
    }

    internal void BlankDirectPath(LeafIndex index)
    {
        foreach (var node in Tree.DirectPath(index.Node, _leafCount))
        {
            if (GetParent(node) is not null)
            {
                SetParent(node, null);
            }
        }
    }

    // ---- resolution and paths (§4.1.1, §4.1.2)

    /// <summary>The resolution of a node, in order, leaving out the leaves in <paramref name="excluded"/>.</summary>
    public List<NodeIndex> Resolution(NodeIndex node, IReadOnlySet<uint>? excluded = null)
    {
        var result = new List<NodeIndex>();
        AppendResolution(node, excluded, result);
        return result;
    }

    private void AppendResolution(NodeIndex node, IReadOnlySet<uint>? excluded, List<NodeIndex> result)
    {
        if (node.IsLeaf)
        {
            if (_leaves[node.Value / 2] is not null && !(excluded?.Contains(node.Value / 2) ?? false))
            {
                result.Add(node);
            }

            return;
        }

        var parent = _parents[node.Value / 2];
        if (parent is not null)
        {
            result.Add(node);
            foreach (var leaf in parent.UnmergedLeaves)
            {
                if (!(excluded?.Contains(leaf) ?? false))
                {
                    result.Add(new LeafIndex(leaf).Node);
                }
            }

            return;
        }

        AppendResolution(Tree.Left(node), excluded, result);
        AppendResolution(Tree.Right(node), excluded, result);
    }

    /// <summary>True when the resolution of <paramref name="node"/> is not empty.</summary>
    internal bool HasNonBlank(NodeIndex node)
    {
        if (node.IsLeaf)
        {
            return _leaves[node.Value / 2] is not null;
        }

        return _parents[node.Value / 2] is not null || HasNonBlank(Tree.Left(node)) || HasNonBlank(Tree.Right(node));
    }

    /// <summary>
    /// The filtered direct path of a leaf (§4.1.2), each entry with its copath child: direct-path nodes whose
    /// copath child has an empty resolution are left out.
    /// </summary>
    public List<(NodeIndex Node, NodeIndex CopathChild)> FilteredDirectPath(LeafIndex leaf)
    {
        var result = new List<(NodeIndex, NodeIndex)>();
        var node = leaf.Node;
        var root = Root;
        while (node != root)
        {
            var sibling = Tree.Sibling(node, _leafCount);
            var parent = Tree.Parent(node, _leafCount);
            if (HasNonBlank(sibling))
            {
                result.Add((parent, sibling));
            }

            node = parent;
        }

        return result;
    }

    // ---- tree hashes (§7.8)

    /// <summary>The tree hash of the root.</summary>
    public byte[] RootHash() => TreeHash(Root);

    /// <summary>
    /// The tree hash of a node: Hash(TreeHashInput), where
    /// <code>
    /// struct { uint32 leaf_index; optional&lt;LeafNode&gt; leaf_node; } LeafNodeHashInput;
    /// struct { optional&lt;ParentNode&gt; parent_node; opaque left_hash&lt;V&gt;; opaque right_hash&lt;V&gt;; } ParentNodeHashInput;
    /// </code>
    /// </summary>
    public byte[] TreeHash(NodeIndex node)
    {
        var cached = _hashes[node.Value];
        if (cached is not null)
        {
            return cached;
        }

        byte[] hash;
        var w = TlsWriter.Rent();
        if (node.IsLeaf)
        {
            WriteLeafHashInput(w, node.Leaf, _leaves[node.Value / 2]);
            hash = CipherSuite.Hash(w.Written);
            TlsWriter.Return(w);
        }
        else
        {
            TlsWriter.Return(w);
            var left = TreeHash(Tree.Left(node));
            var right = TreeHash(Tree.Right(node));
            hash = ParentTreeHash(_parents[node.Value / 2], left, right);
        }

        _hashes[node.Value] = hash;
        return hash;
    }

    private static void WriteLeafHashInput(TlsWriter w, LeafIndex index, LeafNode? leaf)
    {
        w.WriteUInt8((byte)NodeType.Leaf);
        w.WriteUInt32(index.Value);
        w.WritePresence(leaf is not null);
        leaf?.Write(w);
    }

    private static byte[] ParentTreeHash(ParentNode? parent, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var w = TlsWriter.Rent();
        w.WriteUInt8((byte)NodeType.Parent);
        w.WritePresence(parent is not null);
        parent?.Write(w);
        w.WriteOpaque(left);
        w.WriteOpaque(right);
        var hash = CipherSuite.Hash(w.Written);
        TlsWriter.Return(w);
        return hash;
    }

    /// <summary>
    /// The tree hash of <paramref name="node"/> with the leaves in <paramref name="excluded"/> blanked and removed
    /// from every unmerged_leaves list (the original sibling tree hash of §7.9). Subtrees without an excluded leaf
    /// reuse the cached hashes.
    /// </summary>
    internal byte[] TreeHashExcluding(NodeIndex node, IReadOnlyList<uint> excluded)
    {
        var (first, last) = Tree.LeafRange(node);
        bool any = false;
        foreach (var leaf in excluded)
        {
            if (leaf >= first && leaf <= last)
            {
                any = true;
                break;
            }
        }

        if (!any)
        {
            return TreeHash(node);
        }

        if (node.IsLeaf)
        {
            var w = TlsWriter.Rent();
            WriteLeafHashInput(w, node.Leaf, null);
            var hash = CipherSuite.Hash(w.Written);
            TlsWriter.Return(w);
            return hash;
        }

        var parent = _parents[node.Value / 2];
        if (parent is not null && parent.UnmergedLeaves.Any(excluded.Contains))
        {
            parent = new ParentNode(parent.EncryptionKey, parent.ParentHash, [.. parent.UnmergedLeaves.Where(l => !excluded.Contains(l))]);
        }

        return ParentTreeHash(parent, TreeHashExcluding(Tree.Left(node), excluded), TreeHashExcluding(Tree.Right(node), excluded));
    }

    // ---- parent hashes (§7.9)

    /// <summary>
    /// Hash(<c>struct { HPKEPublicKey encryption_key; opaque parent_hash&lt;V&gt;; opaque original_sibling_tree_hash&lt;V&gt;; } ParentHashInput</c>).
    /// </summary>
    internal static byte[] ParentHash(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> parentHash, ReadOnlySpan<byte> originalSiblingTreeHash)
    {
        var w = TlsWriter.Rent();
        w.WriteOpaque(encryptionKey);
        w.WriteOpaque(parentHash);
        w.WriteOpaque(originalSiblingTreeHash);
        var hash = CipherSuite.Hash(w.Written);
        TlsWriter.Return(w);
        return hash;
    }

    /// <summary>
    /// The parent hashes of a new path (§7.9, top-down): for the filtered direct path P_0 … P_{n-1} with new keys,
    /// P_{n-1}.parent_hash = "" and P_i.parent_hash = ParentHash(P_{i+1}, th(copath child of P_{i+1})). Returns the
    /// parent_hash field of each path node and, last, the leaf's.
    /// </summary>
    internal byte[][] PathParentHashes(IReadOnlyList<(NodeIndex Node, NodeIndex CopathChild)> path, IReadOnlyList<byte[]> keys)
    {
        var result = new byte[path.Count + 1][];
        byte[] above = [];
        for (int i = path.Count - 1; i >= 0; i--)
        {
            result[i] = above;
            above = ParentHash(keys[i], above, TreeHash(path[i].CopathChild));
        }

        result[path.Count] = above;
        return result;
    }

    /// <summary>
    /// Every non-blank parent node is parent-hash valid, and covered by exactly one child (§7.9.2, "top down").
    /// </summary>
    internal bool VerifyParentHashes()
    {
        for (uint k = 0; k < _parents.Length; k++)
        {
            var parent = _parents[k];
            if (parent is null)
            {
                continue;
            }

            var node = new NodeIndex((2 * k) + 1);
            int valid = 0;
            var left = Tree.Left(node);
            var right = Tree.Right(node);
            if (IsParentHashValid(node, parent, left, right))
            {
                valid++;
            }

            if (IsParentHashValid(node, parent, right, left))
            {
                valid++;
            }

            if (valid != 1)
            {
                return false;
            }
        }

        return true;
    }

    private bool IsParentHashValid(NodeIndex node, ParentNode parent, NodeIndex child, NodeIndex sibling)
    {
        var expected = ParentHash(parent.EncryptionKey, parent.ParentHash, TreeHashExcluding(sibling, parent.UnmergedLeaves));

        // D is in the resolution of C, and resolution(C) \ {D} = P.unmerged_leaves ∩ subtree(C).
        var (first, last) = Tree.LeafRange(child);
        var unmergedInChild = new HashSet<uint>();
        foreach (var leaf in parent.UnmergedLeaves)
        {
            if (leaf >= first && leaf <= last)
            {
                unmergedInChild.Add(leaf);
            }
        }

        var resolution = Resolution(child);
        if (resolution.Count != unmergedInChild.Count + 1)
        {
            return false;
        }

        NodeIndex? candidate = null;
        foreach (var n in resolution)
        {
            if (n.IsLeaf && unmergedInChild.Remove(n.Value / 2))
            {
                continue;
            }

            if (candidate is not null)
            {
                return false;
            }

            candidate = n;
        }

        if (candidate is null || unmergedInChild.Count != 0)
        {
            return false;
        }

        byte[]? actual = candidate.Value.IsLeaf
            ? (_leaves[candidate.Value.Value / 2]!.Source == LeafNodeSource.Commit ? _leaves[candidate.Value.Value / 2]!.ParentHash : null)
            : _parents[candidate.Value.Value / 2]!.ParentHash;
        _ = node;
        return actual is not null && actual.AsSpan().SequenceEqual(expected);
    }

    // ---- key uniqueness (§7.3)

    internal bool ContainsEncryptionKey(ReadOnlySpan<byte> key)
    {
        if (_encryptionKeys is null)
        {
            BuildKeyIndex();
        }

        return _encryptionKeys!.Contains(new ByteKey(key.ToArray()));
    }

    internal bool ContainsSignatureKey(ReadOnlySpan<byte> key)
    {
        if (_signatureKeys is null)
        {
            BuildKeyIndex();
        }

        return _signatureKeys!.Contains(new ByteKey(key.ToArray()));
    }

    private void BuildKeyIndex()
    {
        var encryption = new HashSet<ByteKey>();
        var signature = new HashSet<ByteKey>();
        foreach (var leaf in _leaves)
        {
            if (leaf is not null)
            {
                encryption.Add(new ByteKey(leaf.EncryptionKey));
                signature.Add(new ByteKey(leaf.SignatureKey));
            }
        }

        foreach (var parent in _parents)
        {
            if (parent is not null)
            {
                encryption.Add(new ByteKey(parent.EncryptionKey));
            }
        }

        _encryptionKeys = encryption;
        _signatureKeys = signature;
    }

    /// <summary>Credential types in use and those every member supports (kept up to date across additions).</summary>
    internal CredentialSummary Credentials()
    {
        if (_credentials is null)
        {
            var summary = new CredentialSummary();
            foreach (var leaf in _leaves)
            {
                if (leaf is not null)
                {
                    summary.Add(leaf);
                }
            }

            _credentials = summary;
        }

        return _credentials;
    }

    // ---- codec (§12.4.3.3)

    /// <summary>
    /// Decodes <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c>: the last node must be present; the array is padded with
    /// blanks to 2^(d+1) − 1 nodes; leaves sit at even and parent nodes at odd positions.
    /// </summary>
    public static RatchetTree Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var tree = Read(ref r);
        r.EnsureEnd();
        return tree;
    }

    internal static RatchetTree Read(ref TlsReader r)
    {
        var inner = r.ReadVectorReader();
        var nodes = new List<object?>();
        while (!inner.IsEmpty)
        {
            if (nodes.Count >= Tree.NodeWidth(MlsLimits.MaxLeaves))
            {
                throw new MlsException(MlsError.LengthExceeded, "The ratchet tree has too many nodes.");
            }

            if (!inner.ReadPresence())
            {
                nodes.Add(null);
                continue;
            }

            var type = (NodeType)inner.ReadUInt8();
            bool leafPosition = nodes.Count % 2 == 0;
            switch (type)
            {
                case NodeType.Leaf when leafPosition:
                    nodes.Add(LeafNode.Read(ref inner));
                    break;
                case NodeType.Parent when !leafPosition:
                    nodes.Add(ParentNode.Read(ref inner));
                    break;
                case NodeType.Leaf or NodeType.Parent:
                    throw new MlsException(MlsError.InvalidTree, "A ratchet tree node has the wrong type for its position.");
                default:
                    TlsReader.Throw("unknown node type");
                    break;
            }
        }

        if (nodes.Count == 0 || nodes[^1] is null)
        {
            throw new MlsException(MlsError.InvalidTree, "A ratchet tree must end with a non-blank node.");
        }

        uint leafCount = 1;
        while (Tree.NodeWidth(leafCount) < nodes.Count)
        {
            leafCount *= 2;
        }

        var tree = new RatchetTree(leafCount);
        for (int i = 0; i < nodes.Count; i++)
        {
            if (i % 2 == 0)
            {
                tree._leaves[i / 2] = (LeafNode?)nodes[i];
            }
            else
            {
                tree._parents[i / 2] = (ParentNode?)nodes[i];
            }
        }

        return tree;
    }

    /// <summary>Encodes <c>optional&lt;Node&gt; ratchet_tree&lt;V&gt;</c> without trailing blank nodes.</summary>
    public byte[] Encode()
    {
        var w = new TlsWriter(4096);
        Write(w);
        return w.ToArray();
    }

    internal void Write(TlsWriter w)
    {
        int last = (int)NodeCount - 1;
        while (last >= 0 && IsBlank(new NodeIndex((uint)last)))
        {
            last--;
        }

        int mark = w.BeginVector();
        for (int i = 0; i <= last; i++)
        {
            var node = new NodeIndex((uint)i);
            if (node.IsLeaf)
            {
                var leaf = _leaves[i / 2];
                w.WritePresence(leaf is not null);
                if (leaf is not null)
                {
                    w.WriteUInt8((byte)NodeType.Leaf);
                    leaf.Write(w);
                }
            }
            else
            {
                var parent = _parents[i / 2];
                w.WritePresence(parent is not null);
                if (parent is not null)
                {
                    w.WriteUInt8((byte)NodeType.Parent);
                    parent.Write(w);
                }
            }
        }

        w.EndVector(mark);
    }
}

/// <summary>A byte array compared by content, for key-uniqueness sets.</summary>
internal readonly struct ByteKey(byte[] bytes) : IEquatable<ByteKey>
{
    private readonly byte[] _bytes = bytes;

    public bool Equals(ByteKey other) => _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is ByteKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}

/// <summary>The credential types members use, and the types all members support (§7.3 compatibility check).</summary>
internal sealed class CredentialSummary
{
    private HashSet<ushort>? _supportedByAll;

    public HashSet<ushort> InUse { get; } = [];

    public bool AllSupport(CredentialType type) => _supportedByAll is null || _supportedByAll.Contains((ushort)type);

    public void Add(LeafNode leaf)
    {
        InUse.Add((ushort)leaf.Credential.Type);
        if (_supportedByAll is null)
        {
            _supportedByAll = [.. leaf.Capabilities.Credentials];
        }
        else
        {
            _supportedByAll.IntersectWith(leaf.Capabilities.Credentials);
        }
    }
}
