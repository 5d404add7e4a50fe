using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Sotto.Crypto.Interop;

namespace Sotto.Crypto;

/// <summary>
/// XEdDSA signatures with X25519 keys, in libsignal's variant (<c>rust/core/src/curve/curve25519.rs</c>):
/// <code>
///   a = k mod L, A = aB                  k: the clamped X25519 private key
///   r = SHA512(0xFE ‖ 0xFF×31 ‖ k ‖ M ‖ Z) mod L        Z: 64 random bytes
///   R = rB, h = SHA512(R ‖ A ‖ M) mod L, s = h·a + r mod L
///   signature = R ‖ s, with the Edwards sign bit of A stored in bit 7 of byte 63
/// </code>
/// Verification maps the Montgomery u to the Edwards y = (u − 1)/(u + 1), takes the sign bit from the
/// signature, clears it, requires the top three bits of s to be zero and runs an Ed25519 verification.
/// </summary>
/// <remarks>
/// Unlike libsignal (which only requires s &lt; 2^253) the final check is libsodium's strict Ed25519 verify,
/// which also requires s &lt; L. Signatures made by any correct signer have s reduced mod L, so honest
/// signatures verify identically; only malleated ones are refused.
/// </remarks>
public static unsafe class XEdDsa
{
    /// <summary>Size of a signature.</summary>
    public const int SignatureSize = 64;

    /// <summary>
    /// Signs <paramref name="message"/> with an X25519 private key. Computes the Edwards public key on every call;
    /// a signer that signs more than once should keep an <see cref="XEdDsaSigningKey"/>, which computes it once.
    /// </summary>
    [SkipLocalsInit]
    public static void Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message, IRandom random, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(random);
        Error.CheckLength(privateKey, X25519.KeySize, nameof(privateKey));
        Error.CheckLength(signature, SignatureSize, nameof(signature));
        Sodium.EnsureInitialized();

        Span<byte> a = stackalloc byte[32];
        Span<byte> bigA = stackalloc byte[32];
        try
        {
            DeriveKey(privateKey, a, bigA);
            SignCore(privateKey, a, bigA, message, random, signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(a);
        }
    }

    /// <summary>a = k mod L and A = aB, the Edwards public key with its sign bit, of the X25519 private key k.</summary>
    [SkipLocalsInit]
    internal static void DeriveKey(ReadOnlySpan<byte> privateKey, Span<byte> a, Span<byte> bigA)
    {
        Span<byte> wide = stackalloc byte[64];
        try
        {
            privateKey.CopyTo(wide);
            wide[32..].Clear();
            fixed (byte* pa = a)
            fixed (byte* pw = wide)
            fixed (byte* pA = bigA)
            {
                Sodium.crypto_core_ed25519_scalar_reduce(pa, pw);
                if (Sodium.crypto_scalarmult_ed25519_base_noclamp(pA, pa) != 0)
                {
                    throw new CryptographicException("Invalid XEdDSA private key.");
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wide);
        }
    }

    /// <summary>
    /// The signature proper, given k, a = k mod L and A = aB (<see cref="DeriveKey"/>): one fixed-base
    /// multiplication (R = rB), two SHA-512 and three scalar operations.
    /// </summary>
    [SkipLocalsInit]
    internal static void SignCore(
        ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> a, ReadOnlySpan<byte> bigA, ReadOnlySpan<byte> message, IRandom random, Span<byte> signature)
    {
        Span<byte> wide = stackalloc byte[64];
        Span<byte> r = stackalloc byte[32];
        Span<byte> bigR = stackalloc byte[32];
        Span<byte> h = stackalloc byte[32];
        Span<byte> ha = stackalloc byte[32];
        Span<byte> z = stackalloc byte[64];
        try
        {
            // r = SHA512(0xFE ‖ 0xFF×31 ‖ k ‖ M ‖ Z) mod L
            random.Fill(z);
            Sha512(NoncePrefix, privateKey, message, z, wide);

            fixed (byte* pr = r)
            fixed (byte* pw = wide)
            fixed (byte* pR = bigR)
            {
                Sodium.crypto_core_ed25519_scalar_reduce(pr, pw);
                if (Sodium.crypto_scalarmult_ed25519_base_noclamp(pR, pr) != 0)
                {
                    throw new CryptographicException("XEdDSA nonce was zero.");
                }
            }

            // h = SHA512(R ‖ A ‖ M) mod L, s = h·a + r
            Sha512(bigR, bigA, message, default, wide);

            fixed (byte* ph = h)
            fixed (byte* pw = wide)
            fixed (byte* pha = ha)
            fixed (byte* pa = a)
            fixed (byte* pr = r)
            fixed (byte* ps = signature[32..])
            {
                Sodium.crypto_core_ed25519_scalar_reduce(ph, pw);
                Sodium.crypto_core_ed25519_scalar_mul(pha, ph, pa);
                Sodium.crypto_core_ed25519_scalar_add(ps, pha, pr);
            }

            // Written last, so a signature buffer that overlaps the message does not change what was hashed.
            bigR.CopyTo(signature);
            signature[63] = (byte)((signature[63] & 0x7F) | (bigA[31] & 0x80));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wide);
            CryptographicOperations.ZeroMemory(r);
            CryptographicOperations.ZeroMemory(ha);
            CryptographicOperations.ZeroMemory(z);
        }
    }

    /// <summary>0xFE ‖ 0xFF×31: hash₁'s prefix, 2^256 − 1 − i with i = 1 (XEdDSA §2.5, §5.3).</summary>
    private static ReadOnlySpan<byte> NoncePrefix =>
    [
        0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    /// <summary>
    /// SHA-512 of a ‖ b ‖ c ‖ d: one-shot over a stack copy for the short messages Signal signs (keys), which saves
    /// the two <see cref="IncrementalHash"/> objects per signature; incremental for long ones. The stack copy may
    /// hold the private key, so it is zeroed.
    /// </summary>
    [SkipLocalsInit]
    private static void Sha512(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, Span<byte> hash)
    {
        const int StackLimit = 2048;
        int length = a.Length + b.Length + c.Length + d.Length;
        if (length <= StackLimit)
        {
            Span<byte> input = stackalloc byte[StackLimit];
            input = input[..length];
            a.CopyTo(input);
            b.CopyTo(input[a.Length..]);
            c.CopyTo(input[(a.Length + b.Length)..]);
            d.CopyTo(input[(a.Length + b.Length + c.Length)..]);
            SHA512.HashData(input, hash);
            CryptographicOperations.ZeroMemory(input);
            return;
        }

        using var incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        incremental.AppendData(a);
        incremental.AppendData(b);
        incremental.AppendData(c);
        incremental.AppendData(d);
        incremental.GetHashAndReset(hash);
    }

    /// <summary>
    /// Verifies an XEdDSA signature made with the X25519 key whose public u-coordinate is
    /// <paramref name="publicKey"/>. Wrong sizes return <see langword="false"/>: they are peer input.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != X25519.KeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        Span<byte> edwardsY = stackalloc byte[32];
        return TryConvertPublicKey(publicKey, edwardsY) && VerifyConverted(edwardsY, message, signature);
    }

    /// <summary>
    /// The Edwards y = (u − 1)/(u + 1) of the Montgomery u-coordinate <paramref name="publicKey"/>, canonical, sign
    /// bit clear. False for u = −1, which has no Edwards image (no signature verifies under it).
    /// </summary>
    internal static bool TryConvertPublicKey(ReadOnlySpan<byte> publicKey, Span<byte> edwardsY)
    {
        var u = Field25519.FromBytes(publicKey);
        var one = Field25519.One;
        var denominator = Field25519.Add(u, one);
        if (denominator.IsZero())
        {
            return false;
        }

        var y = Field25519.Mul(Field25519.Sub(u, one), Field25519.Invert(denominator));
        y.ToBytes(edwardsY);
        return true;
    }

    /// <summary>
    /// Verification after <see cref="TryConvertPublicKey"/>: takes A's sign bit from the signature, requires the top
    /// three bits of s to be zero and runs libsodium's strict Ed25519 verification. Wrong sizes return false.
    /// </summary>
    [SkipLocalsInit]
    internal static bool VerifyConverted(ReadOnlySpan<byte> edwardsY, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        Span<byte> edPublic = stackalloc byte[32];
        edwardsY.CopyTo(edPublic);
        edPublic[31] |= (byte)(signature[63] & 0x80);

        Span<byte> sig = stackalloc byte[64];
        signature.CopyTo(sig);
        sig[63] &= 0x7F;
        if ((sig[63] & 0xE0) != 0)
        {
            return false;
        }

        return Ed25519.Verify(edPublic, message, sig);
    }
}
