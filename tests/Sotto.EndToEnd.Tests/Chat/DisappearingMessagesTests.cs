using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Sotto.Client;
using Sotto.Client.Storage;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>
/// Disappearing messages as DESIGN.md §5 states them: the timer is an end-to-end control message, every message
/// carries it, the sender's copies count down from sending and a recipient's from first seen (14 days when never
/// seen), and the client's scheduler deletes them on time, leaving no byte of the plaintext in the files.
/// The history is inspected straight from the database, so that these tests see what the scheduler did (reading it
/// through the SDK would delete expired messages itself).
/// </summary>
public sealed class DisappearingMessagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TimerChangeReachesBothHistoriesAndEveryMessageCarriesIt()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");

        await alice.SetTimerAsync("bob", 30, Ct);
        var changed = Assert.IsType<TimerChanged>(Assert.Single(await bob.ReceiveAllAsync()));
        Assert.Equal(("alice", "alice", 30u), (changed.From, changed.Conversation, changed.ExpiresInSeconds));
        Assert.Equal(30u, await bob.GetTimerAsync("alice", Ct));

        await alice.SendTextAsync("bob", "timed", Ct);
        Assert.Equal(30u, Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync())).ExpiresInSeconds);
        await bob.SendTextAsync("alice", "timed too", Ct);
        Assert.Equal(30u, Assert.IsType<MessageReceived>(Assert.Single(await alice.ReceiveAllAsync())).ExpiresInSeconds);

        await bob.SetTimerAsync("alice", 0, Ct);
        Assert.Null(Assert.IsType<TimerChanged>(Assert.Single(await alice.ReceiveAllAsync())).ExpiresInSeconds);
        await alice.SendTextAsync("bob", "untimed", Ct);
        Assert.Null(Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync())).ExpiresInSeconds);

        foreach (var (client, peer) in new[] { (alice, "bob"), (bob, "alice") })
        {
            var history = await client.GetHistoryAsync(peer, Ct);
            Assert.Equal(
                [(HistoryKind.TimerChanged, "alice", (uint?)30), (HistoryKind.Message, "alice", 30), (HistoryKind.Message, "bob", 30), (HistoryKind.TimerChanged, "bob", null), (HistoryKind.Message, "alice", null)],
                history.Select(h => (h.Kind, h.From, h.ExpiresInSeconds)));
        }
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(86_401u)]
    public async Task TimerOutsideFiveSecondsToOneDayIsRefusedAndSendsNothing(uint seconds)
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var error = await Assert.ThrowsAsync<SottoClientException>(() => alice.SetTimerAsync("bob", seconds, Ct));
        Assert.Equal(ClientError.InvalidTimer, error.Code);
        Assert.Empty(await bob.ReceiveAllAsync());
        Assert.Equal(0u, await alice.GetTimerAsync("bob", Ct));
    }

    [Fact]
    public async Task SendersCopyDisappearsWhenTheTimerRunsOutFromSending()
    {
        await using var server = await LoopbackServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var alice = await server.RegisterAsync("alice", clock);
        await server.RegisterAsync("bob");
        await alice.SetTimerAsync("bob", 60, Ct);
        await alice.SendTextAsync("bob", "gone in a minute", Ct);
        Assert.Equal(1, MessageRows(server.ProfilePath("alice")));

        clock.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(200, Ct);
        Assert.Equal(1, MessageRows(server.ProfilePath("alice")));

        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => MessageRows(server.ProfilePath("alice")) == 0, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RecipientsCountdownStartsWhenSeenAndUnseenLastFourteenDays()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bob = await server.RegisterAsync("bob", clock);
        await alice.SetTimerAsync("bob", 60, Ct);
        var seen = await alice.SendTextAsync("bob", "read me", Ct);
        await alice.SendTextAsync("bob", "never read", Ct);
        await bob.ReceiveAllAsync();
        string profile = server.ProfilePath("bob");
        Assert.Equal(2, MessageRows(profile));

        // Not seen: a day later both are still there.
        clock.Advance(TimeSpan.FromDays(1));
        await Task.Delay(200, Ct);
        Assert.Equal(2, MessageRows(profile));

        // Seen now: gone 60 seconds later; the other one stays.
        await bob.MarkSeenAsync("alice", [seen.Id], Ct);
        clock.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(200, Ct);
        Assert.Equal(2, MessageRows(profile));
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => MessageRows(profile) == 1, TimeSpan.FromSeconds(1));

        // Never seen: gone 14 days after delivery.
        clock.Advance(TimeSpan.FromDays(13) - TimeSpan.FromMinutes(2));
        await Task.Delay(200, Ct);
        Assert.Equal(1, MessageRows(profile));
        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => MessageRows(profile) == 0, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ClientThatWasOffDeletesExpiredMessagesBeforeShowingAnything()
    {
        await using var server = await LoopbackServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var alice = await server.RegisterAsync("alice", clock);
        await server.RegisterAsync("bob");
        await alice.SetTimerAsync("bob", 5, Ct);
        await alice.SendTextAsync("bob", "short lived", Ct);
        await alice.DisposeAsync();

        // Ten seconds pass while the client is off; a new client on the same profile shows nothing of it.
        clock.Advance(TimeSpan.FromSeconds(10));
        var again = server.NewClient("alice", time: clock);
        var history = await again.GetHistoryAsync("bob", Ct);
        Assert.Equal([HistoryKind.TimerChanged], history.Select(h => h.Kind));
    }

    [Fact]
    public async Task FiveSecondTimerThroughTheRealServerLeavesNoPlaintextInTheFiles()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SetTimerAsync("bob", 5, Ct);
        await bob.ReceiveAllAsync();

        const string secret = "self-destructing secret 4c1e7a";
        var clock = Stopwatch.StartNew();
        var sent = await alice.SendTextAsync("bob", secret, Ct);
        var received = Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync()));
        Assert.Equal((secret, 5u), (received.Text, received.ExpiresInSeconds));
        await bob.MarkSeenAsync("alice", [sent.Id], Ct);
        Assert.Equal(1, MessageRows(server.ProfilePath("alice")));
        Assert.Equal(1, MessageRows(server.ProfilePath("bob")));

        await WaitUntilAsync(() => MessageRows(server.ProfilePath("alice")) == 0 && MessageRows(server.ProfilePath("bob")) == 0, TimeSpan.FromSeconds(9));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(4.9), $"deleted after {clock.Elapsed}");

        // Give the scheduler's purge a moment, then read every file of both profiles raw.
        await Task.Delay(300, Ct);
        foreach (var profile in new[] { server.ProfilePath("alice"), server.ProfilePath("bob") })
        {
            foreach (var file in Directory.GetFiles(profile))
            {
                var bytes = await ReadSharedAsync(file);
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"plaintext found in {Path.GetFileName(file)}");
                Assert.True(bytes.AsSpan().IndexOf("4c1e7a"u8) < 0, $"plaintext found in {Path.GetFileName(file)}");
            }
        }
    }

    /// <summary>Message rows in a profile's history, read straight from its database.</summary>
    private static long MessageRows(string profile)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(profile, "sotto.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM history WHERE kind = 1;";
        return (long)command.ExecuteScalar()!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < within, $"not within {within}");
            await Task.Delay(25, Ct);
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }
}
