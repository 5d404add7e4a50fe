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

    /// <summary>
    /// True when <paramref name="publicKey"/> is a canonical u-coordinate (below 2^255 − 19, bit 255 clear) of a
    /// point in the prime-order subgroup: libsignal's <c>PublicKey::is_canonical</c> (<c>curve.rs</c>), which
    /// the recipient of a PQXDH base key requires. The point is mapped to Edwards form, y = (u − 1)/(u + 1)
    /// with sign 0, and must be on the curve, of order L and not of small order (points on the twist,
    /// u = −1 and torsioned keys fail). Not constant time: it is meant for public keys.
    /// </summary>
    public static bool IsCanonicalPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeySize || (publicKey[31] & 0x80) != 0)
        {
            return false;
        }

        // u >= p = 2^255 − 19: the top 247 bits all one and the low byte >= 0xED.
        if (publicKey[31] == 0x7F && publicKey[0] >= 0xED && !publicKey[1..31].ContainsAnyExcept((byte)0xFF))
        {
            return false;
        }

        var u = Field25519.FromBytes(publicKey);
        var one = Field25519.One;
        var denominator = Field25519.Add(u, one);
        if (denominator.IsZero())
        {
            return false;
        }

        var y = Field25519.Mul(Field25519.Sub(u, one), Field25519.Invert(denominator));
        Span<byte> edwards = stackalloc byte[32];
        y.ToBytes(edwards);
        Sodium.EnsureInitialized();
        fixed (byte* p = edwards)
        {
            return Sodium.crypto_core_ed25519_is_valid_point(p) == 1;
        }
    }
}
