using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// AES-GCM with a 96-bit nonce and a 128-bit tag (RFC 5116 AEAD_AES_128_GCM / AEAD_AES_256_GCM).
/// A failed tag check returns <see langword="false"/> (NSec <c>Decrypt</c>).
/// </summary>
public static class AesGcmAead
{
    /// <summary>Nonce size.</summary>
    public const int NonceSize = 12;

    /// <summary>Tag size.</summary>
    public const int TagSize = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (plaintext length + 16: ciphertext ‖ tag).</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext)
    {
        Error.CheckLength(nonce, NonceSize, nameof(nonce));
        Error.CheckLength(ciphertext, plaintext.Length + TagSize, nameof(ciphertext));
        using var gcm = Create(key);
        gcm.Encrypt(nonce, plaintext, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], associatedData);
    }

    /// <summary>Encrypts and returns ciphertext ‖ tag.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var result = new byte[plaintext.Length + TagSize];
        Encrypt(key, nonce, plaintext, associatedData, result);
        return result;
    }

    /// <summary>
    /// Decrypts ciphertext ‖ tag into <paramref name="plaintext"/> (ciphertext length − 16 bytes).
    /// Returns <see langword="false"/> when the input is too short or the tag does not verify.
    /// </summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        Error.CheckLength(nonce, NonceSize, nameof(nonce));
        if (ciphertext.Length < TagSize || plaintext.Length != ciphertext.Length - TagSize)
        {
            return false;
        }

        using var gcm = Create(key);
        try
        {
            gcm.Decrypt(nonce, ciphertext[..^TagSize], ciphertext[^TagSize..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    /// <summary>Decrypts ciphertext ‖ tag; <see langword="null"/> when it does not authenticate.</summary>
    public static byte[]? Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData)
    {
        if (ciphertext.Length < TagSize)
        {
            return null;
        }

        var plaintext = new byte[ciphertext.Length - TagSize];
        return TryDecrypt(key, nonce, ciphertext, associatedData, plaintext) ? plaintext : null;
    }

    private static AesGcm Create(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            Error.ThrowArgument(nameof(key), $"AES keys are 16, 24 or 32 bytes, not {key.Length}.");
        }

        return new AesGcm(key, TagSize);
    }
}
