using System.Text.Json;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Cli;

/// <summary>Issue 4 from the command line: timer, reply, react, edit, delete, receipts; history --json shows it all.</summary>
public sealed class ConversationCliTests
{
    [Fact]
    public async Task TimerIsValidatedAndCarriedByMessages()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), bob = server.ProfilePath("bob");
        (await Support.Cli.RunAsync("--profile", alice, "register", "alice", "--server", url)).Succeeded();
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url)).Succeeded();

        Assert.Contains("5s to 24h", (await Support.Cli.RunAsync("--profile", alice, "timer", "bob", "4s")).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("5s to 24h", (await Support.Cli.RunAsync("--profile", alice, "timer", "bob", "25h")).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("5s to 24h", (await Support.Cli.RunAsync("--profile", alice, "timer", "bob", "soon")).FailedWithOneLine(1), StringComparison.Ordinal);

        var set = (await Support.Cli.RunAsync("--profile", alice, "timer", "bob", "30s", "--json")).Succeeded().JsonLines.Single();
        Assert.Equal(30, set.GetProperty("expiresInSeconds").GetInt32());
        (await Support.Cli.RunAsync("--profile", alice, "send", "bob", "for 30 seconds")).Succeeded();

        var lines = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines;
        Assert.Equal(["timer_changed", "message"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(("alice", 30), (lines[0].GetProperty("from").GetString(), lines[0].GetProperty("expiresInSeconds").GetInt32()));
        Assert.Equal(("for 30 seconds", 30), (lines[1].GetProperty("text").GetString(), lines[1].GetProperty("expiresInSeconds").GetInt32()));

        // Printed is seen: bob's copy now counts down from the receive.
        var history = (await Support.Cli.RunAsync("--profile", bob, "history", "alice", "--json")).Succeeded().JsonLines;
        Assert.Equal(["timer_changed", "message"], history.Select(l => l.GetProperty("type").GetString()));
        long expiresAt = history[1].GetProperty("expiresAt").GetInt64();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1_000, 31_000);
    }

    [Fact]
    public async Task ReplyReactEditDeleteAndReceiptsFromTheCommandLine()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), bob = server.ProfilePath("bob");
        (await Support.Cli.RunAsync("--profile", alice, "register", "alice", "--server", url)).Succeeded();
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url)).Succeeded();

        string first = Id((await Support.Cli.RunAsync("--profile", alice, "send", "bob", "frist", "--json")).Succeeded());
        string second = Id((await Support.Cli.RunAsync("--profile", alice, "send", "bob", "oops", "--json")).Succeeded());
        (await Support.Cli.RunAsync("--profile", bob, "receipts", "off")).Succeeded();
        (await Support.Cli.RunAsync("--profile", bob, "receive", "--timeout", "0")).Succeeded();
        string reply = Id((await Support.Cli.RunAsync("--profile", bob, "send", "alice", "welcome", "--reply-to", first, "--json")).Succeeded());
        (await Support.Cli.RunAsync("--profile", bob, "react", "alice", first, "👍")).Succeeded();
        (await Support.Cli.RunAsync("--profile", alice, "edit", "bob", first, "first")).Succeeded();
        (await Support.Cli.RunAsync("--profile", alice, "delete", "bob", second)).Succeeded();

        Assert.Contains("no message with that id", (await Support.Cli.RunAsync("--profile", bob, "react", "alice", Guid.NewGuid().ToString(), "👍")).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("Only the author", (await Support.Cli.RunAsync("--profile", bob, "edit", "alice", first, "forged")).FailedWithOneLine(1), StringComparison.Ordinal);
        (await Support.Cli.RunAsync("--profile", bob, "edit", "alice", "not-an-id", "x")).FailedWithOneLine(2);

        var atAlice = (await Support.Cli.RunAsync("--profile", alice, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines;
        Assert.Contains(atAlice, l => l.GetProperty("type").GetString() == "receipt" && l.GetProperty("kind").GetString() == "delivery");
        Assert.DoesNotContain(atAlice, l => l.GetProperty("type").GetString() == "receipt" && l.GetProperty("kind").GetString() == "read");
        (await Support.Cli.RunAsync("--profile", bob, "receive", "--timeout", "0")).Succeeded();

        foreach (var (profile, peer) in new[] { (alice, "bob"), (bob, "alice") })
        {
            var history = (await Support.Cli.RunAsync("--profile", profile, "history", peer, "--json")).Succeeded().JsonLines;
            Assert.Equal([first, second, reply], history.Select(h => h.GetProperty("id").GetString()));
            Assert.Equal("first", history[0].GetProperty("text").GetString());
            Assert.True(history[0].TryGetProperty("editedAt", out _));
            Assert.Equal(("bob", "👍"), (history[0].GetProperty("reactions")[0].GetProperty("from").GetString(), history[0].GetProperty("reactions")[0].GetProperty("emoji").GetString()));
            Assert.True(history[1].GetProperty("deleted").GetBoolean());
            Assert.False(history[1].TryGetProperty("text", out _));
            Assert.Equal(first, history[2].GetProperty("replyTo").GetString());
        }
    }

    private static string Id(CliResult result) => result.JsonLines.Single().GetProperty("id").GetString()!;
}
