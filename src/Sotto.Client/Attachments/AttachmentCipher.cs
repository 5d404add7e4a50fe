using System.Security.Cryptography;

namespace Sotto.Client.Attachments;

/// <summary>
/// Encrypts attachments as a stream, never holding the file in memory (DESIGN.md §3, after the Signal apps'
/// attachment format):
/// <code>
///   key     = 64 random bytes: AES-256 key ‖ HMAC-SHA256 key        (travels inside the E2EE message)
///   padded  = plaintext ‖ zeros up to the size bucket                (hides the exact size from the server)
///   blob    = IV(16) ‖ AES-256-CBC-PKCS7(padded) ‖ HMAC-SHA256(IV ‖ ciphertext)(32)
///   digest  = SHA-256(blob)                                          (travels inside the E2EE message)
/// </code>
/// A receiver checks the digest and the MAC of the whole blob before decrypting a byte, then writes exactly
/// <c>size</c> bytes. Buckets grow by 5 % (at least 541 bytes), capped at <see cref="MaxPlaintextBytes"/>.
/// </summary>
internal static class AttachmentCipher
{
    public const int KeySize = 64;
    public const int DigestSize = 32;
    private const int IvSize = 16;
    private const int MacSize = 32;
    private const int BufferSize = 64 * 1024;

    /// <summary>The largest file: 100 MiB less the encryption overhead, so that every blob fits the server's 100 MiB.</summary>
    public const long MaxPlaintextBytes = (100L * 1024 * 1024) - 64;

    /// <summary>The padded size for <paramref name="size"/> plaintext bytes.</summary>
    public static long PaddedSize(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        long bucket = Math.Max(541, (long)Math.Floor(Math.Pow(1.05, Math.Ceiling(Math.Log(Math.Max(size, 1)) / Math.Log(1.05)))));
        return Math.Min(Math.Max(bucket, size), Math.Max(size, MaxPlaintextBytes));
    }

    /// <summary>The blob size for <paramref name="size"/> plaintext bytes.</summary>
    public static long BlobSize(long size) => IvSize + ((PaddedSize(size) / 16) + 1) * 16 + MacSize;

    /// <summary>
    /// Encrypts <paramref name="size"/> bytes of <paramref name="plaintext"/> into <paramref name="blob"/> and returns the
    /// digest. <paramref name="key"/> (64 bytes) and <paramref name="iv"/> (16 bytes) must be fresh and random.
    /// </summary>
    public static async Task<byte[]> EncryptAsync(Stream plaintext, long size, Stream blob, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> iv, CancellationToken cancellationToken)
    {
        if (key.Length != KeySize || iv.Length != IvSize)
        {
            throw new ArgumentException("The attachment key is 64 bytes and the IV 16.", nameof(key));
        }

        long padded = PaddedSize(size);
        using var aes = Aes.Create();
        aes.Key = key.Span[..32].ToArray();
        using var encryptor = aes.CreateEncryptor(aes.Key, iv.ToArray());
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Span[32..]);
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        async Task WriteAsync(byte[] buffer, int count)
        {
            mac.AppendData(buffer, 0, count);
            digest.AppendData(buffer, 0, count);
            await blob.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }

        var ivBytes = iv.ToArray();
        await WriteAsync(ivBytes, IvSize).ConfigureAwait(false);
        var input = new byte[BufferSize];
        var output = new byte[BufferSize + 32];
        long remaining = padded;
        long plaintextLeft = size;
        while (remaining > 0)
        {
            int chunk = (int)Math.Min(BufferSize, remaining);
            int filled = 0;
            while (filled < chunk && plaintextLeft > 0)
            {
                int read = await plaintext.ReadAsync(input.AsMemory(filled, (int)Math.Min(chunk - filled, plaintextLeft)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new SottoClientException(ClientError.InvalidAttachment, "The file is shorter than its size said (did it change while sending?).");
                }

                filled += read;
                plaintextLeft -= read;
            }

            Array.Clear(input, filled, chunk - filled);
            remaining -= chunk;
            if (remaining == 0)
            {
                var last = encryptor.TransformFinalBlock(input, 0, chunk);
                await WriteAsync(last, last.Length).ConfigureAwait(false);
            }
            else
            {
                int written = encryptor.TransformBlock(input, 0, chunk, output, 0);
                await WriteAsync(output, written).ConfigureAwait(false);
            }
        }

        var tag = mac.GetHashAndReset();
        digest.AppendData(tag);
        await blob.WriteAsync(tag, cancellationToken).ConfigureAwait(false);
        CryptographicOperations.ZeroMemory(input);
        return digest.GetHashAndReset();
    }

    /// <summary>
    /// Checks a downloaded blob (seekable, e.g. a temporary file) against <paramref name="expectedDigest"/> and its MAC,
    /// then decrypts exactly <paramref name="size"/> bytes into <paramref name="plaintext"/>.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.InvalidAttachment"/>: wrong size, digest or MAC (checked before any plaintext is written), or bad padding or length inside a blob whose MAC verified (only a sender holding the key can make one; part of the plaintext may already be written, so write to a scratch file and discard it on failure, as the client does).</exception>
    public static async Task DecryptAsync(Stream blob, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> expectedDigest, long size, Stream plaintext, CancellationToken cancellationToken)
    {
        if (key.Length != KeySize || expectedDigest.Length != DigestSize || size < 0 || size > MaxPlaintextBytes)
        {
            throw Invalid("The attachment's key, digest or size is malformed.");
        }

        long length = blob.Length;
        if (length != BlobSize(size))
        {
            throw Invalid("The attachment has the wrong length (truncated or padded otherwise).");
        }

        // Pass 1: the digest of everything and the MAC of IV ‖ ciphertext, before decrypting anything.
        var buffer = new byte[BufferSize];
        using (var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        using (var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Span[32..]))
        {
            blob.Position = 0;
            long macEnd = length - MacSize;
            long position = 0;
            var tag = new byte[MacSize];
            while (position < length)
            {
                int read = await blob.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, length - position)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw Invalid("The attachment ended early.");
                }

                digest.AppendData(buffer, 0, read);
                long macPart = Math.Clamp(macEnd - position, 0, read);
                mac.AppendData(buffer, 0, (int)macPart);
                for (long i = macPart; i < read; i++)
                {
                    tag[position + i - macEnd] = buffer[i];
                }

                position += read;
            }

            if (!CryptographicOperations.FixedTimeEquals(digest.GetHashAndReset(), expectedDigest.Span))
            {
                throw Invalid("The attachment does not match its digest (tampered or corrupted).");
            }

            if (!CryptographicOperations.FixedTimeEquals(mac.GetHashAndReset(), tag))
            {
                throw Invalid("The attachment's MAC does not verify.");
            }
        }

        // Pass 2: decrypt, writing only the real size (the padding is dropped).
        blob.Position = 0;
        var iv = new byte[IvSize];
        await blob.ReadExactlyAsync(iv, cancellationToken).ConfigureAwait(false);
        using var aes = Aes.Create();
        using var decryptor = aes.CreateDecryptor(key.Span[..32].ToArray(), iv);
        long cipherLeft = length - IvSize - MacSize;
        long toWrite = size;
        var output = new byte[BufferSize + 32];
        while (cipherLeft > 0)
        {
            int chunk = (int)Math.Min(BufferSize, cipherLeft);
            await blob.ReadExactlyAsync(buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
            cipherLeft -= chunk;
            byte[] decrypted;
            int count;
            if (cipherLeft == 0)
            {
                try
                {
                    decrypted = decryptor.TransformFinalBlock(buffer, 0, chunk);
                }
                catch (CryptographicException ex)
                {
                    throw Invalid("The attachment does not decrypt.", ex);
                }

                count = decrypted.Length;
            }
            else
            {
                count = decryptor.TransformBlock(buffer, 0, chunk, output, 0);
                decrypted = output;
            }

            int take = (int)Math.Min(count, toWrite);
            await plaintext.WriteAsync(decrypted.AsMemory(0, take), cancellationToken).ConfigureAwait(false);
            toWrite -= take;
        }

        CryptographicOperations.ZeroMemory(output);
        if (toWrite != 0)
        {
            throw Invalid("The attachment is shorter than its size.");
        }
    }

    private static SottoClientException Invalid(string message, Exception? inner = null) => new(ClientError.InvalidAttachment, message, inner);
}
