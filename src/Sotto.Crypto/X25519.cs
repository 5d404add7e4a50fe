using System.Security.Cryptography;
using Sotto.Crypto.Interop;

namespace Sotto.Crypto;

/// <summary>
/// X25519 Diffie-Hellman (RFC 7748 §5) over libsodium. Private keys are 32 bytes, clamped at generation;
/// public keys are the 32-byte u-coordinate.
/// </summary>
/// <remarks>
/// <see cref="TryAgree"/> rejects an all-zero shared secret (a low-order peer key), as libsignal does
/// (<c>curve.rs</c>) and as RFC 7748 §6.1 permits.
/// </remarks>
public static unsafe class X25519
{
    /// <summary>Size of a private key, a public key and a shared secret.</summary>
    public const int KeySize = 32;

    /// <summary>Generates a clamped private key.</summary>
    public static void GeneratePrivateKey(IRandom random, Span<byte> privateKey)
    {
        ArgumentNullException.ThrowIfNull(random);
        Error.CheckLength(privateKey, KeySize, nameof(privateKey));
        random.Fill(privateKey);
        Clamp(privateKey);
    }

    /// <summary>Clamps a scalar in place (RFC 7748 §5 decodeScalar25519).</summary>
    public static void Clamp(Span<byte> scalar)
    {
        Error.CheckLength(scalar, KeySize, nameof(scalar));
        scalar[0] &= 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
    }

    /// <summary>Computes the public key of <paramref name="privateKey"/>.</summary>
    public static void DerivePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        Error.CheckLength(privateKey, KeySize, nameof(privateKey));
        Error.CheckLength(publicKey, KeySize, nameof(publicKey));
        Sodium.EnsureInitialized();
        fixed (byte* q = publicKey)
        fixed (byte* n = privateKey)
        {
            if (Sodium.crypto_scalarmult_curve25519_base(q, n) != 0)
            {
                throw new CryptographicException("X25519 base-point multiplication failed.");
            }
        }
    }

    /// <summary>
    /// Computes the shared secret of <paramref name="privateKey"/> and <paramref name="publicKey"/>.
    /// Returns <see langword="false"/> (and zeroes <paramref name="sharedSecret"/>) when the result is all zero.
    /// </summary>
    public static bool TryAgree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> sharedSecret)
    {
        Error.CheckLength(privateKey, KeySize, nameof(privateKey));
        Error.CheckLength(publicKey, KeySize, nameof(publicKey));
        Error.CheckLength(sharedSecret, KeySize, nameof(sharedSecret));
        Sodium.EnsureInitialized();
        int rc;
        fixed (byte* q = sharedSecret)
        fixed (byte* n = privateKey)
        fixed (byte* p = publicKey)
        {
            rc = Sodium.crypto_scalarmult_curve25519(q, n, p);
        }

        if (rc != 0)
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            return false;
        }

        return true;
    }
}
