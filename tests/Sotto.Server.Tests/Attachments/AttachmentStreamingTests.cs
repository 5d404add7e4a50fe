using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Sotto.Server.Tests.Support;
using Sotto.TestSupport;
using Sotto.Wire;

namespace Sotto.Server.Tests.Attachments;

/// <summary>
/// The default 100 MiB limit against the real server process: a blob of exactly the limit goes up and comes back
/// byte for byte while the server's peak resident memory grows by a small fraction of it (the body is streamed to
/// disk and from disk, never held), and one byte more is refused before the body is sent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AttachmentStreamingTests : IDisposable
{
    private const long Limit = 100L * 1024 * 1024;
    private const long MaxGrowth = 24L * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ScratchDirectory _data = ScratchDirectory.Create("attachments-");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ABlobOfExactlyTheLimitRoundTripsWithBoundedServerMemoryAndOneByteMoreIs413()
    {
        using var server = await ServerProcess.StartAsync(_data.Path, ServerProcess.FreePort());
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("alice"), "alice");
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(alice.Username, 1, alice.Password));
        (await Api.UploadAsync(client, new byte[1000])).Dispose();   // warm up the upload path
        server.ResetPeakMemory();
        long before = server.Memory("VmRSS");

        var source = new PatternStream(Limit);
        using var upload = new StreamContent(source, 64 * 1024);
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        upload.Headers.ContentLength = Limit;
        var uploaded = await Api.ReadAsync<AttachmentUploaded>(await client.PostAsync("/v1/attachments", upload, Ct), HttpStatusCode.Created);
        long afterUpload = server.Memory("VmHWM");

        using var download = await client.GetAsync($"/v1/attachments/{uploaded.Id}", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var body = await download.Content.ReadAsStreamAsync(Ct))
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, Ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }

            Assert.Equal(Limit, total);
        }

        long afterDownload = server.Memory("VmHWM");
        Assert.Equal(Limit, uploaded.Size);
        Assert.Equal(source.Hash(), hash.GetHashAndReset());
        TestContext.Current.SendDiagnosticMessage($"server RSS {before >> 20} MiB; peak after upload {afterUpload >> 20} MiB, after download {afterDownload >> 20} MiB");
        Assert.True(afterUpload - before < MaxGrowth, $"the upload grew the server by {(afterUpload - before) >> 20} MiB");
        Assert.True(afterDownload - before < MaxGrowth, $"the download grew the server by {(afterDownload - before) >> 20} MiB");

        using var over = new HttpRequestMessage(HttpMethod.Post, "/v1/attachments") { Content = new StreamContent(new PatternStream(Limit + 1)) };
        over.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        over.Content.Headers.ContentLength = Limit + 1;
        over.Headers.ExpectContinue = true;
        using var refused = await client.SendAsync(over, Ct);
        await Api.ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge);
    }

    /// <summary>A read-only stream of <c>length</c> pseudo-random bytes that remembers their SHA-256 once read to the end.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private readonly Random _random = new(42);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private byte[]? _digest;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public byte[] Hash() => _digest ?? throw new InvalidOperationException("not read to the end");

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            _hash.AppendData(buffer[..n]);
            _position += n;
            if (_position == length && _digest is null)
            {
                _digest = _hash.GetHashAndReset();
            }

            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
