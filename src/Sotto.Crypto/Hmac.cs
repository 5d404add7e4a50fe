using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>HMAC-SHA256 (RFC 2104), and constant-time tag checks.</summary>
public static class HmacSha256
{
    /// <summary>Size of a full tag.</summary>
    public const int TagSize = 32;

    /// <summary>Computes HMAC-SHA256(key, data) into <paramref name="tag"/> (32 bytes).</summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        Error.CheckLength(tag, TagSize, nameof(tag));
        HMACSHA256.HashData(key, data, tag);
    }

    /// <summary>
    /// Verifies a tag that may be truncated to its first <c>expected.Length</c> bytes (1 to 32), in constant time.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected)
    {
        if (expected.Length is 0 or > TagSize)
        {
            return false;
        }

        Span<byte> tag = stackalloc byte[TagSize];
        HMACSHA256.HashData(key, data, tag);
        bool equal = CryptographicOperations.FixedTimeEquals(tag[..expected.Length], expected);
        CryptographicOperations.ZeroMemory(tag);
        return equal;
    }
}

/// <summary>SHA-2 and SHA-3 digests.</summary>
public static class Digest
{
    /// <summary>SHA-256.</summary>
    public static void Sha256(ReadOnlySpan<byte> data, Span<byte> hash) => SHA256.HashData(data, hash);

    /// <summary>SHA-512.</summary>
    public static void Sha512(ReadOnlySpan<byte> data, Span<byte> hash) => SHA512.HashData(data, hash);

    /// <summary>SHA3-256 (FIPS 202), Sotto's managed Keccak (no dependency on the OpenSSL build).</summary>
    public static void Sha3_256(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        Error.CheckLength(hash, 32, nameof(hash));
        Keccak.Sha3_256(data, hash);
    }

    /// <summary>SHAKE256 (FIPS 202) of the concatenation of <paramref name="first"/> and <paramref name="second"/>.</summary>
    public static void Shake256(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> output) =>
        Keccak.Shake256(first, second, output);
}

/// <summary>Constant-time comparison for secrets and tags.</summary>
public static class ConstantTime
{
    /// <summary>True when both spans have the same length and contents; time depends only on the length.</summary>
    public static bool Equals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        CryptographicOperations.FixedTimeEquals(left, right);
}
