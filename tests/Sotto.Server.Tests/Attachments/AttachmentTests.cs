using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sotto.Server.Storage;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Attachments;

/// <summary>Attachment blobs through the in-process server: upload, download, ranges, deletion, deadlines, refusals.</summary>
public sealed class AttachmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Blob(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<(HttpClient Alice, HttpClient Bob)> ClientsAsync(SottoServerFactory server)
    {
        using var anonymous = server.CreateClient();
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("alice"), "alice", registrationId: 10);
        var bob = await Api.RegisterAsync(anonymous, new TestIdentity("bob"), "bob", registrationId: 20);
        return (server.ClientFor(alice), server.ClientFor(bob));
    }

    private static string[] BlobFiles(SottoServerFactory server)
    {
        var root = Path.Combine(server.DataDirectory, "attachments");
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    [Fact]
    public async Task AnUploadedBlobIsStoredAsAFileAndAnyDeviceDownloadsTheSameBytes()
    {
        using var server = new SottoServerFactory();
        var (alice, bob) = await ClientsAsync(server);
        var blob = Blob(300_000);
        var before = DateTimeOffset.UtcNow;

        var uploaded = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, blob), HttpStatusCode.Created);

        Assert.True(AttachmentIds.IsValid(uploaded.Id));
        Assert.Equal(blob.Length, uploaded.Size);
        Assert.InRange(uploaded.Deadline, before.AddDays(14).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddDays(14).ToUnixTimeMilliseconds());
        Assert.Equal([Path.Combine(uploaded.Id[..2], uploaded.Id)], BlobFiles(server));
        Assert.Equal(blob, await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, "attachments", uploaded.Id[..2], uploaded.Id), Ct));
        using var download = await bob.GetAsync($"/v1/attachments/{uploaded.Id}", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(blob.Length, download.Content.Headers.ContentLength);
        Assert.True(download.Headers.CacheControl?.NoStore);
        Assert.Equal(blob, await download.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task TwoUploadsOfTheSameBytesGetDifferentUnguessableIds()
    {
        using var server = new SottoServerFactory();
        var (alice, _) = await ClientsAsync(server);

        var first = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, [1, 2, 3]), HttpStatusCode.Created);
        var second = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, [1, 2, 3]), HttpStatusCode.Created);

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, BlobFiles(server).Length);
    }

    [Fact]
    public async Task ARangeRequestGetsPartialContentAndARangePastTheEndGets416()
    {
        using var server = new SottoServerFactory();
        var (alice, bob) = await ClientsAsync(server);
        var blob = Blob(10_000);
        var uploaded = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, blob), HttpStatusCode.Created);

        using var partial = new HttpRequestMessage(HttpMethod.Get, $"/v1/attachments/{uploaded.Id}") { Headers = { Range = new RangeHeaderValue(1000, 1999) } };
        using var partialResponse = await bob.SendAsync(partial, Ct);
        using var tail = new HttpRequestMessage(HttpMethod.Get, $"/v1/attachments/{uploaded.Id}") { Headers = { Range = new RangeHeaderValue(9_990, null) } };
        using var tailResponse = await bob.SendAsync(tail, Ct);
        using var outside = new HttpRequestMessage(HttpMethod.Get, $"/v1/attachments/{uploaded.Id}") { Headers = { Range = new RangeHeaderValue(20_000, null) } };
        using var outsideResponse = await bob.SendAsync(outside, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, partialResponse.StatusCode);
        Assert.Equal("bytes 1000-1999/10000", partialResponse.Content.Headers.ContentRange?.ToString());
        Assert.Equal(blob[1000..2000], await partialResponse.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(blob[9_990..], await tailResponse.Content.ReadAsByteArrayAsync(Ct));
        await Api.ProblemAsync(outsideResponse, HttpStatusCode.RequestedRangeNotSatisfiable, ProblemCodes.RangeNotSatisfiable);
        Assert.Equal("bytes */10000", outsideResponse.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task OnlyTheUploaderDeletesABlobAndDeletingRemovesItsFile()
    {
        using var server = new SottoServerFactory();
        var (alice, bob) = await ClientsAsync(server);
        var uploaded = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, Blob(100)), HttpStatusCode.Created);

        using var byBob = await bob.DeleteAsync($"/v1/attachments/{uploaded.Id}", Ct);
        await Api.ProblemAsync(byBob, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.Single(BlobFiles(server));

        using var byAlice = await alice.DeleteAsync($"/v1/attachments/{uploaded.Id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, byAlice.StatusCode);
        Assert.Empty(BlobFiles(server));
        using var download = await bob.GetAsync($"/v1/attachments/{uploaded.Id}", Ct);
        await Api.ProblemAsync(download, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task BlobsPastTheirDeadlineAreRefusedAndThenDeletedByTheSweeperThoughNeverFetched()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Attachments:SweepIntervalSeconds"] = "60" }, time);
        var (alice, bob) = await ClientsAsync(server);
        var shortLived = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, Blob(5000, 1), ttlSeconds: 30), HttpStatusCode.Created);
        var longLived = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(alice, Blob(5000, 2)), HttpStatusCode.Created);
        Assert.Equal(time.GetUtcNow().AddSeconds(30).ToUnixTimeMilliseconds(), shortLived.Deadline);
        Assert.Equal(time.GetUtcNow().AddDays(14).ToUnixTimeMilliseconds(), longLived.Deadline);
        var store = server.Service<IAttachmentStore>();

        time.Advance(TimeSpan.FromSeconds(30));
        using (var late = await bob.GetAsync($"/v1/attachments/{shortLived.Id}", Ct))
        {
            await Api.ProblemAsync(late, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        }

        time.Advance(TimeSpan.FromSeconds(30));   // the sweep interval
        var shortFile = Path.Combine(server.DataDirectory, "attachments", shortLived.Id[..2], shortLived.Id);
        Assert.True(await Eventually.HoldsAsync(() => ValueTask.FromResult(!File.Exists(shortFile))), "the expired blob's file is still there");
        Assert.True(await Eventually.HoldsAsync(async () => (await store.FindExpiredAsync(time.GetUtcNow(), 10, Ct)).Count == 0), "the expired blob's record is still there");
        Assert.Equal([Path.Combine(longLived.Id[..2], longLived.Id)], BlobFiles(server));

        time.Advance(TimeSpan.FromDays(14));
        Assert.True(await Eventually.HoldsAsync(() => ValueTask.FromResult(BlobFiles(server).Length == 0)), "the second blob outlived its deadline");
        Assert.True(await Eventually.HoldsAsync(async () => await store.FindAsync(longLived.Id, DateTimeOffset.UnixEpoch, Ct) is null), "the second blob's record outlived its deadline");
    }

    [Fact]
    public async Task AnUploadOverTheLimitIs413AndStoresNothing()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Attachments:MaxBytes"] = "4096" });
        var (alice, _) = await ClientsAsync(server);
        var before = DatabaseSnapshot.Take(server.DataDirectory);

        using var over = await Api.UploadAsync(alice, Blob(4097));

        var problem = await Api.ProblemAsync(over, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge);
        Assert.Contains("4096", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, DatabaseSnapshot.Take(server.DataDirectory));
        using var exactly = await Api.UploadAsync(alice, Blob(4096));
        Assert.Equal(HttpStatusCode.Created, exactly.StatusCode);
        Assert.Single(BlobFiles(server));
    }

    [Fact]
    public async Task AnUploadWithoutADeclaredLengthIs411AndStoresNothing()
    {
        using var server = new SottoServerFactory(kestrel: true);
        var (alice, _) = await ClientsAsync(server);
        var before = DatabaseSnapshot.Take(server.DataDirectory);
        var content = new StreamContent(new MemoryStream(Blob(1000)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attachments") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await alice.SendAsync(request, Ct);

        await Api.ProblemAsync(response, HttpStatusCode.LengthRequired, ProblemCodes.LengthRequired);
        Assert.Equal(before, DatabaseSnapshot.Take(server.DataDirectory));
    }

    [Fact]
    public async Task ABodyShorterThanItsDeclaredLengthStoresNothingAndLeavesNoTemporaryFile()
    {
        using var server = new SottoServerFactory(kestrel: true);
        using var anonymous = server.CreateClient();
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("alice"), "alice");
        var before = DatabaseSnapshot.Take(server.DataDirectory);

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, anonymous.BaseAddress!.Port, Ct);
            var stream = tcp.GetStream();
            var head = "POST /v1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                $"Authorization: {DeviceAuth.BasicHeaderValue(alice.Username, 1, alice.Password)}\r\n" +
                "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
            await stream.WriteAsync(Blob(70_000), Ct);
            await stream.FlushAsync(Ct);
            tcp.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(Eventually.Patience);
            try
            {
                while (await stream.ReadAsync(buffer, cts.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // The server may reset the connection instead of answering: the client broke the framing.
            }
        }

        // The refusal happens on the server's request thread after the client has gone; wait for it to clean up.
        Assert.True(await Eventually.HoldsAsync(() => ValueTask.FromResult(before == DatabaseSnapshot.Take(server.DataDirectory))), "the broken upload left state behind");
        using var health = await anonymous.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("text/plain", null, HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType)]
    [InlineData(null, null, HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType)]
    [InlineData("application/octet-stream", "0", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest)]
    [InlineData("application/octet-stream", "1209601", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest)]
    [InlineData("application/octet-stream", "ten", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest)]
    public async Task AnUploadWithABadTypeOrTtlIsRefusedAndStoresNothing(string? contentType, string? ttl, HttpStatusCode status, string code)
    {
        using var server = new SottoServerFactory();
        var (alice, _) = await ClientsAsync(server);
        var before = DatabaseSnapshot.Take(server.DataDirectory);
        var content = new ByteArrayContent(Blob(100));
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);

        using var response = await alice.PostAsync(ttl is null ? "/v1/attachments" : "/v1/attachments?ttlSeconds=" + ttl, content, Ct);

        await Api.ProblemAsync(response, status, code);
        Assert.Equal(before, DatabaseSnapshot.Take(server.DataDirectory));
    }

    [Fact]
    public async Task UnknownAndMalformedIdsAreRefused()
    {
        using var server = new SottoServerFactory();
        var (alice, _) = await ClientsAsync(server);

        using var unknown = await alice.GetAsync("/v1/attachments/" + new string('a', 32), Ct);
        using var upper = await alice.GetAsync("/v1/attachments/" + new string('A', 32), Ct);
        using var shortId = await alice.GetAsync("/v1/attachments/abc", Ct);

        await Api.ProblemAsync(unknown, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await Api.ProblemAsync(upper, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        await Api.ProblemAsync(shortId, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
    }

    [Fact]
    public async Task TemporaryFilesLeftByACrashAreRemovedWhenTheServerStarts()
    {
        using var server = new SottoServerFactory();
        var temp = Path.Combine(server.DataDirectory, "attachments", "tmp");
        Directory.CreateDirectory(temp);
        await File.WriteAllBytesAsync(Path.Combine(temp, "interrupted.part"), Blob(10), Ct);

        using var health = await server.CreateClient().GetAsync("/health", Ct);
        _ = server.Service<Features.Attachments.AttachmentFiles>();

        Assert.Empty(Directory.EnumerateFiles(temp));
    }
}
