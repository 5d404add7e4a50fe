using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// ML-KEM (FIPS 203), parameterised by security level, and the round-3 Kyber1024 that libsignal calls key type 0x08.
/// Both take their randomness from an injected <see cref="IRandom"/>. The algorithms are Sotto's own
/// (<see cref="MlKemEngine"/>: managed Keccak, AVX2 NTT), constant time with respect to secrets.
/// </summary>
/// <remarks>
/// Key formats: the public (encapsulation) key is FIPS 203's <c>ek</c>; the secret key is the expanded
/// <c>dk</c> (1,632 / 2,400 / 3,168 bytes), the form libsignal stores. Decapsulation of a malformed ciphertext
/// of the right length yields the implicit-rejection secret, as FIPS 203 requires. Input checks are FIPS 203's:
/// §7.2 (ek length and modulus check) before encapsulation, §7.3 (lengths and the hash check of dk) before
/// decapsulation.
/// </remarks>
public sealed class MlKem
{
    private readonly MlKemEngine _engine;

    private MlKem(MlKemEngine engine)
    {
        _engine = engine;
        PublicKeySize = engine.PublicKeySize;
        SecretKeySize = engine.SecretKeySize;
        CiphertextSize = engine.CiphertextSize;
    }

    /// <summary>ML-KEM-768.</summary>
    public static MlKem MlKem768 { get; } = new(new MlKemEngine(k: 3, du: 10, dv: 4));

    /// <summary>ML-KEM-1024.</summary>
    public static MlKem MlKem1024 { get; } = new(new MlKemEngine(k: 4, du: 11, dv: 5));

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
        _engine.GenerateKeyPair(seed[..32], seed[32..], publicKey, secretKey);
    }

    /// <summary>
    /// Checks an encapsulation key (FIPS 203 §7.2: length and that every coefficient is reduced mod q).
    /// </summary>
    public bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == PublicKeySize && _engine.IsValidPublicKey(publicKey);

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
        return publicKey.Length == PublicKeySize && _engine.TryEncapsulate(publicKey, message, ciphertext, sharedSecret);
    }

    /// <summary>
    /// Decapsulates <paramref name="ciphertext"/>. Returns <see langword="false"/> for a wrong-sized ciphertext or
    /// secret key, or a secret key whose stored hash of the public key is wrong (FIPS 203 §7.3); a tampered
    /// ciphertext of the right size yields a pseudo-random secret.
    /// </summary>
    public bool TryDecapsulate(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret) =>
        TryDecapsulateAndHashCiphertext(secretKey, ciphertext, sharedSecret, default);

    /// <summary>
    /// <see cref="TryDecapsulate"/>, also writing SHA3-256 of
    /// the ciphertext to <paramref name="ciphertextHash"/> (32 bytes) unless it is empty: Kyber's key derivation
    /// needs it, and the engine computes it alongside its own hashes.
    /// </summary>
    internal bool TryDecapsulateAndHashCiphertext(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret, Span<byte> ciphertextHash)
    {
        Error.CheckLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        if (!ciphertextHash.IsEmpty)
        {
            Error.CheckLength(ciphertextHash, 32, nameof(ciphertextHash));
        }

        return secretKey.Length == SecretKeySize && ciphertext.Length == CiphertextSize &&
            _engine.TryDecapsulate(secretKey, ciphertext, sharedSecret, ciphertextHash);
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
        Span<byte> ctHash = stackalloc byte[32];
        try
        {
            if (!MlKem.MlKem1024.TryDecapsulateAndHashCiphertext(secretKey, ciphertext, ss, ctHash))
            {
                return false;
            }

            Digest.Shake256(ss, ctHash, sharedSecret);
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
