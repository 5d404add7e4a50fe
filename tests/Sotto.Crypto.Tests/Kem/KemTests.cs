using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>Behaviour of <see cref="MlKem"/> and <see cref="Kyber1024"/> beyond the known answers.</summary>
public sealed class KemTests
{
    public static TheoryData<string> ParameterSets => ["ML-KEM-768", "ML-KEM-1024"];

    private static MlKem Kem(string name) => name == "ML-KEM-768" ? MlKem.MlKem768 : MlKem.MlKem1024;

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void MlKemEncapsulateThenDecapsulateAgree(string name)
    {
        var kem = Kem(name);
        var rng = new SeededRandom(name);
        var (pk, sk) = KeyPair(kem, rng);
        var ct = new byte[kem.CiphertextSize];
        var sent = new byte[MlKem.SharedSecretSize];
        var received = new byte[MlKem.SharedSecretSize];

        Assert.True(kem.TryEncapsulate(pk, rng, ct, sent));
        Assert.True(kem.TryDecapsulate(sk, ct, received));

        Assert.Equal(sent, received);
        Assert.NotEqual(new byte[32], sent);
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void MlKemDecapsulateTamperedCiphertextGivesTheImplicitRejectionSecret(string name)
    {
        var kem = Kem(name);
        var rng = new SeededRandom(name + "/tamper");
        var (pk, sk) = KeyPair(kem, rng);
        var ct = new byte[kem.CiphertextSize];
        var sent = new byte[MlKem.SharedSecretSize];
        Assert.True(kem.TryEncapsulate(pk, rng, ct, sent));

        ct[100] ^= 0x04;
        var received = new byte[MlKem.SharedSecretSize];
        Assert.True(kem.TryDecapsulate(sk, ct, received));

        // FIPS 203 Algorithm 18: K̄ = J(z ‖ c) = SHAKE256(z ‖ c, 256 bits), z the last 32 bytes of dk.
        var expected = new byte[32];
        Digest.Shake256(sk.AsSpan(^32), ct, expected);
        Assert.NotEqual(sent, received);
        Assert.Equal(expected, received);
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void MlKemEncapsulateToKeyWithUnreducedCoefficientReturnsFalse(string name)
    {
        var kem = Kem(name);
        var rng = new SeededRandom(name + "/modulus");
        var (pk, _) = KeyPair(kem, rng);
        // The first 12-bit coefficient of t̂ becomes 4095 ≥ q = 3329 (FIPS 203 §7.2 modulus check).
        pk[0] = 0xFF;
        pk[1] |= 0x0F;

        Assert.False(kem.IsValidPublicKey(pk));
        Assert.False(kem.TryEncapsulate(pk, rng, new byte[kem.CiphertextSize], new byte[32]));
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void MlKemWrongSizedPeerInputReturnsFalse(string name)
    {
        var kem = Kem(name);
        var rng = new SeededRandom(name + "/sizes");
        var (pk, sk) = KeyPair(kem, rng);
        var shared = new byte[32];

        Assert.False(kem.TryEncapsulate(pk[..^1], rng, new byte[kem.CiphertextSize], shared));
        Assert.False(kem.TryDecapsulate(sk, new byte[kem.CiphertextSize - 1], shared));
        Assert.False(kem.TryDecapsulate(sk, new byte[kem.CiphertextSize + 1], shared));
        Assert.False(kem.TryDecapsulate(sk[..^1], new byte[kem.CiphertextSize], shared));
    }

    [Fact]
    public void MlKemWrongSizedCallerBuffersThrowArgumentException()
    {
        var kem = MlKem.MlKem1024;
        var rng = new SeededRandom(3);
        var (pk, sk) = KeyPair(kem, rng);

        Assert.Throws<ArgumentException>(() => kem.TryEncapsulate(pk, rng, new byte[kem.CiphertextSize - 1], new byte[32]));
        Assert.Throws<ArgumentException>(() => kem.TryEncapsulate(pk, rng, new byte[kem.CiphertextSize], new byte[31]));
        Assert.Throws<ArgumentException>(() => kem.TryDecapsulate(sk, new byte[kem.CiphertextSize], new byte[33]));
        Assert.Throws<ArgumentException>(() => kem.GenerateKeyPairFromSeed(new byte[64], new byte[kem.PublicKeySize], new byte[10]));
    }

    [Fact]
    public void Kyber1024EncapsulateThenDecapsulateAgree()
    {
        var rng = new SeededRandom("kyber");
        var pk = new byte[Kyber1024.PublicKeySize];
        var sk = new byte[Kyber1024.SecretKeySize];
        Kyber1024.GenerateKeyPair(rng, pk, sk);
        var ct = new byte[Kyber1024.CiphertextSize];
        var sent = new byte[32];
        var received = new byte[32];

        Assert.True(Kyber1024.TryEncapsulate(pk, rng, ct, sent));
        Assert.True(Kyber1024.TryDecapsulate(sk, ct, received));

        Assert.Equal(sent, received);
    }

    [Fact]
    public void Kyber1024DecapsulateTamperedCiphertextGivesLibcruxRejectionSecret()
    {
        var rng = new SeededRandom("kyber/tamper");
        var pk = new byte[Kyber1024.PublicKeySize];
        var sk = new byte[Kyber1024.SecretKeySize];
        Kyber1024.GenerateKeyPair(rng, pk, sk);
        var ct = new byte[Kyber1024.CiphertextSize];
        var sent = new byte[32];
        Assert.True(Kyber1024.TryEncapsulate(pk, rng, ct, sent));

        ct[^1] ^= 0x80;
        var received = new byte[32];
        Assert.True(Kyber1024.TryDecapsulate(sk, ct, received));

        // libcrux (Kyber variant): kdf(PRF(z ‖ c)) = SHAKE256(SHAKE256(z ‖ c, 32) ‖ SHA3-256(c), 32).
        var inner = new byte[32];
        var ctHash = new byte[32];
        var expected = new byte[32];
        Digest.Shake256(sk.AsSpan(^32), ct, inner);
        Digest.Sha3_256(ct, ctHash);
        Digest.Shake256(inner, ctHash, expected);
        Assert.NotEqual(sent, received);
        Assert.Equal(expected, received);
    }

    [Fact]
    public void Kyber1024EncapsulateToMalformedKeyReturnsFalse()
    {
        var rng = new SeededRandom("kyber/bad");
        var pk = new byte[Kyber1024.PublicKeySize];
        var sk = new byte[Kyber1024.SecretKeySize];
        Kyber1024.GenerateKeyPair(rng, pk, sk);
        pk[0] = 0xFF;
        pk[1] |= 0x0F;

        Assert.False(Kyber1024.TryEncapsulate(pk, rng, new byte[Kyber1024.CiphertextSize], new byte[32]));
        Assert.False(Kyber1024.TryEncapsulate(pk[..100], rng, new byte[Kyber1024.CiphertextSize], new byte[32]));
        Assert.False(Kyber1024.TryDecapsulate(sk, new byte[10], new byte[32]));
    }

    private static (byte[] PublicKey, byte[] SecretKey) KeyPair(MlKem kem, IRandom rng)
    {
        var pk = new byte[kem.PublicKeySize];
        var sk = new byte[kem.SecretKeySize];
        kem.GenerateKeyPair(rng, pk, sk);
        return (pk, sk);
    }
}
