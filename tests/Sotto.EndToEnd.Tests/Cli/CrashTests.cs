using System.Text.Json;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Cli;

/// <summary>A receiving client killed with SIGKILL in the middle of a stream loses nothing and shows nothing twice.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task ReceiverKilledMidStreamLosesAndDuplicatesNothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        string bob = server.ProfilePath("bob");
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", server.Address.ToString())).Succeeded();

        var sent = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            sent.Add((await alice.SendTextAsync("bob", $"message {i}", TestContext.Current.CancellationToken)).Id.ToString("D"));
        }

        // The first receiver prints some messages and is killed with SIGKILL before it is done.
        var printed = new List<string>();
        using (var receiver = Support.Cli.Start("--profile", bob, "receive", "--json", "--timeout", "-1"))
        {
            while (printed.Count < 10)
            {
                var line = await receiver.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
                Assert.NotNull(line);
                var json = JsonDocument.Parse(line).RootElement;
                if (json.GetProperty("type").GetString() == "message")
                {
                    printed.Add(json.GetProperty("id").GetString()!);
                }
            }

            receiver.Kill();
            await receiver.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // The second receiver gets the rest; together, and in the history, every message exactly once, in order.
        var rest = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines
            .Where(j => j.GetProperty("type").GetString() == "message").Select(j => j.GetProperty("id").GetString()!).ToList();
        var history = (await Support.Cli.RunAsync("--profile", bob, "history", "alice", "--json")).Succeeded().JsonLines
            .Select(j => j.GetProperty("id").GetString()!).ToList();
        // (Lines the first receiver wrote after the test stopped reading are not in `printed`; those messages were
        // committed and acknowledged, so they are in the history and not received again.)
        Assert.Equal(sent, history);
        Assert.Equal(sent.Take(printed.Count), printed);
        Assert.Equal(sent.Skip(sent.Count - rest.Count), rest);
        Assert.Empty(printed.Intersect(rest));
    }
}
