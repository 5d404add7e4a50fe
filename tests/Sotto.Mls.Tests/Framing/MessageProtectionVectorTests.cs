using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests.Framing;

/// <summary>message-protection.json: PublicMessage and PrivateMessage, both directions, for a proposal, a commit and application data.</summary>
public sealed class MessageProtectionVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.Supported("message-protection.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void ProtectAndUnprotectMatchVector(int index)
    {
        var v = MlsVectors.Load("message-protection.json")[index];
        var suite = v.Suite();
        var groupId = v.Bytes("group_id");
        ulong epoch = v.GetProperty("epoch").GetUInt64();
        var context = new GroupContext(suite.Id, groupId, epoch, v.Bytes("tree_hash"), v.Bytes("confirmed_transcript_hash"), []);
        var membershipKey = v.Bytes("membership_key");
        var signaturePub = v.Bytes("signature_pub");
        using var signer = new SignaturePrivateKey(v.Bytes("signature_priv"));
        using var senderDataSecret = new SenderDataSecret(v.Bytes("sender_data_secret"));
        var random = new SeededRandom((ulong)index);
        var sender = Sender.Member(1);

        var proposal = Proposal.Decode(v.Bytes("proposal"));
        var commit = Commit.Decode(v.Bytes("commit"));
        var application = v.Bytes("application");
        var contents = new (string Name, FramedContent Content, Func<FramedContent, byte[]> Body)[]
        {
            ("proposal", FramedContent.ForProposal(groupId, epoch, sender, [], proposal), c => c.Proposal!.Encode()),
            ("commit", FramedContent.ForCommit(groupId, epoch, sender, [], commit), c => c.Commit!.Encode()),
            ("application", FramedContent.ForApplication(groupId, epoch, sender, [], application), c => c.ApplicationData!),
        };

        foreach (var (name, content, body) in contents)
        {
            var expectedBody = name == "application" ? application : v.Bytes(name);

            // PublicMessage: the vector's verifies; one we protect verifies too (application data cannot be public).
            if (name != "application")
            {
                var pub = MlsMessageIn.Decode(v.Bytes(name + "_pub")).PublicMessage!;
                Assert.True(pub.VerifyMembershipTag(membershipKey, context));
                Assert.True(AuthenticatedContent.VerifySignature(WireFormat.PublicMessage, pub.Content, pub.Auth, context, signaturePub));
                Assert.Equal(expectedBody, body(pub.Content));

                var tag = name == "commit" ? new byte[32] : null;
                var signed = AuthenticatedContent.Sign(WireFormat.PublicMessage, content, context, signer, tag);
                var ours = MlsMessageIn.Decode(MlsMessage.From(PublicMessage.Create(signed, context, membershipKey)).Encode()).PublicMessage!;
                Assert.True(ours.VerifyMembershipTag(membershipKey, context));
                Assert.True(AuthenticatedContent.VerifySignature(WireFormat.PublicMessage, ours.Content, ours.Auth, context, signaturePub));
                Assert.Equal(expectedBody, body(ours.Content));
            }
            else
            {
                var signed = AuthenticatedContent.Sign(WireFormat.PublicMessage, content, context, signer);
                Assert.Throws<ArgumentException>(() => PublicMessage.Create(signed, context, membershipKey));
            }

            // PrivateMessage: the vector's decrypts and verifies; one we protect does too.
            using (var encryption = new EncryptionSecret(v.Bytes("encryption_secret")))
            using (var receiver = new SecretTree(suite, encryption, 2))
            {
                var priv = MlsMessageIn.Decode(v.Bytes(name + "_priv")).PrivateMessage!;
                var decrypted = MessageProtection.Decrypt(suite, priv, receiver, senderDataSecret, leaf => leaf < 2, out _);
                Assert.Equal(1u, decrypted.Content.Sender.Index);
                Assert.True(AuthenticatedContent.VerifySignature(WireFormat.PrivateMessage, decrypted.Content, decrypted.Auth, context, signaturePub));
                Assert.Equal(expectedBody, body(decrypted.Content));
            }

            using (var encryption = new EncryptionSecret(v.Bytes("encryption_secret")))
            using (var senderTree = new SecretTree(suite, encryption, 2))
            using (var receiver = new SecretTree(suite, encryption, 2))
            {
                var tag = name == "commit" ? new byte[32] : null;
                var signed = AuthenticatedContent.Sign(WireFormat.PrivateMessage, content, context, signer, tag);
                var encrypted = MessageProtection.Encrypt(suite, signed, senderTree, senderDataSecret, 16, random);
                var priv = MlsMessageIn.Decode(MlsMessage.From(encrypted).Encode()).PrivateMessage!;
                var decrypted = MessageProtection.Decrypt(suite, priv, receiver, senderDataSecret, leaf => leaf < 2, out _);
                Assert.True(AuthenticatedContent.VerifySignature(WireFormat.PrivateMessage, decrypted.Content, decrypted.Auth, context, signaturePub));
                Assert.Equal(expectedBody, body(decrypted.Content));
            }
        }
    }
}
