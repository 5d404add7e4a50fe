using System.Security.Cryptography;
using Sotto.Client.Attachments;
using Sotto.TestSupport;

namespace Sotto.Client.Tests;

public sealed class AttachmentCipherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly SeededRandom _random = new("attachments");

    private (byte[] Key, byte[] Iv, byte[] Plaintext) Material(int size)
    {
        var key = new byte[64];
        var iv = new byte[16];
        var plaintext = new byte[size];
        _random.Fill(key);
        _random.Fill(iv);
        _random.Fill(plaintext);
        return (key, iv, plaintext);
    }

    private static async Task<(byte[] Blob, byte[] Digest)> EncryptAsync(byte[] plaintext, byte[] key, byte[] iv)
    {
        using var blob = new MemoryStream();
        var digest = await AttachmentCipher.EncryptAsync(new MemoryStream(plaintext), plaintext.Length, blob, key, iv, Ct);
        return (blob.ToArray(), digest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(540)]
    [InlineData(541)]
    [InlineData(542)]
    [InlineData(200_000)]
    public async Task EncryptedBlobDecryptsToTheFileWithItsPaddedLength(int size)
    {
        var (key, iv, plaintext) = Material(size);
        var (blob, digest) = await EncryptAsync(plaintext, key, iv);
        Assert.Equal(AttachmentCipher.BlobSize(size), blob.Length);
        Assert.Equal(SHA256.HashData(blob), digest);

        using var output = new MemoryStream();
        await AttachmentCipher.DecryptAsync(new MemoryStream(blob), key, digest, size, output, Ct);
        Assert.Equal(plaintext, output.ToArray());
    }

    [Fact]
    public void SizesArePaddedToFivePercentBuckets()
    {
        Assert.Equal(541, AttachmentCipher.PaddedSize(0));
        Assert.Equal(541, AttachmentCipher.PaddedSize(541));
        foreach (long size in new long[] { 542, 1000, 123_456, 50L * 1024 * 1024 })
        {
            long padded = AttachmentCipher.PaddedSize(size);
            Assert.InRange(padded, size, (long)(size * 1.05) + 1);
        }

        // Sizes in one bucket are indistinguishable to the server.
        Assert.Equal(AttachmentCipher.PaddedSize(1_000_000), AttachmentCipher.PaddedSize(1_000_001));
        Assert.Equal(AttachmentCipher.MaxPlaintextBytes, AttachmentCipher.PaddedSize(AttachmentCipher.MaxPlaintextBytes));
        Assert.Equal(100L * 1024 * 1024, AttachmentCipher.BlobSize(AttachmentCipher.MaxPlaintextBytes));
    }

    [Fact]
    public async Task TamperedTruncatedOrExtendedBlobsAreRefusedAndNothingIsWritten()
    {
        var (key, iv, plaintext) = Material(5000);
        var (blob, digest) = await EncryptAsync(plaintext, key, iv);
        var cases = new List<byte[]>();
        foreach (int position in new[] { 0, 15, 16, 100, blob.Length / 2, blob.Length - 33, blob.Length - 1 })
        {
            var tampered = (byte[])blob.Clone();
            tampered[position] ^= 0x40;
            cases.Add(tampered);
        }

        cases.Add(blob[..^1]);
        cases.Add(blob[..^16]);
        cases.Add([.. blob, 0]);
        foreach (var bad in cases)
        {
            using var output = new MemoryStream();
            var error = await Assert.ThrowsAsync<SottoClientException>(() => AttachmentCipher.DecryptAsync(new MemoryStream(bad), key, digest, plaintext.Length, output, Ct));
            Assert.Equal(ClientError.InvalidAttachment, error.Code);
            Assert.Equal(0, output.Length);
        }
    }

    [Fact]
    public async Task WrongKeyWithTheRightDigestFailsTheMac()
    {
        var (key, iv, plaintext) = Material(3000);
        var (blob, digest) = await EncryptAsync(plaintext, key, iv);
        var otherKey = (byte[])key.Clone();
        otherKey[40] ^= 1;
        using var output = new MemoryStream();
        var error = await Assert.ThrowsAsync<SottoClientException>(() => AttachmentCipher.DecryptAsync(new MemoryStream(blob), otherKey, digest, plaintext.Length, output, Ct));
        Assert.Contains("MAC", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task FiftyMebibytesEncryptWithBoundedMemory()
    {
        const long size = 50L * 1024 * 1024;
        var (key, iv, _) = Material(0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var blob = new CountingStream();
        await AttachmentCipher.EncryptAsync(new PatternStream(size), size, blob, key, iv, Ct);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(AttachmentCipher.BlobSize(size), blob.Length);
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated:N0} bytes on this thread");
    }

    /// <summary>A readable stream of <c>length</c> bytes that holds none of them.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            for (int i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 31);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A writable stream that only counts.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
