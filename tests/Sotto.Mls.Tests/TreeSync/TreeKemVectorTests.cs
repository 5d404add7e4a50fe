using Sotto.Crypto;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests.TreeSync;

/// <summary>treekem.json: processing the given UpdatePaths, and creating new ones that every member processes.</summary>
public sealed class TreeKemVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.Supported("treekem.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void UpdatePathsProcessAndCreateAsInVector(int index)
    {
        var v = MlsVectors.Load("treekem.json")[index];
        var suite = v.Suite();
        var groupId = v.Bytes("group_id");
        ulong epoch = v.GetProperty("epoch").GetUInt64();
        var tree = RatchetTree.Decode(v.Bytes("ratchet_tree"));
        var context = new GroupContext(suite.Id, groupId, epoch, tree.RootHash(), v.Bytes("confirmed_transcript_hash"), []);
        byte[] ContextFor(byte[] treeHash) => context.With(null, treeHash, null, null).Encode();

        var privateKeys = new Dictionary<uint, TreePrivateKeys>();
        var signers = new Dictionary<uint, byte[]>();
        foreach (var p in v.GetProperty("leaves_private").EnumerateArray())
        {
            uint leaf = p.GetProperty("index").GetUInt32();
            var encryptionPriv = p.Bytes("encryption_priv");
            var pub = new byte[32];
            X25519.DerivePublicKey(encryptionPriv, pub);
            Assert.Equal(tree.GetLeaf(new LeafIndex(leaf))!.EncryptionKey, pub);
            var keys = new TreePrivateKeys(new LeafIndex(leaf), new HpkeKeyPair(new SecretBytes(encryptionPriv), pub));
            foreach (var ps in p.GetProperty("path_secrets").EnumerateArray())
            {
                var node = new NodeIndex(ps.GetProperty("node").GetUInt32());
                using var secret = new PathSecret(ps.Bytes("path_secret"));
                var pair = secret.DeriveKeyPair(suite);
                Assert.Equal(tree.GetParent(node)!.EncryptionKey, pair.PublicKey);
                keys.Set(node, pair);
            }

            privateKeys[leaf] = keys;
            signers[leaf] = p.Bytes("signature_priv");
        }

        int processed = 0;
        foreach (var u in v.GetProperty("update_paths").EnumerateArray())
        {
            var sender = new LeafIndex(u.GetProperty("sender").GetUInt32());
            var path = UpdatePath.Decode(u.Bytes("update_path"));
            var expectedSecrets = u.GetProperty("path_secrets").EnumerateArray().ToArray();
            foreach (var (leaf, keys) in privateKeys)
            {
                if (leaf == sender.Value)
                {
                    continue;
                }

                var copy = tree.Clone();
                using var commitSecret = TreeKem.ProcessPath(suite, copy, keys.Clone(), sender, path, null, ContextFor, out var pathSecret);
                Assert.Equal(expectedSecrets[leaf].GetString(), Hex.Encode(pathSecret));
                Assert.Equal(u.Bytes("commit_secret"), commitSecret.Export());
                Assert.Equal(u.Bytes("tree_hash_after"), copy.RootHash());
                processed++;
            }

            // A new UpdatePath from the same sender, processed by every other member.
            var senderTree = tree.Clone();
            using var signer = new SignaturePrivateKey(signers[sender.Value]);
            using var created = TreeKem.CreatePath(suite, senderTree, privateKeys[sender.Value].Clone(), tree.GetLeaf(sender)!, signer, groupId, null, ContextFor, new SeededRandom((ulong)index));
            Assert.True(created.Path.LeafNode.VerifySignature(groupId, sender));
            foreach (var (leaf, keys) in privateKeys)
            {
                if (leaf == sender.Value)
                {
                    continue;
                }

                var copy = tree.Clone();
                using var commitSecret = TreeKem.ProcessPath(suite, copy, keys.Clone(), sender, UpdatePath.Decode(created.Path.Encode()), null, ContextFor);
                Assert.Equal(created.CommitSecret.Export(), commitSecret.Export());
                Assert.Equal(senderTree.RootHash(), copy.RootHash());
            }
        }

        Assert.True(processed > 0);
    }
}
