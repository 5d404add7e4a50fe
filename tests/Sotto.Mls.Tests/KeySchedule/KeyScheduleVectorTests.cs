using System.Text;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;

namespace Sotto.Mls.Tests.KeySchedule;

/// <summary>key-schedule.json, psk_secret.json and transcript-hashes.json.</summary>
public sealed class KeyScheduleVectorTests
{
    public static TheoryData<int> KeyScheduleEntries => MlsVectors.Supported("key-schedule.json");

    public static TheoryData<int> PskEntries => MlsVectors.Supported("psk_secret.json");

    public static TheoryData<int> TranscriptEntries => MlsVectors.Supported("transcript-hashes.json");

    [Theory]
    [MemberData(nameof(KeyScheduleEntries))]
    public void EpochSecretsMatchVector(int index)
    {
        var v = MlsVectors.Load("key-schedule.json")[index];
        var suite = v.Suite();
        var groupId = v.Bytes("group_id");
        var init = new InitSecret(v.Bytes("initial_init_secret"));
        ulong epochNumber = 0;
        foreach (var epoch in v.GetProperty("epochs").EnumerateArray())
        {
            var context = new GroupContext(suite.Id, groupId, epochNumber, epoch.Bytes("tree_hash"), epoch.Bytes("confirmed_transcript_hash"), []);
            Assert.Equal(epoch.Bytes("group_context"), context.Encode());
            using var commit = new CommitSecret(epoch.Bytes("commit_secret"));
            using var psk = new PskSecret(epoch.Bytes("psk_secret"));
            using var joiner = KeyScheduler.DeriveJoinerSecret(init, commit, context.Encode());
            Assert.Equal(epoch.Bytes("joiner_secret"), joiner.Export());
            using var secrets = KeyScheduler.DeriveEpochSecrets(joiner, psk, context.Encode());
            Assert.Equal(epoch.Bytes("welcome_secret"), secrets.WelcomeSecret.Export());
            Assert.Equal(epoch.Bytes("init_secret"), secrets.InitSecret.Export());
            Assert.Equal(epoch.Bytes("sender_data_secret"), secrets.SenderDataSecret.Export());
            Assert.Equal(epoch.Bytes("encryption_secret"), secrets.EncryptionSecret.Export());
            Assert.Equal(epoch.Bytes("exporter_secret"), secrets.ExporterSecret.Export());
            Assert.Equal(epoch.Bytes("epoch_authenticator"), secrets.EpochAuthenticator);
            Assert.Equal(epoch.Bytes("external_secret"), secrets.ExternalSecret.Export());
            Assert.Equal(epoch.Bytes("confirmation_key"), secrets.ConfirmationKey.Export());
            Assert.Equal(epoch.Bytes("membership_key"), secrets.MembershipKey.Export());
            Assert.Equal(epoch.Bytes("resumption_psk"), secrets.ResumptionPsk.Export());
            using (var external = secrets.ExternalKeyPair(suite))
            {
                Assert.Equal(epoch.Bytes("external_pub"), external.PublicKey);
            }

            var exporter = epoch.GetProperty("exporter");
            Assert.Equal(
                exporter.Bytes("secret"),
                secrets.ExporterSecret.Export(Encoding.UTF8.GetBytes(exporter.Str("label")), exporter.Bytes("context"), exporter.GetProperty("length").GetInt32()));

            init.Dispose();
            init = new InitSecret(secrets.InitSecret.Export());
            epochNumber++;
        }

        Assert.True(epochNumber > 0);
        init.Dispose();
    }

    [Theory]
    [MemberData(nameof(PskEntries))]
    public void PskSecretMatchesVector(int index)
    {
        var v = MlsVectors.Load("psk_secret.json")[index];
        var psks = v.GetProperty("psks").EnumerateArray()
            .Select(p => (PreSharedKeyId.External(p.Bytes("psk_id"), p.Bytes("psk_nonce")), p.Bytes("psk")))
            .ToList();
        using var secret = KeyScheduler.DerivePskSecret(psks);
        Assert.Equal(v.Bytes("psk_secret"), secret.Export());
    }

    [Theory]
    [MemberData(nameof(TranscriptEntries))]
    public void TranscriptHashesMatchVector(int index)
    {
        var v = MlsVectors.Load("transcript-hashes.json")[index];
        var content = Sotto.Mls.Framing.AuthenticatedContent.Decode(v.Bytes("authenticated_content"));
        Assert.Equal(ContentType.Commit, content.Content.ContentType);
        var confirmed = TranscriptHash.Confirmed(v.Bytes("interim_transcript_hash_before"), content);
        Assert.Equal(v.Bytes("confirmed_transcript_hash_after"), confirmed);
        using var key = new ConfirmationKey(v.Bytes("confirmation_key"));
        Assert.True(key.Verify(confirmed, content.Auth.ConfirmationTag));
        Assert.Equal(v.Bytes("interim_transcript_hash_after"), TranscriptHash.Interim(confirmed, content.Auth.ConfirmationTag!));
        Assert.Equal(v.Bytes("authenticated_content"), content.Encode());
    }
}
