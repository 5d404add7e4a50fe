using Sotto.Crypto;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.TreeSync;

/// <summary>
/// The private half of one member's view of the tree (§4.2, tree invariant): its own leaf's HPKE private key and
/// the private keys of the parent nodes on its direct path that it knows. Owns the keys it was given.
/// </summary>
public sealed class TreePrivateKeys : IDisposable
{
    private readonly Dictionary<uint, HpkeKeyPair> _nodes;

    public TreePrivateKeys(LeafIndex own, HpkeKeyPair leafKey)
    {
        Own = own;
        LeafKey = leafKey;
        _nodes = [];
    }

    private TreePrivateKeys(LeafIndex own, HpkeKeyPair leafKey, Dictionary<uint, HpkeKeyPair> nodes)
    {
        Own = own;
        LeafKey = leafKey;
        _nodes = nodes;
    }

    public LeafIndex Own { get; }

    public HpkeKeyPair LeafKey { get; private set; }

    /// <summary>Parent nodes whose private key this member holds.</summary>
    public IEnumerable<NodeIndex> KnownNodes => _nodes.Keys.Select(k => new NodeIndex(k));

    /// <summary>A shallow copy (the key pairs are shared) to stage changes on.</summary>
    internal TreePrivateKeys Clone() => new(Own, LeafKey, new Dictionary<uint, HpkeKeyPair>(_nodes));

    internal TreePrivateKeys WithLeaf(LeafIndex own, HpkeKeyPair leafKey) => new(own, leafKey, new Dictionary<uint, HpkeKeyPair>(_nodes));

    internal void SetLeafKey(HpkeKeyPair key) => LeafKey = key;

    internal void Set(NodeIndex node, HpkeKeyPair key) => _nodes[node.Value] = key;

    internal HpkeKeyPair? Get(NodeIndex node)
    {
        if (node == Own.Node)
        {
            return LeafKey;
        }

        return _nodes.GetValueOrDefault(node.Value);
    }

    /// <summary>Forgets keys of nodes that are blank, gone or hold a different public key now.</summary>
    internal void Prune(RatchetTree tree)
    {
        List<uint>? stale = null;
        foreach (var (index, key) in _nodes)
        {
            var node = new NodeIndex(index);
            var current = node.Value < tree.NodeCount ? tree.GetParent(node) : null;
            if (current is null || !current.EncryptionKey.AsSpan().SequenceEqual(key.PublicKey) || !Tree.IsInSubtree(node, Own.Node))
            {
                (stale ??= []).Add(index);
            }
        }

        if (stale is not null)
        {
            foreach (var index in stale)
            {
                _nodes.Remove(index);
            }
        }
    }

    /// <summary>Disposes the key pairs this instance holds that <paramref name="successor"/> does not.</summary>
    internal void DisposeExcept(TreePrivateKeys? successor)
    {
        if (successor is null || !ReferenceEquals(LeafKey, successor.LeafKey))
        {
            LeafKey.Dispose();
        }

        foreach (var key in _nodes.Values)
        {
            if (successor is null || !successor._nodes.Values.Contains(key))
            {
                key.Dispose();
            }
        }
    }

    public void Dispose() => DisposeExcept(null);
}

/// <summary>The result of creating an UpdatePath: the path, the commit secret and each path node's secret.</summary>
internal sealed class CreatedPath(UpdatePath path, CommitSecret commitSecret, Dictionary<uint, PathSecret> pathSecrets) : IDisposable
{
    public UpdatePath Path { get; } = path;

    public CommitSecret CommitSecret { get; } = commitSecret;

    /// <summary>Path secret per node index of the filtered direct path (for Welcome).</summary>
    public Dictionary<uint, PathSecret> PathSecrets { get; } = pathSecrets;

    public void Dispose()
    {
        CommitSecret.Dispose();
        foreach (var secret in PathSecrets.Values)
        {
            secret.Dispose();
        }
    }
}

/// <summary>
/// TreeKEM (RFC 9420 §7.4–§7.6): creating an UpdatePath for the committer and merging one received from a peer.
/// </summary>
/// <remarks>
/// Both operate on a tree that already has the commit's proposals applied, and mutate it (and the private keys)
/// in place: callers stage on clones. The HPKE context of the encrypted path secrets is the provisional
/// GroupContext, which depends on the tree hash after the merge: <c>contextForTreeHash</c> builds it.
/// </remarks>
internal static class TreeKem
{
    /// <summary>
    /// Creates the committer's UpdatePath (§7.4, §7.5): a fresh leaf key, path secrets up the filtered direct path,
    /// parent hashes, the re-signed leaf; merges it into <paramref name="tree"/> and encrypts each path secret to
    /// the resolution of its copath child, leaving out <paramref name="excludedLeaves"/> (the members this commit adds).
    /// </summary>
    public static CreatedPath CreatePath(
        CipherSuite suite, RatchetTree tree, TreePrivateKeys keys, LeafNode leafTemplate, SignaturePrivateKey signer,
        ReadOnlySpan<byte> groupId, IReadOnlySet<uint>? excludedLeaves, Func<byte[], byte[]> contextForTreeHash, IRandom random)
    {
        var own = keys.Own;
        var filtered = tree.FilteredDirectPath(own);
        var leafKey = suite.GenerateKeyPair(random);

        var secrets = new PathSecret[filtered.Count];
        var pairs = new HpkeKeyPair[filtered.Count];
        var publicKeys = new byte[filtered.Count][];
        Span<byte> first = stackalloc byte[CipherSuite.HashSize];
        random.Fill(first);
        var secret = new PathSecret(first);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(first);
        for (int i = 0; i < filtered.Count; i++)
        {
            secrets[i] = secret;
            pairs[i] = secret.DeriveKeyPair(suite);
            publicKeys[i] = pairs[i].PublicKey;
            secret = secret.Next();
        }

        var commitSecret = secret.ToCommitSecret();
        secret.Dispose();

        var parentHashes = tree.PathParentHashes(filtered, publicKeys);
        var leaf = leafTemplate.ForCommit(leafKey.PublicKey, parentHashes[filtered.Count], signer, groupId, own);
        Merge(tree, own, leaf, filtered, publicKeys, parentHashes);

        keys.SetLeafKey(leafKey);
        var pathSecrets = new Dictionary<uint, PathSecret>();
        for (int i = 0; i < filtered.Count; i++)
        {
            keys.Set(filtered[i].Node, pairs[i]);
            pathSecrets[filtered[i].Node.Value] = secrets[i];
        }

        keys.Prune(tree);

        var context = suite.PrepareEncryptContext("UpdatePathNode"u8, contextForTreeHash(tree.RootHash()));
        var nodes = new UpdatePathNode[filtered.Count];
        for (int i = 0; i < filtered.Count; i++)
        {
            var resolution = tree.Resolution(filtered[i].CopathChild, excludedLeaves);
            var ciphertexts = new HpkeCiphertext[resolution.Count];
            for (int j = 0; j < resolution.Count; j++)
            {
                ciphertexts[j] = suite.EncryptWithLabel(tree.EncryptionKey(resolution[j])!, context, secrets[i].Bytes, random);
            }

            nodes[i] = new UpdatePathNode(publicKeys[i], ciphertexts);
        }

        return new CreatedPath(new UpdatePath(leaf, nodes), commitSecret, pathSecrets);
    }

    /// <summary>
    /// Validates and merges a received UpdatePath from <paramref name="sender"/> (§12.4.2), then decrypts the path
    /// secret addressed to this member and derives the keys above it, checking each against the path's public keys.
    /// Returns the commit secret. The leaf node itself (signature, source, capabilities) is validated by the caller.
    /// </summary>
    public static CommitSecret ProcessPath(
        CipherSuite suite, RatchetTree tree, TreePrivateKeys keys, LeafIndex sender, UpdatePath path,
        IReadOnlySet<uint>? excludedLeaves, Func<byte[], byte[]> contextForTreeHash) =>
        ProcessPath(suite, tree, keys, sender, path, excludedLeaves, contextForTreeHash, out _);

    /// <summary>As above; also returns the path secret this member decrypted (for known-answer tests).</summary>
    public static CommitSecret ProcessPath(
        CipherSuite suite, RatchetTree tree, TreePrivateKeys keys, LeafIndex sender, UpdatePath path,
        IReadOnlySet<uint>? excludedLeaves, Func<byte[], byte[]> contextForTreeHash, out byte[] decryptedPathSecret)
    {
        var filtered = tree.FilteredDirectPath(sender);
        if (path.Nodes.Count != filtered.Count)
        {
            throw new MlsException(MlsError.InvalidUpdatePath, "The UpdatePath length does not match the sender's filtered direct path.");
        }

        var publicKeys = new byte[filtered.Count][];
        for (int i = 0; i < filtered.Count; i++)
        {
            publicKeys[i] = path.Nodes[i].EncryptionKey;
            if (publicKeys[i].Length != CipherSuite.HpkePublicKeySize)
            {
                throw new MlsException(MlsError.InvalidUpdatePath, "An UpdatePath public key has the wrong size.");
            }

            if (tree.ContainsEncryptionKey(publicKeys[i]))
            {
                throw new MlsException(MlsError.DuplicateEncryptionKey, "An UpdatePath public key is already in the tree.");
            }

            for (int j = 0; j < i; j++)
            {
                if (publicKeys[j].AsSpan().SequenceEqual(publicKeys[i]))
                {
                    throw new MlsException(MlsError.DuplicateEncryptionKey, "An UpdatePath repeats a public key.");
                }
            }
        }

        var parentHashes = tree.PathParentHashes(filtered, publicKeys);
        var leafParentHash = path.LeafNode.ParentHash;
        if (leafParentHash is null || !leafParentHash.AsSpan().SequenceEqual(parentHashes[filtered.Count]))
        {
            throw new MlsException(MlsError.InvalidParentHash, "The committer's leaf parent hash does not match its UpdatePath.");
        }

        Merge(tree, sender, path.LeafNode, filtered, publicKeys, parentHashes);
        var context = contextForTreeHash(tree.RootHash());

        // The lowest filtered path node whose copath subtree holds this member.
        int index = -1;
        for (int i = 0; i < filtered.Count; i++)
        {
            if (Tree.IsInSubtree(filtered[i].CopathChild, keys.Own.Node))
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            throw new MlsException(MlsError.InvalidUpdatePath, "The UpdatePath has no entry for this member.");
        }

        var resolution = tree.Resolution(filtered[index].CopathChild, excludedLeaves);
        var encrypted = path.Nodes[index].EncryptedPathSecrets;
        if (encrypted.Count != resolution.Count)
        {
            throw new MlsException(MlsError.InvalidUpdatePath, "The UpdatePath has the wrong number of ciphertexts for a resolution.");
        }

        byte[]? decrypted = null;
        for (int j = 0; j < resolution.Count && decrypted is null; j++)
        {
            if (keys.Get(resolution[j]) is { } key)
            {
                var ct = encrypted[j];
                decrypted = suite.DecryptWithLabel(key.PrivateKey.Span, "UpdatePathNode"u8, context, ct.KemOutput, ct.Ciphertext)
                    ?? throw new MlsException(MlsError.DecryptionFailed, "The path secret for this member does not decrypt.");
            }
        }

        if (decrypted is null)
        {
            throw new MlsException(MlsError.InvalidUpdatePath, "This member holds no key in the resolution its path secret was sent to.");
        }

        if (decrypted.Length != CipherSuite.HashSize)
        {
            throw new MlsException(MlsError.InvalidUpdatePath, "A path secret has the wrong length.");
        }

        var secret = new PathSecret(decrypted);
        decryptedPathSecret = decrypted;
        for (int i = index; i < filtered.Count; i++)
        {
            var pair = secret.DeriveKeyPair(suite);
            if (!pair.PublicKey.AsSpan().SequenceEqual(publicKeys[i]))
            {
                pair.Dispose();
                secret.Dispose();
                throw new MlsException(MlsError.InvalidUpdatePath, "A derived path key does not match the UpdatePath.");
            }

            keys.Set(filtered[i].Node, pair);
            var next = secret.Next();
            secret.Dispose();
            secret = next;
        }

        keys.Prune(tree);
        var commitSecret = secret.ToCommitSecret();
        secret.Dispose();
        return commitSecret;
    }

    /// <summary>
    /// From a path secret for <paramref name="node"/> (a Welcome's, or a test vector's), derives this member's keys
    /// from that node up to the root along its direct path, checking each against the tree.
    /// </summary>
    public static void ImplantPathSecret(CipherSuite suite, RatchetTree tree, TreePrivateKeys keys, NodeIndex node, PathSecret pathSecret)
    {
        var path = Tree.DirectPath(keys.Own.Node, tree.LeafCount);
        int start = path.IndexOf(node);
        if (start < 0)
        {
            throw new MlsException(MlsError.InvalidWelcome, "The path secret's node is not above this member.");
        }

        var secret = pathSecret;
        bool owned = false;
        for (int i = start; i < path.Count; i++)
        {
            var parent = tree.GetParent(path[i]);
            if (parent is null)
            {
                if (i == start)
                {
                    throw new MlsException(MlsError.InvalidWelcome, "The path secret is for a blank node.");
                }

                continue;
            }

            var pair = secret.DeriveKeyPair(suite);
            if (!pair.PublicKey.AsSpan().SequenceEqual(parent.EncryptionKey))
            {
                pair.Dispose();
                if (owned)
                {
                    secret.Dispose();
                }

                throw new MlsException(MlsError.InvalidTree, "A key derived from the path secret does not match the tree.");
            }

            keys.Set(path[i], pair);
            var next = secret.Next();
            if (owned)
            {
                secret.Dispose();
            }

            secret = next;
            owned = true;
        }

        if (owned)
        {
            secret.Dispose();
        }
    }

    private static void Merge(RatchetTree tree, LeafIndex sender, LeafNode leaf, List<(NodeIndex Node, NodeIndex CopathChild)> filtered, byte[][] publicKeys, byte[][] parentHashes)
    {
        tree.BlankDirectPath(sender);
        for (int i = 0; i < filtered.Count; i++)
        {
            tree.SetParent(filtered[i].Node, new ParentNode(publicKeys[i], parentHashes[i], []));
        }

        tree.SetLeaf(sender, leaf);
    }
}
