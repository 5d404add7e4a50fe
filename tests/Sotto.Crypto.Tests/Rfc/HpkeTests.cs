using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Rfc;

/// <summary>RFC 9180 known answers, base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256.</summary>
public sealed class HpkeTests
{
    private const string Info = "4f6465206f6e2061204772656369616e2055726e";
    private const string Plaintext = "4265617574792069732074727574682c20747275746820626561757479";

    // RFC 9180 Appendix A.1.1 (AES-128-GCM): ikmE, skEm, pkEm, ikmR, skRm, pkRm, enc, key, base_nonce, exporter_secret.
    private static readonly string[] A1 =
    [
        "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
        "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
        "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
        "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
        "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
        "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
        "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
        "4531685d41d65f03dc48f6b8302c05b0",
        "56d890e5accaaf011cff4b7d",
        "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
    ];

    // RFC 9180 Appendix A.1.1.1: sequence number, aad, ciphertext.
    public static TheoryData<ulong, string, string> A1Encryptions => new()
    {
        { 0, "436f756e742d30", "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a" },
        { 1, "436f756e742d31", "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84" },
        { 2, "436f756e742d32", "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180" },
        { 4, "436f756e742d34", "583bd32bc67a5994bb8ceaca813d369bca7b2a42408cddef5e22f880b631215a09fc0012bc69fccaa251c0246d" },
        { 255, "436f756e742d323535", "7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505bf106deefec4a49ac38d71c9e0a" },
        { 256, "436f756e742d323536", "957f9800542b0b8891badb026d79cc54597cb2d225b54c00c5238c25d05c30e3fbeda97d2e0e1aba483a2df9f2" },
    };

    // RFC 9180 Appendix A.1.1.2: exporter_context, L, exported_value.
    public static TheoryData<string, int, string> A1Exports => new()
    {
        { "", 32, "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee" },
        { "00", 32, "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5" },
        { "54657374436f6e74657874", 32, "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931" },
    };

    private static readonly Hpke Suite = Hpke.X25519Sha256Aes128Gcm;

    [Fact]
    public void DeriveKeyPairMatchesRfc9180A1()
    {
        var sk = new byte[32];
        var pk = new byte[32];
        Suite.DeriveKeyPair(Hex.Decode(A1[0]), sk, pk);
        Assert.Equal(A1[1], Hex.Encode(sk));
        Assert.Equal(A1[2], Hex.Encode(pk));
        Suite.DeriveKeyPair(Hex.Decode(A1[3]), sk, pk);
        Assert.Equal(A1[4], Hex.Encode(sk));
        Assert.Equal(A1[5], Hex.Encode(pk));
    }

    [Fact]
    public void SenderKeyScheduleMatchesRfc9180A1()
    {
        var enc = new byte[32];
        using var context = Suite.SetupBaseSender(Hex.Decode(A1[5]), Hex.Decode(Info), Hex.Decode(A1[1]), enc);
        Assert.Equal(A1[6], Hex.Encode(enc));
        Assert.Equal(A1[7], Hex.Encode(context.KeyBytes));
        Assert.Equal(A1[8], Hex.Encode(context.BaseNonceBytes));
        Assert.Equal(A1[9], Hex.Encode(context.ExporterSecretBytes));
    }

    [Theory]
    [MemberData(nameof(A1Encryptions))]
    public void SealAndOpenMatchRfc9180A1(ulong sequence, string aad, string ciphertext)
    {
        var enc = new byte[32];
        using var sender = Suite.SetupBaseSender(Hex.Decode(A1[5]), Hex.Decode(Info), Hex.Decode(A1[1]), enc);
        sender.Sequence = sequence;
        Assert.Equal(ciphertext, Hex.Encode(sender.Seal(Hex.Decode(aad), Hex.Decode(Plaintext))));

        Assert.True(Suite.TrySetupBaseRecipient(enc, Hex.Decode(A1[4]), Hex.Decode(Info), out var recipient));
        using (recipient)
        {
            recipient!.Sequence = sequence;
            Assert.True(recipient.TryOpen(Hex.Decode(aad), Hex.Decode(ciphertext), out var plaintext));
            Assert.Equal(Plaintext, Hex.Encode(plaintext));
            Assert.Equal(sequence + 1, recipient.Sequence);
        }
    }

    [Theory]
    [MemberData(nameof(A1Exports))]
    public void ExportMatchesRfc9180A1(string exporterContext, int length, string expected)
    {
        Assert.True(Suite.TrySetupBaseRecipient(Hex.Decode(A1[6]), Hex.Decode(A1[4]), Hex.Decode(Info), out var recipient));
        using (recipient)
        {
            var output = new byte[length];
            recipient!.Export(Hex.Decode(exporterContext), output);
            Assert.Equal(expected, Hex.Encode(output));
        }
    }

    [Fact]
    public void ChaCha20Poly1305SealMatchesRfc9180A2()
    {
        // RFC 9180 Appendix A.2.1: skEm, pkRm, skRm, enc, key, base_nonce, exporter_secret; A.2.1.1 sequence 0.
        var enc = new byte[32];
        var suite = Hpke.X25519Sha256ChaCha20Poly1305;
        using var sender = suite.SetupBaseSender(
            Hex.Decode("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a"),
            Hex.Decode(Info),
            Hex.Decode("f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600"),
            enc);
        Assert.Equal("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a", Hex.Encode(enc));
        Assert.Equal("ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91", Hex.Encode(sender.KeyBytes));
        Assert.Equal("5c4d98150661b848853b547f", Hex.Encode(sender.BaseNonceBytes));
        Assert.Equal("a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922", Hex.Encode(sender.ExporterSecretBytes));
        var ciphertext = sender.Seal(Hex.Decode("436f756e742d30"), Hex.Decode(Plaintext));
        Assert.Equal("1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28", Hex.Encode(ciphertext));

        Assert.True(suite.TryOpen(enc, Hex.Decode("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb"), Hex.Decode(Info), Hex.Decode("436f756e742d30"), ciphertext, out var plaintext));
        Assert.Equal(Plaintext, Hex.Encode(plaintext));
    }

    [Fact]
    public void SealWithPreparedInfoEqualsSealWithInfo()
    {
        var info = new byte[5000];
        new SeededRandom(3).Fill(info);
        var enc1 = new byte[32];
        var enc2 = new byte[32];
        var direct = Suite.Seal(Hex.Decode(A1[5]), info, [1], Hex.Decode(Plaintext), new SeededRandom(9), enc1);
        var prepared = Suite.Seal(Hex.Decode(A1[5]), Suite.PrepareInfo(info), [1], Hex.Decode(Plaintext), new SeededRandom(9), enc2);
        Assert.Equal(enc1, enc2);
        Assert.Equal(direct, prepared);
        Assert.True(Suite.TryOpen(enc2, Hex.Decode(A1[4]), info, [1], prepared, out var plaintext));
        Assert.Equal(Plaintext, Hex.Encode(plaintext));
    }

    [Fact]
    public void PreparedInfoOfAnotherSuiteThrowsArgumentException()
    {
        var info = Hpke.X25519Sha256ChaCha20Poly1305.PrepareInfo([1, 2]);
        Assert.Throws<ArgumentException>(() => Suite.Seal(Hex.Decode(A1[5]), info, [], [1], new SeededRandom(1), new byte[32]));
    }

    [Fact]
    public void OpenWithTamperedCiphertextReturnsFalse()
    {
        var enc = new byte[32];
        var ciphertext = Suite.Seal(Hex.Decode(A1[5]), Hex.Decode(Info), [], Hex.Decode(Plaintext), new SeededRandom(7), enc);
        ciphertext[3] ^= 1;
        Assert.False(Suite.TryOpen(enc, Hex.Decode(A1[4]), Hex.Decode(Info), [], ciphertext, out _));
    }

    [Fact]
    public void OpenWithLowOrderEncapsulatedKeyReturnsFalse()
    {
        Assert.False(Suite.TrySetupBaseRecipient(new byte[32], Hex.Decode(A1[4]), Hex.Decode(Info), out var context));
        Assert.Null(context);
    }

    [Fact]
    public void OpenWithWrongSizeEncapsulatedKeyReturnsFalse()
    {
        Assert.False(Suite.TrySetupBaseRecipient(new byte[31], Hex.Decode(A1[4]), Hex.Decode(Info), out _));
    }

    [Fact]
    public void SealToLowOrderPublicKeyThrowsArgumentException()
    {
        var enc = new byte[32];
        Assert.Throws<ArgumentException>(() => Suite.Seal(new byte[32], [], [], [1], new SeededRandom(1), enc));
    }
}
