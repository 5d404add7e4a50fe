using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Sotto.Crypto;

/// <summary>
/// ML-KEM (FIPS 203) over BouncyCastle, parameterised by security level, and the round-3 Kyber1024 that libsignal
/// calls key type 0x08. Both take their randomness from an injected <see cref="IRandom"/>.
/// </summary>
/// <remarks>
/// Key formats: the public (encapsulation) key is FIPS 203's <c>ek</c>; the secret key is the expanded
/// <c>dk</c> (1,632 / 2,400 / 3,168 bytes), the form libsignal stores. Decapsulation of a malformed ciphertext
/// of the right length yields the implicit-rejection secret, as FIPS 203 requires.
/// </remarks>
public sealed class MlKem
{
    private readonly MLKemParameters _parameters;

    private MlKem(MLKemParameters parameters, int publicKeySize, int secretKeySize, int ciphertextSize)
    {
        _parameters = parameters;
        PublicKeySize = publicKeySize;
        SecretKeySize = secretKeySize;
        CiphertextSize = ciphertextSize;
    }

    /// <summary>ML-KEM-768.</summary>
    public static MlKem MlKem768 { get; } = new(MLKemParameters.ml_kem_768, 1184, 2400, 1088);

    /// <summary>ML-KEM-1024.</summary>
    public static MlKem MlKem1024 { get; } = new(MLKemParameters.ml_kem_1024, 1568, 3168, 1568);

    /// <summary>Size of the shared secret.</summary>
    public const int SharedSecretSize = 32;

    /// <summary>Size of the key-generation seed d ‖ z.</summary>
    public const int SeedSize = 64;

    /// <summary>Size of the encapsulation message m (the randomness one encapsulation consumes).</summary>
    internal const int MessageSize = 32;

    /// <summary>Size of an encapsulation key.</summary>
    public int PublicKeySize { get; }

    /// <summary>Size of an expanded decapsulation key.</summary>
    public int SecretKeySize { get; }

    /// <summary>Size of a ciphertext.</summary>
    public int CiphertextSize { get; }

    /// <summary>Generates a key pair from 64 random bytes (d ‖ z).</summary>
    public void GenerateKeyPair(IRandom random, Span<byte> publicKey, Span<byte> secretKey)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> seed = stackalloc byte[SeedSize];
        random.Fill(seed);
        try
        {
            GenerateKeyPairFromSeed(seed, publicKey, secretKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Deterministic key generation (FIPS 203 ML-KEM.KeyGen_internal(d, z)) from <c>d ‖ z</c>.</summary>
    public void GenerateKeyPairFromSeed(ReadOnlySpan<byte> seed, Span<byte> publicKey, Span<byte> secretKey)
    {
        Error.CheckLength(seed, SeedSize, nameof(seed));
        Error.CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        Error.CheckLength(secretKey, SecretKeySize, nameof(secretKey));
        var seedCopy = seed.ToArray();
        byte[]? encoded = null;
        try
        {
            var key = MLKemPrivateKeyParameters.FromSeed(_parameters, seedCopy, MLKemPrivateKeyParameters.Format.EncodingOnly);
            encoded = key.GetEncoded();
            encoded.CopyTo(secretKey);
            key.GetPublicKeyEncoded().CopyTo(publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seedCopy);
            CryptographicOperations.ZeroMemory(encoded);
        }
    }

    /// <summary>
    /// Checks an encapsulation key (FIPS 203 §7.2: length and that every coefficient is reduced mod q).
    /// </summary>
    public bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) => TryParsePublicKey(publicKey, out _);

    private bool TryParsePublicKey(ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out MLKemPublicKeyParameters? key)
    {
        key = null;
        if (publicKey.Length != PublicKeySize)
        {
            return false;
        }

        try
        {
            var parsed = MLKemPublicKeyParameters.FromEncoding(_parameters, publicKey.ToArray());
            if (!parsed.GetEncoded().AsSpan().SequenceEqual(publicKey))
            {
                return false;
            }

            key = parsed;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Encapsulates to <paramref name="publicKey"/>. Returns <see langword="false"/> when the key fails the
    /// FIPS 203 input check (it came from a peer).
    /// </summary>
    public bool TryEncapsulate(ReadOnlySpan<byte> publicKey, IRandom random, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> message = stackalloc byte[MessageSize];
        try
        {
            random.Fill(message);
            return TryEncapsulate(publicKey, message, ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(message);
        }
    }

    /// <summary>
    /// Deterministic encapsulation (FIPS 203 ML-KEM.Encaps_internal(ek, m)) with the 32-byte message
    /// <paramref name="message"/>; for known-answer tests and for Kyber's pre-hashed randomness.
    /// </summary>
    internal bool TryEncapsulate(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Error.CheckLength(message, MessageSize, nameof(message));
        Error.CheckLength(ciphertext, CiphertextSize, nameof(ciphertext));
        Error.CheckLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        if (!TryParsePublicKey(publicKey, out var key))
        {
            return false;
        }

        var m = message.ToArray();
        try
        {
            var encapsulator = new MLKemEncapsulator(_parameters);
            encapsulator.Init(new ParametersWithRandom(key, new SecureRandom(new FixedBytesGenerator(m))));
            encapsulator.Encapsulate(ciphertext, sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(m);
        }
    }

    /// <summary>
    /// Decapsulates <paramref name="ciphertext"/>. Returns <see langword="false"/> only for a wrong-sized
    /// ciphertext or secret key; a tampered ciphertext of the right size yields a pseudo-random secret.
    /// </summary>
    public bool TryDecapsulate(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Error.CheckLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        if (secretKey.Length != SecretKeySize || ciphertext.Length != CiphertextSize)
        {
            return false;
        }

        var secretKeyCopy = secretKey.ToArray();
        try
        {
            MLKemPrivateKeyParameters key;
            try
            {
                key = MLKemPrivateKeyParameters.FromEncoding(_parameters, secretKeyCopy);
            }
            catch (ArgumentException)
            {
                return false;
            }

            var decapsulator = new MLKemDecapsulator(_parameters);
            decapsulator.Init(key);
            decapsulator.Decapsulate(ciphertext, sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretKeyCopy);
        }
    }

    /// <summary>
    /// Serves BouncyCastle's encapsulator the one 32-byte message it draws; any other request is a bug
    /// (a BouncyCastle change we must notice, not paper over).
    /// </summary>
    private sealed class FixedBytesGenerator(byte[] message) : IRandomGenerator
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
            if (_used || destination.Length != message.Length)
            {
                throw new UnreachableException($"ML-KEM encapsulation asked for {destination.Length} random bytes; expected one draw of {message.Length}.");
            }

            _used = true;
            message.CopyTo(destination);
        }
    }
}

/// <summary>
/// Kyber1024 as submitted to NIST round 3, which libsignal uses for KEM key type 0x08
/// (<c>libcrux_ml_kem::kyber1024</c>). Keys and ciphertexts have the ML-KEM-1024 formats. It differs from
/// ML-KEM-1024 (FIPS 203 Appendix C) in three places, handled here around <see cref="MlKem.MlKem1024"/>:
/// <code>
///   encapsulation  m = SHA3-256(32 random bytes)         (ML-KEM uses the random bytes as m)
///   shared secret  SHAKE256(K̄ ‖ SHA3-256(ct), 32)        (ML-KEM returns K̄)
///   key generation (ρ, σ) = SHA3-512(d)                  (ML-KEM hashes d ‖ k)
/// </code>
/// </summary>
/// <remarks>
/// Key generation is ML-KEM's: a key pair from random <c>d ‖ z</c> is as good a Kyber key pair as a round-3 one,
/// and peers cannot tell them apart, but the round-3 KAT's deterministic key pairs are not reproduced.
/// Implicit rejection follows libcrux: a ciphertext that fails the re-encryption check yields
/// <c>SHAKE256(SHAKE256(z ‖ ct, 32) ‖ SHA3-256(ct), 32)</c> (the round-3 reference C code uses <c>z</c> itself in
/// place of the inner hash); no peer ever computes that value, so the choice is invisible on the wire.
/// </remarks>
public static class Kyber1024
{
    /// <summary>Size of a public key (without libsignal's type byte).</summary>
    public const int PublicKeySize = 1568;

    /// <summary>Size of a secret key.</summary>
    public const int SecretKeySize = 3168;

    /// <summary>Size of a ciphertext (without a type byte).</summary>
    public const int CiphertextSize = 1568;

    /// <summary>Size of the shared secret.</summary>
    public const int SharedSecretSize = 32;

    /// <summary>Generates a key pair (64 bytes from <paramref name="random"/>: d ‖ z).</summary>
    public static void GenerateKeyPair(IRandom random, Span<byte> publicKey, Span<byte> secretKey) =>
        MlKem.MlKem1024.GenerateKeyPair(random, publicKey, secretKey);

    /// <summary>
    /// Encapsulates, drawing 32 bytes from <paramref name="random"/> (round 3: m = SHA3-256 of them);
    /// <see langword="false"/> when the peer's key is malformed.
    /// </summary>
    public static bool TryEncapsulate(ReadOnlySpan<byte> publicKey, IRandom random, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(random);
        Error.CheckLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        Span<byte> entropy = stackalloc byte[MlKem.MessageSize];
        Span<byte> message = stackalloc byte[MlKem.MessageSize];
        Span<byte> ss = stackalloc byte[MlKem.SharedSecretSize];
        try
        {
            random.Fill(entropy);
            Digest.Sha3_256(entropy, message);
            if (!MlKem.MlKem1024.TryEncapsulate(publicKey, message, ciphertext, ss))
            {
                return false;
            }

            Kdf(ss, ciphertext, sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
            CryptographicOperations.ZeroMemory(message);
            CryptographicOperations.ZeroMemory(ss);
        }
    }

    /// <summary>Decapsulates; <see langword="false"/> only for wrong sizes.</summary>
    public static bool TryDecapsulate(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Error.CheckLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        Span<byte> ss = stackalloc byte[MlKem.SharedSecretSize];
        try
        {
            if (!MlKem.MlKem1024.TryDecapsulate(secretKey, ciphertext, ss))
            {
                return false;
            }

            Kdf(ss, ciphertext, sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ss);
        }
    }

    private static void Kdf(ReadOnlySpan<byte> mlKemSecret, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Span<byte> ctHash = stackalloc byte[32];
        Digest.Sha3_256(ciphertext, ctHash);
        Digest.Shake256(mlKemSecret, ctHash, sharedSecret);
    }
}
