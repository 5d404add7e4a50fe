using System.Security.Cryptography;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.KeySchedule;

/// <summary>
/// The secret tree of one epoch and the per-sender hash ratchets hanging off its leaves (RFC 9420 §9):
/// <code>
/// tree_node_[N]_secret --ExpandWithLabel(., "tree", "left"|"right", Nh)--> children
/// leaf secret --ExpandWithLabel(., "handshake"|"application", "", Nh)--> ratchet_secret_[0]
/// ratchet_secret_[j] --DeriveTreeSecret(., "key"|"nonce", j)--> key_[j], nonce_[j]
///                    --DeriveTreeSecret(., "secret", j, Nh)--> ratchet_secret_[j+1]
/// </code>
/// Secrets are derived lazily and deleted once consumed (§9.2): a node's secret is erased when its children are
/// derived; a ratchet secret when the next one is. Receiving is two-phase — <see cref="PeekReceiveKey"/> computes
/// without changing anything, <see cref="CommitReceive"/> applies it after the message authenticated — so a forged
/// or replayed message never moves a ratchet.
/// </summary>
/// <remarks>Mutable and not thread-safe; owned by one epoch of one group.</remarks>
internal sealed class SecretTree : IDisposable
{
    private readonly CipherSuite _suite;
    private readonly uint _leafCount;
    private readonly byte[]?[] _nodeSecrets;
    private readonly SenderRatchet?[] _handshake;
    private readonly SenderRatchet?[] _application;

    public SecretTree(CipherSuite suite, EncryptionSecret encryptionSecret, uint leafCount)
    {
        _suite = suite;
        _leafCount = leafCount;
        _nodeSecrets = new byte[]?[Tree.NodeWidth(leafCount)];
        _nodeSecrets[Tree.Root(leafCount).Value] = encryptionSecret.Bytes.ToArray();
        _handshake = new SenderRatchet?[leafCount];
        _application = new SenderRatchet?[leafCount];
    }

    public uint LeafCount => _leafCount;

    /// <summary>The next key and nonce for this member's own messages; the ratchet advances at once.</summary>
    public RatchetKey NextSendKey(LeafIndex leaf, ContentType type) => Ratchet(leaf, type).NextSend();

    /// <summary>The key and nonce of <paramref name="generation"/> for a received message, without consuming anything.</summary>
    public RatchetKey PeekReceiveKey(LeafIndex leaf, ContentType type, uint generation)
    {
        if (leaf.Value >= _leafCount)
        {
            throw new MlsException(MlsError.UnknownSender, "The sender's leaf index is outside the tree.");
        }

        return Ratchet(leaf, type).Peek(generation);
    }

    /// <summary>Consumes a key obtained from <see cref="PeekReceiveKey"/> once the message has authenticated.</summary>
    public void CommitReceive(LeafIndex leaf, ContentType type, RatchetKey key) => Ratchet(leaf, type).Commit(key);

    private SenderRatchet Ratchet(LeafIndex leaf, ContentType type)
    {
        var ratchets = type == ContentType.Application ? _application : _handshake;
        var ratchet = ratchets[leaf.Value];
        if (ratchet is null)
        {
            InitializeLeaf(leaf);
            ratchet = ratchets[leaf.Value]!;
        }

        return ratchet;
    }

    private void InitializeLeaf(LeafIndex leaf)
    {
        var target = leaf.Node;
        var path = Tree.DirectPath(target, _leafCount);
        path.Insert(0, target);

        // Find the lowest node on the path whose secret is still held, then derive down to the leaf.
        int i = 0;
        while (i < path.Count && _nodeSecrets[path[i].Value] is null)
        {
            i++;
        }

        if (i == path.Count)
        {
            throw new InvalidOperationException("The secret tree no longer holds a secret above this leaf.");
        }

        for (; i > 0; i--)
        {
            var node = path[i];
            var secret = _nodeSecrets[node.Value]!;
            var left = Tree.Left(node);
            var right = Tree.Right(node);
            _nodeSecrets[left.Value] = CipherSuite.ExpandWithLabel(secret, "tree"u8, "left"u8, CipherSuite.HashSize);
            _nodeSecrets[right.Value] = CipherSuite.ExpandWithLabel(secret, "tree"u8, "right"u8, CipherSuite.HashSize);
            CryptographicOperations.ZeroMemory(secret);
            _nodeSecrets[node.Value] = null;
        }

        var leafSecret = _nodeSecrets[target.Value]!;
        _handshake[leaf.Value] = new SenderRatchet(_suite, CipherSuite.ExpandWithLabel(leafSecret, "handshake"u8, [], CipherSuite.HashSize));
        _application[leaf.Value] = new SenderRatchet(_suite, CipherSuite.ExpandWithLabel(leafSecret, "application"u8, [], CipherSuite.HashSize));
        CryptographicOperations.ZeroMemory(leafSecret);
        _nodeSecrets[target.Value] = null;
    }

    public void Dispose()
    {
        foreach (var secret in _nodeSecrets)
        {
            if (secret is not null)
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        foreach (var r in _handshake)
        {
            r?.Dispose();
        }

        foreach (var r in _application)
        {
            r?.Dispose();
        }
    }
}

/// <summary>One generation's key and nonce, plus what consuming it does to the ratchet.</summary>
internal sealed class RatchetKey(uint generation, byte[] key, byte[] nonce)
{
    public uint Generation { get; } = generation;

    public byte[] Key { get; } = key;

    public byte[] Nonce { get; } = nonce;

    /// <summary>For a generation at or ahead of the ratchet: the ratchet secret after it, and the keys skipped on the way.</summary>
    internal byte[]? NextSecret { get; init; }

    internal List<RatchetKey>? Skipped { get; init; }
}

/// <summary>A sender's hash ratchet (RFC 9420 §9.1) with a bounded store of skipped keys for out-of-order messages.</summary>
internal sealed class SenderRatchet : IDisposable
{
    private readonly CipherSuite _suite;
    private byte[] _secret;
    private uint _generation;
    private readonly Dictionary<uint, RatchetKey> _skipped = [];
    private readonly Queue<uint> _skippedOrder = new();

    public SenderRatchet(CipherSuite suite, byte[] secret)
    {
        _suite = suite;
        _secret = secret;
    }

    public RatchetKey NextSend()
    {
        if (_generation == uint.MaxValue)
        {
            throw new InvalidOperationException("The sender ratchet is exhausted.");
        }

        var key = Derive(_secret, _generation, out var next);
        CryptographicOperations.ZeroMemory(_secret);
        _secret = next;
        _generation++;
        return key;
    }

    public RatchetKey Peek(uint generation)
    {
        if (generation < _generation)
        {
            if (_skipped.TryGetValue(generation, out var skipped))
            {
                return skipped;
            }

            throw _generation - generation <= MlsLimits.MaxSkippedKeysPerSender
                ? new MlsException(MlsError.ReplayedGeneration, "This generation of the sender's ratchet was already used.")
                : new MlsException(MlsError.GenerationExpired, "This generation of the sender's ratchet is no longer kept.");
        }

        if (generation - _generation > MlsLimits.MaxForwardRatchet)
        {
            throw new MlsException(MlsError.GenerationTooFarAhead, "The message's generation is too far ahead of the sender's ratchet.");
        }

        var secret = _secret;
        List<RatchetKey>? skippedKeys = null;
        for (uint g = _generation; g < generation; g++)
        {
            (skippedKeys ??= []).Add(Derive(secret, g, out var next));
            if (!ReferenceEquals(secret, _secret))
            {
                CryptographicOperations.ZeroMemory(secret);
            }

            secret = next;
        }

        var key = Derive(secret, generation, out var after);
        if (!ReferenceEquals(secret, _secret))
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        return new RatchetKey(key.Generation, key.Key, key.Nonce) { NextSecret = after, Skipped = skippedKeys };
    }

    public void Commit(RatchetKey key)
    {
        if (key.NextSecret is null)
        {
            _skipped.Remove(key.Generation);
            return;
        }

        if (key.Skipped is not null)
        {
            foreach (var s in key.Skipped)
            {
                _skipped[s.Generation] = s;
                _skippedOrder.Enqueue(s.Generation);
            }
        }

        while (_skipped.Count > MlsLimits.MaxSkippedKeysPerSender && _skippedOrder.TryDequeue(out var oldest))
        {
            _skipped.Remove(oldest);
        }

        CryptographicOperations.ZeroMemory(_secret);
        _secret = key.NextSecret;
        _generation = key.Generation + 1;
    }

    private RatchetKey Derive(byte[] secret, uint generation, out byte[] next)
    {
        var key = new byte[_suite.AeadKeySize];
        var nonce = new byte[CipherSuite.NonceSize];
        next = new byte[CipherSuite.HashSize];
        CipherSuite.DeriveTreeSecret(secret, "key"u8, generation, key);
        CipherSuite.DeriveTreeSecret(secret, "nonce"u8, generation, nonce);
        CipherSuite.DeriveTreeSecret(secret, "secret"u8, generation, next);
        return new RatchetKey(generation, key, nonce);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        _skipped.Clear();
    }
}
