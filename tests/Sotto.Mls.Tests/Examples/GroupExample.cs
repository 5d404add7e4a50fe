using System.Text;
using Sotto.Crypto;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;

namespace Sotto.Mls.Tests.Examples;

/// <summary>The example of docs/mls.md, compiled and run (NSec tests/Examples/Teaser.cs).</summary>
public sealed class GroupExample
{
    [Fact]
    public void DocumentedExampleRuns()
    {
        // --- docs/mls.md: begin
        var suite = CipherSuite.X25519Aes128GcmSha256Ed25519;
        var random = SystemRandom.Instance;
        var options = new MlsGroupOptions();               // TimeProvider.System, basic credentials, PublicMessage handshakes

        // Bob publishes a KeyPackage (and keeps the bundle with its private keys).
        using var bobSigner = SignaturePrivateKey.Generate(random);
        using var bobKeyPackage = KeyPackageBundle.Create(suite, Credential.Basic("bob"u8), bobSigner, random, TimeProvider.System);
        byte[] published = MlsMessage.From(bobKeyPackage.KeyPackage).Encode();

        // Alice creates a group and adds Bob: the commit is staged until the Delivery Service accepts it.
        using var aliceSigner = SignaturePrivateKey.Generate(random);
        using var alice = MlsGroup.Create(suite, "team"u8, Credential.Basic("alice"u8), aliceSigner, options, random);
        var keyPackage = MlsMessageIn.Decode(published).KeyPackage!;
        CommitResult added = alice.Commit(new CommitOptions { Proposals = [new AddProposal(keyPackage)] });
        alice.MergePendingCommit();                         // the Delivery Service accepted the commit

        // Bob joins from the Welcome (the ratchet tree travels inside it by default).
        using var bob = MlsGroup.JoinFromWelcome(MlsMessageIn.Decode(added.Welcome!.Encode()).Welcome!, bobKeyPackage, null, options, random);

        // Application messages are PrivateMessages.
        byte[] wire = alice.Encrypt(Encoding.UTF8.GetBytes("hi bob")).Encode();
        if (bob.ProcessMessage(wire) is ProcessedMessage.Application message)
        {
            Console.WriteLine(Encoding.UTF8.GetString(message.Data));   // hi bob
        }

        // Bob updates his keys; Alice processes the commit and merges it.
        byte[] update = bob.Commit().Commit.Encode();
        bob.MergePendingCommit();
        if (alice.ProcessMessage(update) is ProcessedMessage.Commit commit)
        {
            alice.MergeStagedCommit(commit.Staged);
        }

        // Both hold the same epoch: equal authenticators and exporter output (for example an SFrame base key).
        byte[] callKey = alice.Export("sotto call", [], 32);
        // --- docs/mls.md: end

        Assert.Equal(alice.EpochAuthenticator, bob.EpochAuthenticator);
        Assert.Equal(callKey, bob.Export("sotto call", [], 32));
        Assert.Equal(2ul, alice.Epoch);
    }
}
