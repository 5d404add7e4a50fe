using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439) with a 96-bit nonce and a 128-bit tag, the AEAD of MLS cipher suite 3 and HPKE
/// AEAD id 0x0003. A failed tag check returns <see langword="false"/> (NSec <c>Decrypt</c>).
/// </summary>
public static class ChaCha20Poly1305Aead
{
    /// <summary>Key size.</summary>
    public const int KeySize = 32;

    /// <summary>Nonce size.</summary>
    public const int NonceSize = 12;

    /// <summary>Tag size.</summary>
    public const int TagSize = 16;

    /// <summary>True when the platform's cryptography library provides ChaCha20-Poly1305.</summary>
    public static bool IsSupported => ChaCha20Poly1305.IsSupported;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (plaintext length + 16: ciphertext ‖ tag).</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext)
    {
        Error.CheckLength(key, KeySize, nameof(key));
        Error.CheckLength(nonce, NonceSize, nameof(nonce));
        Error.CheckLength(ciphertext, plaintext.Length + TagSize, nameof(ciphertext));
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plaintext, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], associatedData);
    }

    /// <summary>
    /// Decrypts ciphertext ‖ tag into <paramref name="plaintext"/> (ciphertext length − 16 bytes).
    /// Returns <see langword="false"/> when the input is too short or the tag does not verify.
    /// </summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        Error.CheckLength(key, KeySize, nameof(key));
        Error.CheckLength(nonce, NonceSize, nameof(nonce));
        if (ciphertext.Length < TagSize || plaintext.Length != ciphertext.Length - TagSize)
        {
            return false;
        }

        using var aead = new ChaCha20Poly1305(key);
        try
        {
            aead.Decrypt(nonce, ciphertext[..^TagSize], ciphertext[^TagSize..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }
}
