using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeSync;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests.Groups;

/// <summary>A client for group tests: identity, signer, deterministic randomness and a fake clock.</summary>
internal sealed class TestClient
{
    public static readonly DateTimeOffset Start = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    public TestClient(string name, FakeTimeProvider? time = null, bool privateHandshakes = false, CipherSuite? suite = null)
    {
        Name = name;
        Random = new SeededRandom("client " + name);
        Signer = SignaturePrivateKey.Generate(Random);
        Credential = Credential.Basic(Encoding.UTF8.GetBytes(name));
        Time = time ?? new FakeTimeProvider(Start);
        Suite = suite ?? CipherSuite.X25519Aes128GcmSha256Ed25519;
        Options = new MlsGroupOptions { TimeProvider = Time, HandshakeAsPrivateMessage = privateHandshakes, PskStore = Psks };
    }

    public string Name { get; }

    public SeededRandom Random { get; }

    public SignaturePrivateKey Signer { get; }

    public Credential Credential { get; }

    public FakeTimeProvider Time { get; }

    public CipherSuite Suite { get; }

    public InMemoryPskStore Psks { get; } = new();

    public MlsGroupOptions Options { get; set; }

    public KeyPackageBundle NewKeyPackage() => KeyPackageBundle.Create(Suite, Credential, Signer, Random, Time);

    public MlsGroup CreateGroup(string groupId = "group") => MlsGroup.Create(Suite, Encoding.UTF8.GetBytes(groupId), Credential, Signer, Options, Random);

    public MlsGroup Join(MlsMessage welcome, KeyPackageBundle bundle, RatchetTree? tree = null) =>
        MlsGroup.JoinFromWelcome(Reparse(welcome).Welcome!, bundle, tree, Options, Random);

    /// <summary>Sends a message over the "wire": encode, then decode as a peer would.</summary>
    public static MlsMessageIn Reparse(MlsMessage message) => MlsMessageIn.Decode(message.Encode());
}

internal static class GroupAssert
{
    /// <summary>All groups share the epoch, its authenticator and exporter output.</summary>
    public static void InSync(params MlsGroup[] groups)
    {
        var first = groups[0];
        foreach (var g in groups.Skip(1))
        {
            Assert.Equal(first.Epoch, g.Epoch);
            Assert.Equal(first.EpochAuthenticator, g.EpochAuthenticator);
            Assert.Equal(first.Export("test", [1, 2, 3], 32), g.Export("test", [1, 2, 3], 32));
            Assert.Equal(first.RatchetTree.Encode(), g.RatchetTree.Encode());
        }
    }

    /// <summary>Processes a commit at each receiver and merges it.</summary>
    public static void Apply(MlsMessage commit, params MlsGroup[] receivers)
    {
        foreach (var r in receivers)
        {
            var processed = Assert.IsType<ProcessedMessage.Commit>(r.ProcessMessage(TestClient.Reparse(commit)));
            r.MergeStagedCommit(processed.Staged);
        }
    }

    public static void Delivers(MlsGroup sender, string text, params MlsGroup[] receivers)
    {
        var message = sender.Encrypt(Encoding.UTF8.GetBytes(text), [7]);
        foreach (var r in receivers)
        {
            var app = Assert.IsType<ProcessedMessage.Application>(r.ProcessMessage(TestClient.Reparse(message)));
            Assert.Equal(text, Encoding.UTF8.GetString(app.Data));
            Assert.Equal(sender.OwnLeafIndex, app.Sender);
            Assert.Equal([7], app.AuthenticatedData);
        }
    }
}
