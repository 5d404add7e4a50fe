using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>HKDF with SHA-256 (RFC 5869), over .NET's implementation.</summary>
public static class Hkdf
{
    /// <summary>Output size of the hash (and of a pseudo-random key).</summary>
    public const int HashSize = 32;

    /// <summary>The largest output HKDF-SHA256 can produce: 255 × 32 bytes.</summary>
    public const int MaxOutputSize = 255 * HashSize;

    /// <summary>HKDF-Extract: PRK = HMAC(salt, IKM). An empty salt means 32 zero bytes.</summary>
    public static void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> pseudoRandomKey)
    {
        Error.CheckLength(pseudoRandomKey, HashSize, nameof(pseudoRandomKey));
        HKDF.Extract(HashAlgorithmName.SHA256, inputKeyMaterial, salt, pseudoRandomKey);
    }

    /// <summary>HKDF-Expand: fills <paramref name="output"/> (at most <see cref="MaxOutputSize"/> bytes).</summary>
    public static void Expand(ReadOnlySpan<byte> pseudoRandomKey, ReadOnlySpan<byte> info, Span<byte> output)
    {
        CheckOutput(output.Length);
        if (pseudoRandomKey.Length < HashSize)
        {
            Error.ThrowMinLength(nameof(pseudoRandomKey), HashSize, pseudoRandomKey.Length);
        }

        HKDF.Expand(HashAlgorithmName.SHA256, pseudoRandomKey, output, info);
    }

    /// <summary>Extract then Expand in one call.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        CheckOutput(output.Length);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
    }

    private static void CheckOutput(int length)
    {
        if (length is 0 or > MaxOutputSize)
        {
            Error.ThrowArgument("output", $"HKDF-SHA256 output must be 1 to {MaxOutputSize} bytes, not {length}.");
        }
    }
}
