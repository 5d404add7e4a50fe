using Microsoft.Extensions.Time.Testing;
using Sotto.Crypto;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeSync;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests.Groups;

/// <summary>
/// passive-client-welcome.json, passive-client-handling-commit.json and passive-client-random.json: join from a
/// Welcome, then follow every epoch through MlsGroup.ProcessMessage and MergeStagedCommit, comparing the epoch
/// authenticator after each step.
/// </summary>
public sealed class PassiveClientVectorTests
{
    public static TheoryData<int> WelcomeEntries => MlsVectors.Supported("passive-client-welcome.json");

    public static TheoryData<int> CommitEntries => MlsVectors.Supported("passive-client-handling-commit.json");

    public static TheoryData<int> RandomEntries => MlsVectors.Supported("passive-client-random.json");

    [Theory]
    [MemberData(nameof(WelcomeEntries))]
    public void PassiveClientJoinsFromWelcome(int index) => Run("passive-client-welcome.json", index);

    [Theory]
    [MemberData(nameof(CommitEntries))]
    public void PassiveClientHandlesCommits(int index) => Run("passive-client-handling-commit.json", index);

    [Theory]
    [MemberData(nameof(RandomEntries))]
    public void PassiveClientFollowsRandomGroup(int index) => Run("passive-client-random.json", index);

    private static void Run(string file, int index)
    {
        var v = MlsVectors.Load(file)[index];
        var suite = v.Suite();
        var keyPackageIn = MlsMessageIn.Decode(v.Bytes("key_package")).KeyPackage!;
        var keyPackage = keyPackageIn.Validate(suite, DateTimeOffset.UnixEpoch, BasicCredentialValidator.Instance, checkLifetime: false, maxLifetime: null);
        var signer = new SignaturePrivateKey(v.Bytes("signature_priv"));
        Assert.Equal(keyPackage.LeafNode.SignatureKey, signer.PublicKey);
        var bundle = KeyPackageBundle.FromParts(keyPackage, KeyPair(v.Bytes("init_priv")), KeyPair(v.Bytes("encryption_priv")), signer);

        var psks = new InMemoryPskStore();
        foreach (var psk in v.GetProperty("external_psks").EnumerateArray())
        {
            psks.Add(psk.Bytes("psk_id"), psk.Bytes("psk"));
        }

        var options = new MlsGroupOptions
        {
            PskStore = psks,
            PastEpochs = MlsLimits.MaxPastEpochs,
            TimeProvider = new FakeTimeProvider(DateTimeOffset.UnixEpoch),
            CheckReceivedLifetimes = false,
        };
        var tree = v.OptionalBytes("ratchet_tree") is { } treeBytes ? RatchetTree.Decode(treeBytes) : null;
        using var group = MlsGroup.JoinFromWelcome(MlsMessageIn.Decode(v.Bytes("welcome")).Welcome!, bundle, tree, options, new SeededRandom((ulong)index));
        Assert.Equal(v.Bytes("initial_epoch_authenticator"), group.EpochAuthenticator);

        int epochs = 0;
        foreach (var epoch in v.GetProperty("epochs").EnumerateArray())
        {
            foreach (var proposal in epoch.GetProperty("proposals").EnumerateArray())
            {
                Assert.IsType<ProcessedMessage.ProposalReceived>(group.ProcessMessage(Convert.FromHexString(proposal.GetString()!)));
            }

            var commit = Assert.IsType<ProcessedMessage.Commit>(group.ProcessMessage(epoch.Bytes("commit")));
            group.MergeStagedCommit(commit.Staged);
            Assert.Equal(epoch.Bytes("epoch_authenticator"), group.EpochAuthenticator);
            epochs++;
        }

        Assert.Equal(v.GetProperty("epochs").GetArrayLength(), epochs);
    }

    private static HpkeKeyPair KeyPair(byte[] priv)
    {
        var pub = new byte[32];
        X25519.DerivePublicKey(priv, pub);
        return new HpkeKeyPair(new SecretBytes(priv), pub);
    }
}
