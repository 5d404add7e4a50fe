using System.Security.Cryptography;
using Sotto.Crypto.Interop;

namespace Sotto.Crypto;

/// <summary>
/// Ed25519 (RFC 8032 §5.1) over libsodium. A private key is the 32-byte seed; a public key the 32-byte
/// encoded point; a signature 64 bytes. Verification is libsodium's strict check: canonical <c>S</c>,
/// canonical <c>R</c> and <c>A</c>, small-order keys rejected.
/// </summary>
public static unsafe class Ed25519
{
    /// <summary>Size of a private key (seed).</summary>
    public const int PrivateKeySize = 32;

    /// <summary>Size of a public key.</summary>
    public const int PublicKeySize = 32;

    /// <summary>Size of a signature.</summary>
    public const int SignatureSize = 64;

    /// <summary>Generates a private key (seed) from <paramref name="random"/>.</summary>
    public static void GeneratePrivateKey(IRandom random, Span<byte> privateKey)
    {
        ArgumentNullException.ThrowIfNull(random);
        Error.CheckLength(privateKey, PrivateKeySize, nameof(privateKey));
        random.Fill(privateKey);
    }

    /// <summary>Computes the public key of a private key (seed).</summary>
    public static void DerivePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        Error.CheckLength(privateKey, PrivateKeySize, nameof(privateKey));
        Error.CheckLength(publicKey, PublicKeySize, nameof(publicKey));
        Sodium.EnsureInitialized();
        Span<byte> sk = stackalloc byte[64];
        try
        {
            fixed (byte* pk = publicKey)
            fixed (byte* s = sk)
            fixed (byte* seed = privateKey)
            {
                _ = Sodium.crypto_sign_ed25519_seed_keypair(pk, s, seed);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    /// <summary>Signs <paramref name="message"/> with the private key (seed).</summary>
    public static void Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        Error.CheckLength(privateKey, PrivateKeySize, nameof(privateKey));
        Error.CheckLength(signature, SignatureSize, nameof(signature));
        Sodium.EnsureInitialized();
        Span<byte> sk = stackalloc byte[64];
        Span<byte> pk = stackalloc byte[32];
        try
        {
            fixed (byte* p = pk)
            fixed (byte* s = sk)
            fixed (byte* seed = privateKey)
            fixed (byte* sig = signature)
            fixed (byte* m = message)
            {
                _ = Sodium.crypto_sign_ed25519_seed_keypair(p, s, seed);
                _ = Sodium.crypto_sign_ed25519_detached(sig, null, m, (ulong)message.Length, s);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk);
        }
    }

    /// <summary>
    /// Verifies <paramref name="signature"/> over <paramref name="message"/>. Returns <see langword="false"/> for
    /// a wrong-sized key or signature as well as for a bad signature: both are peer input.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        Sodium.EnsureInitialized();
        fixed (byte* pk = publicKey)
        fixed (byte* sig = signature)
        fixed (byte* m = message)
        {
            return Sodium.crypto_sign_ed25519_verify_detached(sig, m, (ulong)message.Length, pk) == 0;
        }
    }
}
