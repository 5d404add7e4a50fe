using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// HKDF-SHA256 Expand (RFC 5869 §2.3) for outputs of at most one hash length:
/// <c>OKM = T(1)[..L]</c>, <c>T(1) = HMAC-SHA256(PRK, info ‖ 0x01)</c>. MLS derives every key, nonce and ratchet
/// secret this way, several times per message; a call into the platform's HKDF costs more than the four SHA-256
/// compressions themselves, so this path runs them through <see cref="HmacSha256Key"/> (OpenSSL's SHA-NI
/// compression function, called directly). Results equal <see cref="Hkdf.Expand"/>'s (tests compare them).
/// </summary>
public static class HkdfSha256Short
{
    /// <summary>The largest output: one SHA-256 block of output.</summary>
    public const int MaxOutputSize = 32;

    private const int BlockSize = 64;

    /// <summary>Fills <paramref name="output"/> (1 to 32 bytes) with HKDF-Expand(prk, info, output.Length).</summary>
    public static void Expand(ReadOnlySpan<byte> pseudoRandomKey, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > MaxOutputSize)
        {
            Error.ThrowArgument(nameof(output), $"Output must be 1 to {MaxOutputSize} bytes, not {output.Length}.");
        }

        if (pseudoRandomKey.Length is < Hkdf.HashSize or > BlockSize)
        {
            Error.ThrowArgument(nameof(pseudoRandomKey), $"The PRK must be {Hkdf.HashSize} to {BlockSize} bytes.");
        }

        Span<byte> block = stackalloc byte[32];
        try
        {
            using var key = new HmacSha256Key(pseudoRandomKey);
            key.Compute(info, [0x01], default, block);
            block[..output.Length].CopyTo(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }
}
