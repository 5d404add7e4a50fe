using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.Tests.KeySchedule;

/// <summary>secret-tree.json: sender data keys, and handshake and application ratchet keys of every leaf.</summary>
public sealed class SecretTreeVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.Supported("secret-tree.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void SecretTreeMatchesVector(int index)
    {
        var v = MlsVectors.Load("secret-tree.json")[index];
        var suite = v.Suite();
        var senderData = v.GetProperty("sender_data");
        using (var sds = new SenderDataSecret(senderData.Bytes("sender_data_secret")))
        {
            var (key, nonce) = MessageProtection.SenderDataKey(suite, sds, senderData.Bytes("ciphertext"));
            Assert.Equal(senderData.Bytes("key"), key);
            Assert.Equal(senderData.Bytes("nonce"), nonce);
        }

        var leaves = v.GetProperty("leaves").EnumerateArray().ToArray();
        using var encryption = new EncryptionSecret(v.Bytes("encryption_secret"));
        using var tree = new SecretTree(suite, encryption, (uint)leaves.Length);
        int checkedKeys = 0;
        for (uint leaf = 0; leaf < leaves.Length; leaf++)
        {
            foreach (var g in leaves[leaf].EnumerateArray())
            {
                uint generation = g.GetProperty("generation").GetUInt32();
                var handshake = tree.PeekReceiveKey(new LeafIndex(leaf), ContentType.Commit, generation);
                Assert.Equal(g.Bytes("handshake_key"), handshake.Key);
                Assert.Equal(g.Bytes("handshake_nonce"), handshake.Nonce);
                var application = tree.PeekReceiveKey(new LeafIndex(leaf), ContentType.Application, generation);
                Assert.Equal(g.Bytes("application_key"), application.Key);
                Assert.Equal(g.Bytes("application_nonce"), application.Nonce);
                checkedKeys++;
            }
        }

        Assert.True(checkedKeys >= leaves.Length);
    }
}
