using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// ML-KEM through <see cref="MlKem"/>:
/// <list type="bullet">
/// <item><c>mlkem_1024_test.json</c>: key generation from the 64-byte seed <c>d ‖ z</c> gives exactly <c>ek</c>,
///   and decapsulating <c>c</c> with the resulting key gives exactly <c>K</c> (valid cases include tampered and
///   random ciphertexts, which must take the implicit-rejection path). Invalid cases are seeds of the wrong
///   length (a caller bug: <see cref="ArgumentException"/>) and ciphertexts of the wrong length
///   (peer input: <see cref="MlKem.TryDecapsulate"/> returns <see langword="false"/>).</item>
/// <item><c>mlkem_768_encaps_test.json</c> (Wycheproof has no ML-KEM-1024 encapsulation file): encapsulation with
///   the fixed message <c>m</c> as randomness gives exactly <c>c</c> and <c>K</c>; keys of the wrong length or
///   with a coefficient ≥ q (FIPS 203 §7.2 modulus check) are refused.</item>
/// </list>
/// </summary>
public sealed class MlKemWycheproofTests
{
    private const string DecapsFile = "mlkem_1024_test.json";
    private const string EncapsFile = "mlkem_768_encaps_test.json";

    public static TheoryData<int> DecapsCases => WycheproofFile.TcIds(DecapsFile);

    public static TheoryData<int> EncapsCases => WycheproofFile.TcIds(EncapsFile);

    [Fact]
    public void FilesHoldEveryExpectedCase()
    {
        var decaps = WycheproofFile.Load(DecapsFile);
        Assert.Equal("ML-KEM", decaps.Algorithm);
        Assert.Equal((153, 40, 0), decaps.Count());
        Assert.Equal(193, DecapsCases.Count);

        var encaps = WycheproofFile.Load(EncapsFile);
        Assert.Equal("ML-KEM", encaps.Algorithm);
        Assert.Equal((133, 132, 0), encaps.Count());
        Assert.Equal(265, EncapsCases.Count);
    }

    [Theory]
    [MemberData(nameof(DecapsCases))]
    public void MlKem1024KeyGenerationAndDecapsulationMatchTheVector(int tcId)
    {
        var c = WycheproofFile.Load(DecapsFile)[tcId];
        var kem = MlKem.MlKem1024;
        byte[] seed = c.Bytes("seed"), ciphertext = c.Bytes("c");
        var publicKey = new byte[kem.PublicKeySize];
        var secretKey = new byte[kem.SecretKeySize];
        var shared = new byte[MlKem.SharedSecretSize];

        if (seed.Length != MlKem.SeedSize)
        {
            Assert.Equal(WycheproofResult.Invalid, c.Result);
            Assert.Throws<ArgumentException>(() => kem.GenerateKeyPairFromSeed(seed, publicKey, secretKey));
            return;
        }

        kem.GenerateKeyPairFromSeed(seed, publicKey, secretKey);
        Assert.Equal(c.Bytes("ek"), publicKey);

        bool ok = kem.TryDecapsulate(secretKey, ciphertext, shared);

        if (c.Result == WycheproofResult.Valid)
        {
            Assert.True(ok, c.ToString());
            Assert.Equal(c.Bytes("K"), shared);
        }
        else
        {
            Assert.NotEqual(kem.CiphertextSize, ciphertext.Length);
            Assert.False(ok, c.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(EncapsCases))]
    public void MlKem768EncapsulationMatchesTheVector(int tcId)
    {
        var c = WycheproofFile.Load(EncapsFile)[tcId];
        var kem = MlKem.MlKem768;
        byte[] publicKey = c.Bytes("ek");
        var ciphertext = new byte[kem.CiphertextSize];
        var shared = new byte[MlKem.SharedSecretSize];

        bool ok = kem.TryEncapsulate(publicKey, new FixedRandom(c.Bytes("m")), ciphertext, shared);

        Assert.Equal(c.Result == WycheproofResult.Valid, kem.IsValidPublicKey(publicKey));
        if (c.Result == WycheproofResult.Valid)
        {
            Assert.True(ok, c.ToString());
            Assert.Equal(c.Bytes("c"), ciphertext);
            Assert.Equal(c.Bytes("K"), shared);
        }
        else
        {
            Assert.False(ok, c.ToString());
        }
    }
}
