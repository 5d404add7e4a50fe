using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>
/// <see cref="MlKem"/> against an independent implementation, BouncyCastle 2.7's ML-KEM, on the same inputs:
/// random seeds d ‖ z, random messages m, and for each key pair the honest ciphertext, a tampered copy (one bit
/// flipped, so decapsulation takes the implicit-rejection path) and a uniformly random ciphertext. Every output
/// — ek, dk, c, K — must be byte-for-byte equal. A second set of tests runs Sotto's portable scalar path against
/// its AVX2 path the same way.
/// </summary>
public sealed class MlKemDifferentialTests
{
    private const int Rounds = 1000;

    public static TheoryData<string> ParameterSets => ["ML-KEM-768", "ML-KEM-1024"];

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void EveryOutputMatchesBouncyCastleOnRandomSeedsMessagesAndCiphertexts(string name)
    {
        var (kem, parameters) = Kem(name);
        var rng = new SeededRandom("differential/" + name);
        var seed = new byte[MlKem.SeedSize];
        var message = new byte[32];
        var pk = new byte[kem.PublicKeySize];
        var sk = new byte[kem.SecretKeySize];
        var ct = new byte[kem.CiphertextSize];
        var ss = new byte[32];
        var expectedCt = new byte[kem.CiphertextSize];
        var expectedSs = new byte[32];
        int rejected = 0;

        for (int round = 0; round < Rounds; round++)
        {
            rng.Fill(seed);
            kem.GenerateKeyPairFromSeed(seed, pk, sk);
            var bcKey = MLKemPrivateKeyParameters.FromSeed(parameters, seed, MLKemPrivateKeyParameters.Format.EncodingOnly);
            Assert.Equal(bcKey.GetPublicKeyEncoded(), pk);
            Assert.Equal(bcKey.GetEncoded(), sk);

            rng.Fill(message);
            Assert.True(kem.TryEncapsulate(pk, new FixedRandom(message), ct, ss));
            var encapsulator = new MLKemEncapsulator(parameters);
            encapsulator.Init(new ParametersWithRandom(bcKey.GetPublicKey(), new SecureRandom(new FixedBytes(message))));
            encapsulator.Encapsulate(expectedCt, expectedSs);
            Assert.Equal(expectedCt, ct);
            Assert.Equal(expectedSs, ss);

            var decapsulator = new MLKemDecapsulator(parameters);
            decapsulator.Init(bcKey);
            var sent = (byte[])ss.Clone();
            AssertDecapsulationMatches(kem, decapsulator, sk, ct);

            ct[rng.Next(ct.Length)] ^= (byte)(1 << rng.Next(8));
            var afterTampering = AssertDecapsulationMatches(kem, decapsulator, sk, ct);
            rejected += afterTampering.AsSpan().SequenceEqual(sent) ? 0 : 1;

            rng.Fill(ct);
            AssertDecapsulationMatches(kem, decapsulator, sk, ct);
        }

        // Every tampered ciphertext took the rejection path (a collision would be a 2^-256 event).
        Assert.Equal(Rounds, rejected);
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void PublicKeyCheckAgreesWithBouncyCastleOnKeysWithUnreducedCoefficients(string name)
    {
        var (kem, parameters) = Kem(name);
        var rng = new SeededRandom("differential/ek/" + name);
        var pk = new byte[kem.PublicKeySize];
        var sk = new byte[kem.SecretKeySize];
        int invalid = 0;
        for (int round = 0; round < 200; round++)
        {
            kem.GenerateKeyPair(rng, pk, sk);
            if (round % 2 == 1)
            {
                // A random 12-bit coefficient of t̂ becomes a random value in [q, 4095].
                int coefficient = rng.Next(256 * (kem.PublicKeySize / 384));
                int value = 3329 + rng.Next(4096 - 3329);
                SetCoefficient(pk, coefficient, value);
            }

            bool expected = BouncyCastleAcceptsPublicKey(parameters, pk);
            Assert.Equal(expected, kem.IsValidPublicKey(pk));
            Assert.Equal(expected, kem.TryEncapsulate(pk, rng, new byte[kem.CiphertextSize], new byte[32]));
            invalid += expected ? 0 : 1;
        }

        Assert.Equal(100, invalid);
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void SecretKeyWithCorruptedPublicKeyOrHashFailsTheHashCheck(string name)
    {
        var (kem, _) = Kem(name);
        var rng = new SeededRandom("dk-check/" + name);
        var pk = new byte[kem.PublicKeySize];
        var sk = new byte[kem.SecretKeySize];
        kem.GenerateKeyPair(rng, pk, sk);
        var ct = new byte[kem.CiphertextSize];
        var ss = new byte[32];
        Assert.True(kem.TryEncapsulate(pk, rng, ct, ss));
        int secretPkeSize = kem.SecretKeySize - kem.PublicKeySize - 64;

        var corruptedKey = (byte[])sk.Clone();
        corruptedKey[secretPkeSize + 5] ^= 1;
        Assert.False(kem.TryDecapsulate(corruptedKey, ct, ss));

        var corruptedHash = (byte[])sk.Clone();
        corruptedHash[kem.SecretKeySize - 64] ^= 1;
        Assert.False(kem.TryDecapsulate(corruptedHash, ct, ss));
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void SecretKeyWithCorruptedSecretPartStillMatchesBouncyCastle(string name)
    {
        // The hash check covers ek and H(ek) only; a damaged ŝ decapsulates to whatever the algorithm gives.
        var (kem, parameters) = Kem(name);
        var rng = new SeededRandom("dk-s/" + name);
        var pk = new byte[kem.PublicKeySize];
        var sk = new byte[kem.SecretKeySize];
        var ct = new byte[kem.CiphertextSize];
        var ss = new byte[32];
        var expected = new byte[32];
        for (int round = 0; round < 50; round++)
        {
            kem.GenerateKeyPair(rng, pk, sk);
            Assert.True(kem.TryEncapsulate(pk, rng, ct, ss));
            sk[rng.Next(kem.SecretKeySize - kem.PublicKeySize - 64)] ^= (byte)(1 << rng.Next(8));

            var decapsulator = new MLKemDecapsulator(parameters);
            decapsulator.Init(MLKemPrivateKeyParameters.FromEncoding(parameters, sk));
            decapsulator.Decapsulate(ct, expected);

            Assert.True(kem.TryDecapsulate(sk, ct, ss));
            Assert.Equal(expected, ss);
        }
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void ScalarPathMatchesVectorizedPath(string name)
    {
        var (k, du, dv) = name == "ML-KEM-768" ? (3, 10, 4) : (4, 11, 5);
        var vectorized = new MlKemEngine(k, du, dv);
        var scalar = new MlKemEngine(k, du, dv, vectorized: false);
        var rng = new SeededRandom("paths/" + name);
        var seed = new byte[64];
        var message = new byte[32];
        byte[] pk1 = new byte[vectorized.PublicKeySize], pk2 = new byte[vectorized.PublicKeySize];
        byte[] sk1 = new byte[vectorized.SecretKeySize], sk2 = new byte[vectorized.SecretKeySize];
        byte[] ct1 = new byte[vectorized.CiphertextSize], ct2 = new byte[vectorized.CiphertextSize];
        byte[] ss1 = new byte[32], ss2 = new byte[32];
        for (int round = 0; round < 200; round++)
        {
            rng.Fill(seed);
            rng.Fill(message);
            vectorized.GenerateKeyPair(seed[..32], seed[32..], pk1, sk1);
            scalar.GenerateKeyPair(seed[..32], seed[32..], pk2, sk2);
            Assert.Equal(pk1, pk2);
            Assert.Equal(sk1, sk2);

            Assert.True(vectorized.TryEncapsulate(pk1, message, ct1, ss1));
            Assert.True(scalar.TryEncapsulate(pk1, message, ct2, ss2));
            Assert.Equal(ct1, ct2);
            Assert.Equal(ss1, ss2);

            ct1[rng.Next(ct1.Length)] ^= 0x10;
            byte[] hash1 = new byte[32], hash2 = new byte[32], expectedHash = new byte[32];
            Assert.True(vectorized.TryDecapsulate(sk1, ct1, ss1, hash1));
            Assert.True(scalar.TryDecapsulate(sk1, ct1, ss2, hash2));
            Assert.Equal(ss1, ss2);
            Digest.Sha3_256(ct1, expectedHash);
            Assert.Equal(expectedHash, hash1);
            Assert.Equal(expectedHash, hash2);
        }
    }

    private static byte[] AssertDecapsulationMatches(MlKem kem, MLKemDecapsulator decapsulator, byte[] sk, byte[] ct)
    {
        var expected = new byte[32];
        decapsulator.Decapsulate(ct, expected);
        var ss = new byte[32];
        Assert.True(kem.TryDecapsulate(sk, ct, ss));
        Assert.Equal(expected, ss);
        return ss;
    }

    private static (MlKem Kem, MLKemParameters Parameters) Kem(string name) =>
        name == "ML-KEM-768" ? (MlKem.MlKem768, MLKemParameters.ml_kem_768) : (MlKem.MlKem1024, MLKemParameters.ml_kem_1024);

    private static void SetCoefficient(byte[] pk, int index, int value)
    {
        int at = 3 * (index / 2);
        if (index % 2 == 0)
        {
            pk[at] = (byte)value;
            pk[at + 1] = (byte)((pk[at + 1] & 0xF0) | (value >> 8));
        }
        else
        {
            pk[at + 1] = (byte)((pk[at + 1] & 0x0F) | ((value & 0x0F) << 4));
            pk[at + 2] = (byte)(value >> 4);
        }
    }

    /// <summary>BouncyCastle's view of FIPS 203's modulus check: the key parses and re-encodes to itself.</summary>
    private static bool BouncyCastleAcceptsPublicKey(MLKemParameters parameters, byte[] pk)
    {
        try
        {
            return MLKemPublicKeyParameters.FromEncoding(parameters, pk).GetEncoded().AsSpan().SequenceEqual(pk);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Serves BouncyCastle's encapsulator the one 32-byte message it draws.</summary>
    private sealed class FixedBytes(byte[] message) : IRandomGenerator
    {
        private bool _used;

        public void AddSeedMaterial(byte[] seed)
        {
        }

        public void AddSeedMaterial(ReadOnlySpan<byte> seed)
        {
        }

        public void AddSeedMaterial(long seed)
        {
        }

        public void NextBytes(byte[] bytes) => NextBytes(bytes.AsSpan());

        public void NextBytes(byte[] bytes, int start, int len) => NextBytes(bytes.AsSpan(start, len));

        public void NextBytes(Span<byte> destination)
        {
            Assert.False(_used);
            Assert.Equal(message.Length, destination.Length);
            _used = true;
            message.CopyTo(destination);
        }
    }
}
