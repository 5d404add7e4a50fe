using System.Text.Json;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Cli;

/// <summary>The `sotto` command as a user runs it (DESIGN.md §6), as child processes against the real server.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task RegisterSendReceiveAndHistoryWithJson()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), bob = server.ProfilePath("bob");

        var registered = (await Support.Cli.RunAsync("--profile", alice, "--json", "register", "alice", "--server", url)).Succeeded().JsonLines.Single();
        Assert.Equal(("registered", "alice", 1), (registered.GetProperty("type").GetString(), registered.GetProperty("username").GetString(), registered.GetProperty("deviceId").GetInt32()));
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url)).Succeeded();

        var sent = (await Support.Cli.RunAsync("--profile", alice, "send", "bob", "Hello Bob", "--json")).Succeeded().JsonLines.Single();
        var received = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines.Single();
        Assert.Equal("message", received.GetProperty("type").GetString());
        Assert.Equal("alice", received.GetProperty("from").GetString());
        Assert.Equal(1, received.GetProperty("device").GetInt32());
        Assert.Equal("alice", received.GetProperty("conversation").GetString());
        Assert.Equal(sent.GetProperty("id").GetString(), received.GetProperty("id").GetString());
        Assert.Equal(sent.GetProperty("timestamp").GetInt64(), received.GetProperty("timestamp").GetInt64());
        Assert.Equal("Hello Bob", received.GetProperty("text").GetString());
        Assert.False(received.TryGetProperty("expiresInSeconds", out _));

        (await Support.Cli.RunAsync("--profile", bob, "send", "alice", "Hi Alice")).Succeeded();
        var human = (await Support.Cli.RunAsync("--profile", alice, "receive", "--timeout", "0")).Succeeded();
        Assert.Contains("bob: Hi Alice", human.Stdout, StringComparison.Ordinal);

        var history = (await Support.Cli.RunAsync("--profile", alice, "history", "bob", "--json")).Succeeded().JsonLines;
        Assert.Equal(
            [("alice", true, "Hello Bob"), ("bob", false, "Hi Alice")],
            history.Select(h => (h.GetProperty("from").GetString(), h.GetProperty("outgoing").GetBoolean(), h.GetProperty("text").GetString())));

        // Receiving again finds no message (only alice's receipts): everything was acknowledged.
        var again = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines;
        Assert.All(again, j => Assert.Equal("receipt", j.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task LinkPrintsCodeAndAddDeviceApprovesIt()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string phone = server.ProfilePath("bob"), laptop = server.ProfilePath("bob-laptop");
        (await Support.Cli.RunAsync("--profile", phone, "register", "bob", "--server", url)).Succeeded();

        using var link = Support.Cli.Start("--profile", laptop, "link", "--server", url, "--name", "laptop", "--json", "--timeout", "60");
        var first = await link.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
        var codeLine = JsonDocument.Parse(first!).RootElement;
        Assert.Equal("link_code", codeLine.GetProperty("type").GetString());
        var code = codeLine.GetProperty("code").GetString()!;
        Assert.Matches("^[0-9A-Z]{5}-[0-9A-Z]{5}:[A-Za-z0-9_-]{43}$", code);

        (await Support.Cli.RunAsync("--profile", phone, "add-device", code)).Succeeded();
        var linked = JsonDocument.Parse((await link.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!).RootElement;
        await link.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, link.ExitCode);
        Assert.Equal(("linked", "bob", 2), (linked.GetProperty("type").GetString(), linked.GetProperty("username").GetString(), linked.GetProperty("deviceId").GetInt32()));

        var devices = (await Support.Cli.RunAsync("--profile", laptop, "devices", "--json")).Succeeded().JsonLines;
        Assert.Equal(
            [(1, false, null), (2, true, "laptop")],
            devices.Select(d => (d.GetProperty("deviceId").GetInt32(), d.GetProperty("thisDevice").GetBoolean(), d.GetProperty("name").GetString())));
    }

    [Fact]
    public async Task ChangedIdentityRefusesSendUntilTrust()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), bob = server.ProfilePath("bob");
        (await Support.Cli.RunAsync("--profile", alice, "register", "alice", "--server", url)).Succeeded();
        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url)).Succeeded();
        (await Support.Cli.RunAsync("--profile", alice, "send", "bob", "one")).Succeeded();
        var before = (await Support.Cli.RunAsync("--profile", alice, "safety-number", "bob", "--json")).Succeeded().JsonLines.Single();
        Assert.Matches("^[0-9]{60}$", before.GetProperty("safetyNumber").GetString()!);

        (await Support.Cli.RunAsync("--profile", bob, "register", "bob", "--server", url, "--new-identity")).Succeeded();
        var refused = (await Support.Cli.RunAsync("--profile", alice, "send", "bob", "two")).FailedWithOneLine(1);
        Assert.Contains("bob's safety number changed", refused, StringComparison.Ordinal);
        Assert.Contains("sotto trust bob", refused, StringComparison.Ordinal);

        var changed = (await Support.Cli.RunAsync("--profile", alice, "safety-number", "bob", "--json")).Succeeded().JsonLines.Single();
        Assert.False(changed.GetProperty("trusted").GetBoolean());
        Assert.NotEqual(before.GetProperty("safetyNumber").GetString(), changed.GetProperty("safetyNumber").GetString());
        var bobSide = (await Support.Cli.RunAsync("--profile", bob, "safety-number", "alice", "--json")).Succeeded().JsonLines.Single();
        Assert.Equal(changed.GetProperty("safetyNumber").GetString(), bobSide.GetProperty("safetyNumber").GetString());

        (await Support.Cli.RunAsync("--profile", alice, "trust", "bob")).Succeeded();
        (await Support.Cli.RunAsync("--profile", alice, "send", "bob", "three")).Succeeded();
        var texts = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines
            .Where(j => j.GetProperty("type").GetString() == "message").Select(j => j.GetProperty("text").GetString());
        Assert.Equal(["three"], texts);
    }

    [Fact]
    public async Task FailuresPrintOneLineAndExitNonZero()
    {
        await using var server = await LoopbackServer.StartAsync();
        string url = server.Address.ToString();
        string alice = server.ProfilePath("alice"), empty = server.ProfilePath("empty");
        (await Support.Cli.RunAsync("--profile", alice, "register", "alice", "--server", url)).Succeeded();

        Assert.Contains("no user named nobody", (await Support.Cli.RunAsync("--profile", alice, "send", "nobody", "hi")).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("no account yet", (await Support.Cli.RunAsync("--profile", empty, "send", "alice", "hi")).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("username is taken", (await Support.Cli.RunAsync("--profile", empty, "register", "alice", "--server", url)).FailedWithOneLine(1), StringComparison.Ordinal);
        Assert.Contains("already belongs", (await Support.Cli.RunAsync("--profile", alice, "register", "alice2", "--server", url)).FailedWithOneLine(1), StringComparison.Ordinal);
        (await Support.Cli.RunAsync("--profile", alice, "send", "bob")).FailedWithOneLine(2);
        (await Support.Cli.RunAsync("--profile", alice, "register", "carol", "--server", "ftp://x")).FailedWithOneLine(2);
        (await Support.Cli.RunAsync("--profile", alice, "send", "Not A Name!", "hi")).FailedWithOneLine(2);
        (await Support.Cli.RunAsync("--profile", alice, "add-device", "garbage")).FailedWithOneLine(1);
        (await Support.Cli.RunAsync("--profile", alice, "frobnicate")).FailedWithOneLine(2);

        // A server that is not there: a network failure, one line.
        string gone = "http://127.0.0.1:" + FreePort() + "/";
        Assert.Contains("reach the server", (await Support.Cli.RunAsync("--profile", server.ProfilePath("nowhere"), "register", "dave", "--server", gone)).FailedWithOneLine(1), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
