using System.Text;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.Groups;

/// <summary>
/// Bad peer input: each case fails with one typed <see cref="MlsException"/> code and leaves the receiving group
/// exactly as it was — the same epoch and authenticator, and still able to process the genuine message.
/// </summary>
public sealed class BadInputTests
{
    private sealed record Fixture(MlsGroup Alice, MlsGroup Bob, MlsGroup Carol, TestClient[] Clients);

    private static Fixture ThreeMembers(bool privateHandshakes = false)
    {
        var a = new TestClient("alice", privateHandshakes: privateHandshakes);
        var b = new TestClient("bob", a.Time, privateHandshakes);
        var c = new TestClient("carol", a.Time, privateHandshakes);
        var alice = a.CreateGroup();
        var bobKp = b.NewKeyPackage();
        var carolKp = c.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(bobKp.KeyPackage), new AddProposal(carolKp.KeyPackage)] });
        alice.MergePendingCommit();
        return new Fixture(alice, b.Join(result.Welcome!, bobKp), c.Join(result.Welcome!, carolKp), [a, b, c]);
    }

    private static void AssertRejected(MlsError expected, MlsGroup receiver, byte[] bad, MlsMessage genuine)
    {
        var epoch = receiver.Epoch;
        var auth = receiver.EpochAuthenticator;
        var error = Assert.Throws<MlsException>(() => receiver.ProcessMessage(bad));
        Assert.Equal(expected, error.Code);
        Assert.Equal(epoch, receiver.Epoch);
        Assert.Equal(auth, receiver.EpochAuthenticator);
        var processed = receiver.ProcessMessage(TestClient.Reparse(genuine));
        if (processed is ProcessedMessage.Commit commit)
        {
            receiver.MergeStagedCommit(commit.Staged);
        }
    }

    /// <summary>Re-frames a sender's PublicMessage commit with a changed auth, and a valid membership tag.</summary>
    private static byte[] Reframe(MlsGroup sender, MlsMessage commit, Func<FramedContentAuthData, FramedContentAuthData> change)
    {
        var content = commit.PublicMessage!.Content;
        var forged = new AuthenticatedContent(content.WireFormat, content.Content, change(content.Auth));
        return MlsMessage.From(PublicMessage.Create(forged, sender.Context, sender.CurrentSecrets.MembershipKey.Export())).Encode();
    }

    [Fact]
    public void CommitWithBadSignatureThrowsInvalidSignature()
    {
        var f = ThreeMembers();
        var commit = f.Alice.Commit().Commit;
        var bad = Reframe(f.Alice, commit, auth =>
        {
            var signature = (byte[])auth.Signature.Clone();
            signature[10] ^= 1;
            return new FramedContentAuthData(signature, auth.ConfirmationTag);
        });
        AssertRejected(MlsError.InvalidSignature, f.Bob, bad, commit);
    }

    [Fact]
    public void CommitWithBadMembershipTagThrowsInvalidMembershipTag()
    {
        var f = ThreeMembers();
        var commit = f.Alice.Commit().Commit;
        var bad = commit.Encode();
        bad[^1] ^= 1;
        AssertRejected(MlsError.InvalidMembershipTag, f.Bob, bad, commit);
    }

    [Fact]
    public void CommitWithBadConfirmationTagThrowsInvalidConfirmationTag()
    {
        var f = ThreeMembers();
        var commit = f.Alice.Commit().Commit;
        var bad = Reframe(f.Alice, commit, auth =>
        {
            var tag = (byte[])auth.ConfirmationTag!.Clone();
            tag[0] ^= 1;
            return new FramedContentAuthData(auth.Signature, tag);
        });
        AssertRejected(MlsError.InvalidConfirmationTag, f.Bob, bad, commit);
    }

    [Fact]
    public void PrivateCommitWithTamperedCiphertextThrowsDecryptionFailedAndKeepsTheRatchet()
    {
        var f = ThreeMembers(privateHandshakes: true);
        var commit = f.Alice.Commit().Commit;
        var bad = commit.Encode();
        bad[^3] ^= 1;
        AssertRejected(MlsError.DecryptionFailed, f.Bob, bad, commit);
    }

    [Fact]
    public void ProposalFromAPreviousEpochThrowsWrongEpoch()
    {
        var f = ThreeMembers();
        var proposal = f.Bob.ProposeRemove(f.Carol.OwnLeafIndex);
        var commit = f.Alice.Commit().Commit;
        f.Alice.MergePendingCommit();
        GroupAssert.Apply(commit, f.Carol);
        var error = Assert.Throws<MlsException>(() => f.Carol.ProcessMessage(TestClient.Reparse(proposal)));
        Assert.Equal(MlsError.WrongEpoch, error.Code);
    }

    [Fact]
    public void MessageForAnotherGroupThrowsWrongGroup()
    {
        var f = ThreeMembers();
        var other = f.Clients[0].CreateGroup("other group");
        var message = other.Encrypt([1]);
        var error = Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(TestClient.Reparse(message)));
        Assert.Equal(MlsError.WrongGroup, error.Code);
    }

    [Fact]
    public void ReplayedApplicationMessageThrowsReplayedGeneration()
    {
        var f = ThreeMembers();
        var message = f.Alice.Encrypt(Encoding.UTF8.GetBytes("once"));
        Assert.IsType<ProcessedMessage.Application>(f.Bob.ProcessMessage(TestClient.Reparse(message)));
        var error = Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(TestClient.Reparse(message)));
        Assert.Equal(MlsError.ReplayedGeneration, error.Code);
        GroupAssert.Delivers(f.Alice, "next", f.Bob);
    }

    [Fact]
    public void OutOfOrderMessagesDecryptOnceEach()
    {
        var f = ThreeMembers();
        var first = f.Alice.Encrypt([1]);
        var second = f.Alice.Encrypt([2]);
        Assert.Equal([2], Assert.IsType<ProcessedMessage.Application>(f.Bob.ProcessMessage(TestClient.Reparse(second))).Data);
        Assert.Equal([1], Assert.IsType<ProcessedMessage.Application>(f.Bob.ProcessMessage(TestClient.Reparse(first))).Data);
        Assert.Equal(MlsError.ReplayedGeneration, Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(TestClient.Reparse(first))).Code);
    }

    [Fact]
    public void GenerationTooFarAheadThrows()
    {
        var f = ThreeMembers();
        MlsMessage last = null!;
        for (int i = 0; i <= MlsLimits.MaxForwardRatchet + 1; i++)
        {
            last = f.Alice.Encrypt([1]);
        }

        var error = Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(TestClient.Reparse(last)));
        Assert.Equal(MlsError.GenerationTooFarAhead, error.Code);
    }

    [Fact]
    public void TamperedApplicationMessageThrowsDecryptionFailedAndTheOriginalStillDecrypts()
    {
        var f = ThreeMembers();
        var message = f.Alice.Encrypt(Encoding.UTF8.GetBytes("intact"));
        var bad = message.Encode();
        bad[^1] ^= 0x80;
        AssertRejected(MlsError.DecryptionFailed, f.Bob, bad, message);
    }

    [Fact]
    public void NonZeroPaddingThrowsInvalidPadding()
    {
        var f = ThreeMembers();
        var genuine = f.Alice.Encrypt([5]);

        // Re-encrypt Alice's content under her next key with one non-zero padding byte (the attacker is a member).
        var content = FramedContent.ForApplication(f.Alice.GroupId, f.Alice.Epoch, Sender.Member(0), [], [5]);
        var signed = AuthenticatedContent.Sign(WireFormat.PrivateMessage, content, f.Alice.Context, f.Clients[0].Signer);
        var forged = MessageProtectionForgery.EncryptWithPadding(f.Alice, signed, [0, 0, 1]);
        var error = Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(forged));
        Assert.Equal(MlsError.InvalidPadding, error.Code);
        Assert.Equal([5], Assert.IsType<ProcessedMessage.Application>(f.Bob.ProcessMessage(TestClient.Reparse(genuine))).Data);
    }

    [Fact]
    public void CommitReferencingAnUnknownProposalThrowsUnknownProposalReference()
    {
        var f = ThreeMembers();
        var proposal = f.Bob.ProposeUpdate();
        f.Alice.ProcessMessage(TestClient.Reparse(proposal));
        var commit = f.Alice.Commit().Commit;
        var error = Assert.Throws<MlsException>(() => f.Carol.ProcessMessage(TestClient.Reparse(commit)));
        Assert.Equal(MlsError.UnknownProposalReference, error.Code);
        f.Carol.ProcessMessage(TestClient.Reparse(proposal));
        GroupAssert.Apply(commit, f.Carol);
    }

    [Fact]
    public void AddingTheSameKeyPackageTwiceThrowsInvalidProposal()
    {
        var f = ThreeMembers();
        var kp = new TestClient("dave", f.Clients[0].Time).NewKeyPackage();
        var error = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage), new AddProposal(kp.KeyPackage)] }));
        Assert.Equal(MlsError.InvalidProposal, error.Code);
        Assert.IsType<GroupState.Operational>(f.Alice.State);
    }

    [Fact]
    public void AddingAnExistingMembersSignatureKeyThrowsDuplicateSignatureKey()
    {
        var f = ThreeMembers();
        var bobAgain = f.Clients[1].NewKeyPackage();
        var error = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(bobAgain.KeyPackage)] }));
        Assert.Equal(MlsError.DuplicateSignatureKey, error.Code);
        Assert.IsType<GroupState.Operational>(f.Alice.State);
    }

    [Fact]
    public void AddingAnExistingMembersEncryptionKeyThrowsDuplicateEncryptionKey()
    {
        var f = ThreeMembers();
        var d = new TestClient("dave", f.Clients[0].Time);
        var bobLeaf = f.Alice.RatchetTree.GetLeaf(f.Bob.OwnLeafIndex)!;
        var leaf = LeafNode.Create(bobLeaf.EncryptionKey, d.Signer, d.Credential, Capabilities.Default(d.Suite), LeafNodeSource.KeyPackage,
            new Lifetime((ulong)TestClient.Start.ToUnixTimeSeconds() - 10, (ulong)TestClient.Start.ToUnixTimeSeconds() + 1000), null, [], [], default);
        var initKey = d.Suite.GenerateKeyPair(d.Random);
        var kp = KeyPackage.Create(d.Suite, initKey.PublicKey, leaf, [], d.Signer);
        var error = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp)] }));
        Assert.Equal(MlsError.DuplicateEncryptionKey, error.Code);
    }

    [Fact]
    public void ExpiredKeyPackageThrowsLifetimeExpired()
    {
        var f = ThreeMembers();
        var kp = new TestClient("dave", f.Clients[0].Time).NewKeyPackage();
        f.Clients[0].Time.Advance(TimeSpan.FromDays(91));
        var error = Assert.Throws<MlsException>(() => KeyPackageIn.Decode(kp.KeyPackage.Encode()).Validate(f.Alice.CipherSuite, f.Clients[0].Time.GetUtcNow(), BasicCredentialValidator.Instance));
        Assert.Equal(MlsError.LifetimeExpired, error.Code);
        var commitError = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] }));
        Assert.Equal(MlsError.LifetimeExpired, commitError.Code);
        Assert.IsType<GroupState.Operational>(f.Alice.State);
    }

    [Fact]
    public void KeyPackageNotYetValidThrowsLifetimeExpired()
    {
        var d = new TestClient("dave");
        var kp = d.NewKeyPackage();
        var error = Assert.Throws<MlsException>(() => KeyPackageIn.Decode(kp.KeyPackage.Encode()).Validate(d.Suite, TestClient.Start.AddHours(-2), BasicCredentialValidator.Instance));
        Assert.Equal(MlsError.LifetimeExpired, error.Code);
    }

    [Fact]
    public void KeyPackageWithoutTheGroupsCipherSuiteThrowsUnsupportedCapability()
    {
        var f = ThreeMembers();
        var d = new TestClient("dave", f.Clients[0].Time);
        using var kp = KeyPackageBundle.Create(d.Suite, d.Credential, d.Signer, d.Random, d.Time, capabilities: new Capabilities([1], [3], [], [], [1]));
        var error = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] }));
        Assert.Equal(MlsError.UnsupportedCapability, error.Code);
    }

    [Fact]
    public void RequiredCapabilityNoMemberSupportsThrowsUnsupportedCapability()
    {
        var f = ThreeMembers();
        var required = new RequiredCapabilities([0xff00], [], []).Encode();
        var gce = new GroupContextExtensionsProposal([new Extension((ushort)ExtensionType.RequiredCapabilities, required)]);
        var error = Assert.Throws<MlsException>(() => f.Alice.Commit(new CommitOptions { Proposals = [gce] }));
        Assert.Equal(MlsError.UnsupportedCapability, error.Code);
    }

    [Fact]
    public void CredentialRefusedByValidatorThrowsInvalidCredential()
    {
        var f = ThreeMembers();
        var kp = new TestClient("mallory", f.Clients[0].Time).NewKeyPackage();
        var error = Assert.Throws<MlsException>(() => KeyPackageIn.Decode(kp.KeyPackage.Encode()).Validate(f.Alice.CipherSuite, TestClient.Start, new RefuseAll()));
        Assert.Equal(MlsError.InvalidCredential, error.Code);
    }

    [Fact]
    public void WelcomeForSomeoneElseThrowsWelcomeNotForUs()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        using var alice = a.CreateGroup();
        var invited = b.NewKeyPackage();
        var other = b.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(invited.KeyPackage)] });
        var error = Assert.Throws<MlsException>(() => b.Join(result.Welcome!, other));
        Assert.Equal(MlsError.WelcomeNotForUs, error.Code);
    }

    [Fact]
    public void WelcomeWithTamperedTreeThrowsInvalidTreeHash()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        var c = new TestClient("carol", a.Time);
        using var alice = a.CreateGroup();
        var kp = b.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)], RatchetTreeInWelcome = false });
        var tampered = result.RatchetTree.Clone();
        tampered.SetLeaf(new LeafIndex(1), c.NewKeyPackage().KeyPackage.LeafNode);
        var error = Assert.Throws<MlsException>(() => b.Join(result.Welcome!, kp, tampered));
        Assert.Equal(MlsError.InvalidTreeHash, error.Code);
    }

    [Fact]
    public void WelcomeWithTreeOfAnotherGroupThrowsInvalidSignature()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        var c = new TestClient("carol", a.Time);
        using var alice = a.CreateGroup();
        var kp = b.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)], RatchetTreeInWelcome = false });
        var error = Assert.Throws<MlsException>(() => b.Join(result.Welcome!, kp, c.CreateGroup().RatchetTree));
        Assert.Equal(MlsError.InvalidSignature, error.Code);
    }

    [Fact]
    public void ApplicationDataAsPublicMessageThrowsUnexpectedWireFormat()
    {
        var f = ThreeMembers();
        var content = FramedContent.ForApplication(f.Alice.GroupId, f.Alice.Epoch, Sender.Member(0), [], [1]);
        var signed = AuthenticatedContent.Sign(WireFormat.PublicMessage, content, f.Alice.Context, f.Clients[0].Signer);
        var w = new Sotto.Mls.Codec.TlsWriter();
        w.WriteUInt16(1);
        w.WriteUInt16((ushort)WireFormat.PublicMessage);
        signed.Content.Write(w);
        signed.Auth.Write(w, ContentType.Application);
        w.WriteOpaque(new byte[32]);
        var error = Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(w.ToArray()));
        Assert.Equal(MlsError.UnexpectedWireFormat, error.Code);
    }

    [Fact]
    public void WelcomeMessageGivenToAGroupThrowsUnexpectedWireFormat()
    {
        var f = ThreeMembers();
        var kp = new TestClient("dave", f.Clients[0].Time).NewKeyPackage();
        var welcome = f.Alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] }).Welcome!;
        Assert.Equal(MlsError.UnexpectedWireFormat, Assert.Throws<MlsException>(() => f.Bob.ProcessMessage(TestClient.Reparse(welcome))).Code);
    }

    private sealed class RefuseAll : ICredentialValidator
    {
        public bool IsValid(Credential credential, ReadOnlySpan<byte> signatureKey) => false;
    }
}

/// <summary>Builds a PrivateMessage with chosen padding, as a malicious member could (for the padding check).</summary>
internal static class MessageProtectionForgery
{
    public static byte[] EncryptWithPadding(MlsGroup sender, AuthenticatedContent signed, byte[] padding)
    {
        var suite = sender.CipherSuite;
        var secrets = sender.CurrentSecrets;
        using var tree = new SecretTree(suite, secrets.EncryptionSecret, sender.RatchetTree.LeafCount);
        // Generation 0 went out with the genuine message; forge generation 1.
        tree.NextSendKey(sender.OwnLeafIndex, ContentType.Application);
        var key = tree.NextSendKey(sender.OwnLeafIndex, ContentType.Application);

        var w = new Sotto.Mls.Codec.TlsWriter();
        signed.Content.WriteBody(w);
        signed.Auth.Write(w, ContentType.Application);
        w.WriteBytes(padding);
        var aad = new Sotto.Mls.Codec.TlsWriter();
        aad.WriteOpaque(sender.GroupId);
        aad.WriteUInt64(sender.Epoch);
        aad.WriteUInt8((byte)ContentType.Application);
        aad.WriteOpaque([]);
        var ciphertext = suite.AeadSeal(key.Key, key.Nonce, aad.Written, w.Written);
        byte[] senderData = [0, 0, 0, (byte)sender.OwnLeafIndex.Value, 0, 0, 0, (byte)key.Generation, 0, 0, 0, 0];
        var (sdKey, sdNonce) = MessageProtection.SenderDataKey(suite, secrets.SenderDataSecret, ciphertext);
        var sdAad = new Sotto.Mls.Codec.TlsWriter();
        sdAad.WriteOpaque(sender.GroupId);
        sdAad.WriteUInt64(sender.Epoch);
        sdAad.WriteUInt8((byte)ContentType.Application);
        var encryptedSenderData = suite.AeadSeal(sdKey, sdNonce, sdAad.Written, senderData);
        return MlsMessage.From(new PrivateMessage(sender.GroupId, sender.Epoch, ContentType.Application, [], encryptedSenderData, ciphertext)).Encode();
    }
}
