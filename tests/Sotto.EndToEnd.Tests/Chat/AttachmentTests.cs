using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Sotto.Client;
using Sotto.EndToEnd.Tests.Support;
using Sotto.TestSupport;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>Attachments end to end: encrypted on the client, opaque on the server, checked and saved by the recipient.</summary>
public sealed class AttachmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AttachmentReachesTheRecipientAndTheSendersOtherDevice()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var aliceLaptop = await server.LinkAsync(alice, "alice-laptop");
        var bob = await server.RegisterAsync("bob");
        var file = WriteFile(server, "holiday.jpg", 300_000);

        var progress = new List<long>();
        var sent = await alice.SendAttachmentAsync("bob", "photos!", file, new SyncProgress(progress.Add), Ct);
        Assert.NotEmpty(progress);

        var received = Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync()));
        Assert.Equal((sent.Id, "photos!"), (received.Id, received.Text));
        var attachment = Assert.Single(received.Attachments);
        Assert.Equal(("holiday.jpg", "image/jpeg", 300_000L, (string?)null), (attachment.FileName, attachment.ContentType, attachment.Size, attachment.Error));
        Assert.StartsWith(server.ProfilePath("bob"), attachment.Path, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(file, Ct), await File.ReadAllBytesAsync(attachment.Path!, Ct));

        var synced = Assert.IsType<MessageSent>(Assert.Single(await aliceLaptop.ReceiveAllAsync()));
        Assert.Equal(await File.ReadAllBytesAsync(file, Ct), await File.ReadAllBytesAsync(Assert.Single(synced.Attachments).Path!, Ct));
        Assert.Equal(file, Assert.Single(Assert.Single(await alice.GetHistoryAsync("bob", Ct)).Attachments).Path);
        Assert.Equal(attachment.Path, Assert.Single(Assert.Single(await bob.GetHistoryAsync("alice", Ct)).Attachments).Path);

        // The server holds only ciphertext: no window of the file appears in its blob.
        var blob = Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "attachments"), "*", SearchOption.AllDirectories), f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp");
        var original = await File.ReadAllBytesAsync(file, Ct);
        Assert.True((await File.ReadAllBytesAsync(blob, Ct)).AsSpan().IndexOf(original.AsSpan(1000, 64)) < 0);
    }

    [Fact]
    public async Task TamperedBlobIsRefusedAndNothingIsSaved()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendAttachmentAsync("bob", "see attached", WriteFile(server, "report.pdf", 20_000), null, Ct);

        // The server (or anyone on its disk) flips one byte of the stored blob.
        var blob = Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "attachments"), "*", SearchOption.AllDirectories), f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp");
        var bytes = await File.ReadAllBytesAsync(blob, Ct);
        bytes[5000] ^= 1;
        await File.WriteAllBytesAsync(blob, bytes, Ct);

        var received = Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync()));
        var attachment = Assert.Single(received.Attachments);
        Assert.Null(attachment.Path);
        Assert.Contains("digest", attachment.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.ProfilePath("bob"), "attachments")) && Directory.EnumerateFiles(Path.Combine(server.ProfilePath("bob"), "attachments"), "*", SearchOption.AllDirectories).Any());
        Assert.Equal("see attached", Assert.Single(await bob.GetHistoryAsync("alice", Ct)).Text);
    }

    [Fact]
    public async Task FileOverTheLimitIsRefusedBeforeAnythingIsUploaded()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var path = Path.Combine(server.Root, "huge.bin");
        await using (var stream = File.Create(path))
        {
            stream.SetLength(SottoClient.MaxAttachmentBytes + 1);
        }

        var error = await Assert.ThrowsAsync<SottoClientException>(() => alice.SendAttachmentAsync("bob", null, path, null, Ct));
        Assert.Equal(ClientError.InvalidAttachment, error.Code);
        Assert.Empty(await bob.ReceiveAllAsync());
        Assert.Empty(await alice.GetHistoryAsync("bob", Ct));
        var blobs = Path.Combine(server.DataDirectory, "attachments");
        Assert.False(Directory.Exists(blobs) && Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task ExpiryAndDeleteForEveryoneDeleteTheRecipientsFile()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bob = await server.RegisterAsync("bob", clock);

        var deleted = await alice.SendAttachmentAsync("bob", null, WriteFile(server, "a.txt", 1000), null, Ct);
        await alice.SetTimerAsync("bob", 10, Ct);
        var timed = await alice.SendAttachmentAsync("bob", null, WriteFile(server, "b.txt", 1000), null, Ct);
        var events = await bob.ReceiveAllAsync();
        var paths = events.OfType<MessageReceived>().ToDictionary(m => m.Id, m => Assert.Single(m.Attachments).Path!);
        Assert.True(File.Exists(paths[deleted.Id]) && File.Exists(paths[timed.Id]));

        await alice.DeleteForEveryoneAsync("bob", deleted.Id, Ct);
        await bob.ReceiveAllAsync();
        await WaitUntilAsync(() => !File.Exists(paths[deleted.Id]));

        await bob.MarkSeenAsync("alice", [timed.Id], Ct);
        clock.Advance(TimeSpan.FromSeconds(11));
        await WaitUntilAsync(() => !File.Exists(paths[timed.Id]));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.ProfilePath("bob"), "attachments"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task FiftyMebibyteFileRoundTripsThroughTheCliWithBoundedMemory()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), bob = server.ProfilePath("bob");
        (await Support.Cli.RunAsync("--profile", alice, "register", "alice", "--server", url)).Succeeded();
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url)).Succeeded();
        var file = WriteFile(server, "big.bin", 50 * 1024 * 1024);

        var (send, sendPeak) = await RunMeasuredAsync("--profile", alice, "send", "bob", "50 MiB", "--attach", file, "--json");
        send.Succeeded();
        var (receive, receivePeak) = await RunMeasuredAsync("--profile", bob, "receive", "--json", "--timeout", "0");
        var message = receive.Succeeded().JsonLines.Single(j => j.GetProperty("type").GetString() == "message");
        var saved = message.GetProperty("attachments")[0].GetProperty("path").GetString()!;

        Assert.Equal(await HashAsync(file), await HashAsync(saved));
        TestContext.Current.SendDiagnosticMessage($"50 MiB attachment: peak RSS of sotto send {sendPeak / 1024 / 1024} MiB, of sotto receive {receivePeak / 1024 / 1024} MiB");
        Directory.CreateDirectory(Path.Combine(Vectors.RepositoryRoot, ".test-logs"));
        await File.AppendAllTextAsync(Path.Combine(Vectors.RepositoryRoot, ".test-logs", "attachment-rss.txt"), $"{DateTimeOffset.UtcNow:O} send {sendPeak} receive {receivePeak}\n", Ct);
        Assert.True(sendPeak < 200L * 1024 * 1024, $"send peak RSS {sendPeak:N0}");
        Assert.True(receivePeak < 200L * 1024 * 1024, $"receive peak RSS {receivePeak:N0}");
    }

    /// <summary>Runs the CLI and samples its peak resident set (VmHWM) until it exits.</summary>
    private static async Task<(CliResult Result, long PeakRss)> RunMeasuredAsync(params string[] args)
    {
        using var process = Support.Cli.Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        long peak = 0;
        var status = $"/proc/{process.Id}/status";
        var watch = Stopwatch.StartNew();
        while (!process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            try
            {
                foreach (var line in await File.ReadAllLinesAsync(status, Ct))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024);
                    }
                }
            }
            catch (IOException)
            {
            }

            await Task.Delay(20, Ct);
        }

        await process.WaitForExitAsync(Ct);
        Assert.True(peak > 0, "could not sample the process");
        return (new CliResult(process.ExitCode, await stdout, await stderr), peak);
    }

    private static string WriteFile(LoopbackServer server, string name, int size)
    {
        var path = Path.Combine(server.Root, name);
        var random = new SeededRandom(name);
        using var stream = File.Create(path);
        var buffer = new byte[64 * 1024];
        for (int left = size; left > 0; left -= buffer.Length)
        {
            random.Fill(buffer);
            stream.Write(buffer, 0, Math.Min(left, buffer.Length));
        }

        return path;
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream, Ct));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), "not within 2 s");
            await Task.Delay(25, Ct);
        }
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
