using System.Buffers;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// AES-CBC with PKCS#7 padding: the Signal message body cipher (AES-256) and the attachment cipher. Decryption
/// failures — a wrong length or bad padding — return <see langword="false"/>, never an exception: the input comes
/// from a peer. Wrong key, IV or buffer sizes are caller bugs and throw <see cref="ArgumentException"/>.
/// </summary>
/// <remarks>
/// On x86-64 with AES-NI, 256-bit keys run through <see cref="AesNi256"/>: no native call, no allocation, round
/// keys on the stack and zeroed after use (about 5× faster than a one-shot .NET <see cref="Aes"/> for a Signal
/// message; see bench/Sotto.Benchmarks/Crypto/MessageKeyBenchmarks). Other key sizes and other CPUs use .NET's
/// <see cref="Aes"/>. The padding check is constant time in both paths' Sotto code. The span overloads follow NSec:
/// the destination may be the source buffer itself (same start), but must not overlap it otherwise.
/// </remarks>
public static class AesCbc
{
    /// <summary>Size of the IV and of a block.</summary>
    public const int BlockSize = 16;

    /// <summary>Length of the ciphertext for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static int GetCiphertextLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return checked((plaintextLength / BlockSize + 1) * BlockSize);
    }

    /// <summary>
    /// Encrypts with PKCS#7 padding into <paramref name="destination"/>. Returns <see langword="false"/> (writing
    /// nothing) when <paramref name="destination"/> is shorter than <see cref="GetCiphertextLength"/>.
    /// </summary>
    public static bool TryEncrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination, out int bytesWritten)
    {
        CheckKey(key);
        Error.CheckLength(iv, BlockSize, nameof(iv));
        CheckOverlap(plaintext, destination);
        int length = GetCiphertextLength(plaintext.Length);
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        if (AesNi256.IsSupported && key.Length == AesNi256.KeySize)
        {
            AesNi256.EncryptCbc(key, iv, plaintext, destination[..length]);
        }
        else
        {
            using var aes = Aes.Create();
            aes.SetKey(key);
            if (!aes.TryEncryptCbc(plaintext, iv, destination, out int written, PaddingMode.PKCS7) || written != length)
            {
                throw new CryptographicException("AES-CBC encryption produced an unexpected length.");
            }
        }

        bytesWritten = length;
        return true;
    }

    /// <summary>Encrypts with PKCS#7 padding; returns the ciphertext.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[GetCiphertextLength(plaintext.Length)];
        _ = TryEncrypt(key, iv, plaintext, ciphertext, out _);
        return ciphertext;
    }

    /// <summary>
    /// Decrypts and removes PKCS#7 padding into <paramref name="destination"/>, which needs room for
    /// <c>ciphertext.Length − 1</c> bytes (the longest plaintext such a ciphertext can hold). Returns
    /// <see langword="false"/> when the ciphertext is malformed (empty, not whole blocks, bad padding); then
    /// <paramref name="destination"/> holds zeros where plaintext would have been.
    /// </summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten)
    {
        CheckKey(key);
        Error.CheckLength(iv, BlockSize, nameof(iv));
        CheckOverlap(ciphertext, destination);
        if (destination.Length < ciphertext.Length - 1)
        {
            Error.ThrowMinLength(nameof(destination), ciphertext.Length - 1, destination.Length);
        }

        bytesWritten = 0;
        if (ciphertext.Length == 0 || ciphertext.Length % BlockSize != 0)
        {
            return false;
        }

        if (AesNi256.IsSupported && key.Length == AesNi256.KeySize)
        {
            return AesNi256.TryDecryptCbc(key, iv, ciphertext, destination, out bytesWritten);
        }

        using var aes = Aes.Create();
        aes.SetKey(key);
        try
        {
            if (aes.TryDecryptCbc(ciphertext, iv, destination, out bytesWritten, PaddingMode.PKCS7))
            {
                return true;
            }
        }
        catch (CryptographicException)
        {
        }

        CryptographicOperations.ZeroMemory(destination[..Math.Min(destination.Length, ciphertext.Length)]);
        bytesWritten = 0;
        return false;
    }

    /// <summary>Decrypts and removes PKCS#7 padding; <see langword="false"/> when the ciphertext is malformed.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        CheckKey(key);
        Error.CheckLength(iv, BlockSize, nameof(iv));
        plaintext = [];
        if (ciphertext.Length == 0 || ciphertext.Length % BlockSize != 0)
        {
            return false;
        }

        const int StackLimit = 1024;
        byte[]? rented = null;
        Span<byte> buffer = ciphertext.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(ciphertext.Length));
        buffer = buffer[..ciphertext.Length];
        try
        {
            if (!TryDecrypt(key, iv, ciphertext, buffer, out int written))
            {
                return false;
            }

            plaintext = buffer[..written].ToArray();
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            Error.ThrowArgument(nameof(key), $"AES keys are 16, 24 or 32 bytes, not {key.Length}.");
        }
    }

    private static void CheckOverlap(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            Error.ThrowArgument(nameof(destination), "The destination overlaps the source without starting at the same byte.");
        }
    }
}
