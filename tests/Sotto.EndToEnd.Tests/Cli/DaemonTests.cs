using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Cli;

/// <summary>
/// <c>sotto daemon</c> (DESIGN.md §6) as real child processes against the real server on loopback, with
/// <see cref="HttpClient"/> as the JSON-RPC caller and the server-sent-event subscriber.
/// </summary>
public sealed class DaemonTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MessageSentThroughOneDaemonStreamsToTheOtherAsReceiveJsonAndLandsInHistory()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, bob) = await RegisterAsync(server);
        await using var aliceDaemon = await DaemonProcess.StartAsync(alice);
        await using var bobDaemon = await DaemonProcess.StartAsync(bob);
        await using var bobEvents = await bobDaemon.OpenEventsAsync();

        var sent = await aliceDaemon.ResultAsync("send", new { to = "bob", text = "hello through the daemons" });
        Assert.Equal(["type", "to", "id", "timestamp", "devices"], Names(sent));
        Assert.Equal(("sent", "bob", 1), (sent.GetProperty("type").GetString(), sent.GetProperty("to").GetString(), sent.GetProperty("devices").GetInt32()));
        string id = sent.GetProperty("id").GetString()!;

        var (name, message) = await bobEvents.NextAsync();
        Assert.Equal("message", name);
        Assert.Equal(["type", "from", "device", "conversation", "id", "timestamp", "text"], Names(message));
        Assert.Equal(("alice", 1, "alice", id, "hello through the daemons"), (message.GetProperty("from").GetString(), message.GetProperty("device").GetInt32(), message.GetProperty("conversation").GetString(), message.GetProperty("id").GetString(), message.GetProperty("text").GetString()));
        Assert.Equal(sent.GetProperty("timestamp").GetInt64(), message.GetProperty("timestamp").GetInt64());

        var history = Assert.Single((await bobDaemon.ResultAsync("history", new { to = "alice" })).EnumerateArray());
        Assert.Equal((id, "hello through the daemons", "received", false), (history.GetProperty("id").GetString(), history.GetProperty("text").GetString(), history.GetProperty("status").GetString(), history.GetProperty("outgoing").GetBoolean()));
        var own = Assert.Single((await aliceDaemon.ResultAsync("history", new { to = "bob" })).EnumerateArray());
        Assert.True(own.GetProperty("outgoing").GetBoolean());

        // SIGTERM with a subscriber connected: its stream ends, and the daemon exits cleanly, removing the token file.
        Assert.Equal(0, await bobDaemon.TerminateAsync());
        Assert.False(File.Exists(bobDaemon.TokenFile));
        await Assert.ThrowsAsync<EndOfStreamException>(() => bobEvents.NextAsync());

        // The same kind of message, received by 'sotto receive --json' instead, has the same members.
        await aliceDaemon.ResultAsync("send", new { to = "bob", text = "and through the CLI" });
        var printed = (await Support.Cli.RunAsync("--profile", bob, "receive", "--json", "--timeout", "0")).Succeeded().JsonLines
            .Single(l => l.GetProperty("type").GetString() == "message");
        Assert.Equal(Names(message), Names(printed));
    }

    [Fact]
    public async Task ReplyReactEditAndDeleteRoundTripThroughRpc()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, bob) = await RegisterAsync(server);
        await using var aliceDaemon = await DaemonProcess.StartAsync(alice);
        await using var bobDaemon = await DaemonProcess.StartAsync(bob);
        await using var aliceEvents = await aliceDaemon.OpenEventsAsync();
        await using var bobEvents = await bobDaemon.OpenEventsAsync();

        string first = (await aliceDaemon.ResultAsync("send", new { to = "bob", text = "frist" })).GetProperty("id").GetString()!;
        string second = (await aliceDaemon.ResultAsync("send", new { to = "bob", text = "oops" })).GetProperty("id").GetString()!;
        await bobEvents.NextOfTypeAsync("message", m => m.GetProperty("id").GetString() == second);

        string reply = (await bobDaemon.ResultAsync("send", new { to = "alice", text = "welcome", replyTo = first })).GetProperty("id").GetString()!;
        Assert.Equal("reacted", (await bobDaemon.ResultAsync("react", new { to = "alice", messageId = first, emoji = "👍" })).GetProperty("type").GetString());
        var reaction = await aliceEvents.NextOfTypeAsync("reaction");
        Assert.Equal(("bob", first, "👍", false), (reaction.GetProperty("from").GetString(), reaction.GetProperty("messageId").GetString(), reaction.GetProperty("emoji").GetString(), reaction.GetProperty("removed").GetBoolean()));

        Assert.Equal("edited", (await aliceDaemon.ResultAsync("edit", new { to = "bob", messageId = first, text = "first" })).GetProperty("type").GetString());
        Assert.Equal("deleted", (await aliceDaemon.ResultAsync("delete", new { to = "bob", messageId = second })).GetProperty("type").GetString());
        var edited = await bobEvents.NextOfTypeAsync("edited");
        Assert.Equal((first, "first"), (edited.GetProperty("messageId").GetString(), edited.GetProperty("text").GetString()));
        Assert.Equal(second, (await bobEvents.NextOfTypeAsync("deleted")).GetProperty("messageId").GetString());

        // Only the author may edit: refused with the SDK's code, and nothing changes.
        var forged = await bobDaemon.CallAsync("edit", new { to = "alice", messageId = first, text = "forged" });
        Assert.Equal(1015, forged.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("NotAllowed", forged.GetProperty("error").GetProperty("data").GetProperty("error").GetString());

        foreach (var (daemon, peer) in new[] { (aliceDaemon, "bob"), (bobDaemon, "alice") })
        {
            var history = (await daemon.ResultAsync("history", new { to = peer })).EnumerateArray().ToList();
            Assert.Equal([first, second, reply], history.Select(h => h.GetProperty("id").GetString()));
            Assert.Equal("first", history[0].GetProperty("text").GetString());
            Assert.True(history[0].TryGetProperty("editedAt", out _));
            var reactions = history[0].GetProperty("reactions");
            Assert.Equal(("bob", "👍"), (reactions[0].GetProperty("from").GetString(), reactions[0].GetProperty("emoji").GetString()));
            Assert.True(history[1].GetProperty("deleted").GetBoolean());
            Assert.False(history[1].TryGetProperty("text", out _));
            Assert.Equal(first, history[2].GetProperty("replyTo").GetString());
        }
    }

    [Fact]
    public async Task IdleDaemonDeletesAFiveSecondMessageWithinASecondOfItsExpiry()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, bob) = await RegisterAsync(server);
        await using var aliceDaemon = await DaemonProcess.StartAsync(alice);
        await using var bobDaemon = await DaemonProcess.StartAsync(bob);
        await using (var bobEvents = await bobDaemon.OpenEventsAsync())
        {
            var timer = await aliceDaemon.ResultAsync("timer", new { to = "bob", duration = "5s" });
            Assert.Equal(("timer_set", 5), (timer.GetProperty("type").GetString(), timer.GetProperty("expiresInSeconds").GetInt32()));
            Assert.Equal(5, (await bobEvents.NextOfTypeAsync("timer_changed")).GetProperty("expiresInSeconds").GetInt32());

            const string secret = "self-destructing daemon secret 9f3b2d";
            await aliceDaemon.ResultAsync("send", new { to = "bob", text = secret });
            var message = await bobEvents.NextOfTypeAsync("message");
            Assert.Equal((secret, 5), (message.GetProperty("text").GetString(), message.GetProperty("expiresInSeconds").GetInt32()));
        }

        // Delivered to a subscriber is seen: the countdown runs from then. Nobody calls the daemon from here on.
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long expiresAt = await WaitForAsync(() => ExpiresAt(bob) is { } at && at < now + 60_000 ? at : null, TimeSpan.FromSeconds(5));
        Assert.InRange(expiresAt - now, 3_000, 5_500);
        Assert.Equal(1, MessageRows(bob));

        await WaitForAsync(() => MessageRows(bob) == 0 ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : (long?)null, TimeSpan.FromSeconds(10));
        long late = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - expiresAt;
        TestContext.Current.TestOutputHelper?.WriteLine($"bob's idle daemon deleted the message {late} ms after its expiry");
        Assert.True(late < 1_000, $"deleted {late} ms after expiry");
        Assert.True(late > -100, $"deleted {-late} ms before expiry");

        // The sender's copy counted down from sending; both histories keep only the timer notice.
        await WaitForAsync(() => MessageRows(alice) == 0 ? 0L : null, TimeSpan.FromSeconds(2));
        foreach (var (daemon, peer) in new[] { (bobDaemon, "alice"), (aliceDaemon, "bob") })
        {
            Assert.Equal(["timer_changed"], (await daemon.ResultAsync("history", new { to = peer })).EnumerateArray().Select(h => h.GetProperty("type").GetString()));
        }

        await Task.Delay(300, Ct);
        // Every file but the daemons' lock (empty, and exclusively locked while they run).
        foreach (var file in Directory.GetFiles(bob).Concat(Directory.GetFiles(alice)).Where(f => Path.GetFileName(f) != "daemon.lock"))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf("9f3b2d"u8) < 0, $"plaintext found in {Path.GetFileName(file)}");
        }
    }

    [Fact]
    public async Task MessageNobodyFetchedIsUnseenUntilHistoryReturnsIt()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, bob) = await RegisterAsync(server);
        await using var aliceDaemon = await DaemonProcess.StartAsync(alice);
        await using var bobDaemon = await DaemonProcess.StartAsync(bob);
        await aliceDaemon.ResultAsync("timer", new { to = "bob", duration = "1h" });
        string id = (await aliceDaemon.ResultAsync("send", new { to = "bob", text = "nobody is watching" })).GetProperty("id").GetString()!;

        // Received and stored with no subscriber: unseen, so it keeps the 14-day deadline.
        long unseen = await WaitForAsync(() => ExpiresAt(bob), TimeSpan.FromSeconds(15));
        Assert.InRange(unseen - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (long)TimeSpan.FromDays(13.9).TotalMilliseconds, (long)TimeSpan.FromDays(14).TotalMilliseconds);

        var item = Assert.Single((await bobDaemon.ResultAsync("history", new { to = "alice" })).EnumerateArray(), h => h.GetProperty("type").GetString() == "message");
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.InRange(ExpiresAt(bob)!.Value - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 3_500_000L, 3_600_000L);

        // markSeen of what is already seen changes nothing.
        var marked = await bobDaemon.ResultAsync("markSeen", new { to = "alice", messageIds = new[] { id } });
        Assert.Equal(("marked_seen", 0), (marked.GetProperty("type").GetString(), marked.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task RequestsWithoutTheTokenOrFromForeignOriginsAreRefusedAndChangeNothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        await using var daemon = await DaemonProcess.StartAsync(alice);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemon.TokenFile));
        }

        const string Send = """{"jsonrpc":"2.0","method":"send","params":{"to":"bob","text":"forged"},"id":1}""";

        using var anonymous = new HttpClient { BaseAddress = daemon.Url };
        using (var response = await daemon.PostRpcAsync(Send, anonymous))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var wrong = new HttpClient { BaseAddress = daemon.Url };
        char last = daemon.Token[^1];
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", daemon.Token[..^1] + (last == 'A' ? 'B' : 'A'));
        using (var response = await daemon.PostRpcAsync(Send, wrong))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await wrong.GetAsync("api/v1/events", HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A web page's request carries its origin; a DNS-rebound one carries its host name. Both are refused, token or not.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/rpc") { Content = new StringContent(Send, Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("Origin", "https://evil.example");
            using var response = await daemon.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/rpc") { Content = new StringContent(Send, Encoding.UTF8, "application/json") })
        {
            request.Headers.Host = "evil.example:" + daemon.Url.Port;
            using var response = await daemon.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // The health check needs no token; a loopback origin is fine with one.
        using (var response = await anonymous.GetAsync("api/v1/check", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/rpc") { Content = new StringContent("""{"jsonrpc":"2.0","method":"ping","id":7}""", Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("Origin", "http://localhost:3000");
            using var response = await daemon.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Empty((await daemon.ResultAsync("history", new { to = "bob" })).EnumerateArray());
        var bobClient = server.NewClient("bob");
        Assert.Empty(await bobClient.ReceiveAllAsync());
    }

    [Fact]
    public async Task NonLoopbackHttpAddressIsRefusedWithOneLine()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        foreach (var address in new[] { "0.0.0.0:7583", "192.168.1.10:7583", "[::]:7583" })
        {
            var line = (await Support.Cli.RunAsync("--profile", alice, "daemon", "--http", address)).FailedWithOneLine(2);
            Assert.Contains("loopback", line, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(alice, "daemon.token")));
    }

    [Fact]
    public async Task SecondDaemonOnTheSameProfileIsRefusedAndLeavesTheFirstsTokenAlone()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        await using var daemon = await DaemonProcess.StartAsync(alice);

        var line = (await Support.Cli.RunAsync("--profile", alice, "daemon", "--http", "127.0.0.1:0")).FailedWithOneLine(1);
        Assert.Contains("another sotto daemon", line, StringComparison.Ordinal);
        Assert.Equal(daemon.Token, await File.ReadAllTextAsync(daemon.TokenFile, Ct));
        Assert.Equal("pong", (await daemon.ResultAsync("ping")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task MalformedJsonUnknownMethodsAndBadParamsGetTheirErrorCodesAndChangeNothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        await using var daemon = await DaemonProcess.StartAsync(alice);

        var parse = await PostAsync(daemon, """{"jsonrpc":"2.0","method":""");
        Assert.Equal((-32700, JsonValueKind.Null), (Code(parse), parse.GetProperty("id").ValueKind));
        Assert.Equal(-32601, Code(await PostAsync(daemon, """{"jsonrpc":"2.0","method":"sendMessage","id":1}""")));
        var invalid = await PostAsync(daemon, """{"jsonrpc":"1.0","method":"ping","id":"x"}""");
        Assert.Equal((-32600, "x"), (Code(invalid), invalid.GetProperty("id").GetString()));
        Assert.Equal(-32600, Code(await PostAsync(daemon, """{"jsonrpc":"2.0","method":42,"id":1}""")));
        Assert.Equal(-32600, Code(await PostAsync(daemon, "\"ping\"")));

        Assert.Equal(-32602, Code(await daemon.CallAsync("send", new { to = "bob" })));
        Assert.Equal(-32602, Code(await daemon.CallAsync("send", new { to = "bob", txt = "typo" })));
        Assert.Equal(-32602, Code(await daemon.CallAsync("send", new { to = 42, text = "x" })));
        Assert.Equal(-32602, Code(await daemon.CallAsync("send", new { to = "B!", text = "x" })));
        Assert.Equal(-32602, Code(await daemon.CallAsync("react", new { to = "bob", messageId = "not-an-id", emoji = "👍" })));
        Assert.Equal(-32602, Code(await daemon.CallAsync("send", new { to = "bob", text = "x", attachment = "relative.txt" })));
        Assert.Equal(-32602, Code(await PostAsync(daemon, """{"jsonrpc":"2.0","method":"send","params":["bob","x"],"id":1}""")));

        // Refusals of the SDK: 1000 + its stable code, the code's name in data.
        var unknown = await daemon.CallAsync("send", new { to = "nobody_here", text = "x" });
        Assert.Equal(1003, Code(unknown));
        Assert.Equal(("UnknownUser", 3, "nobody_here"), (unknown.GetProperty("error").GetProperty("data").GetProperty("error").GetString(), unknown.GetProperty("error").GetProperty("data").GetProperty("code").GetInt32(), unknown.GetProperty("error").GetProperty("data").GetProperty("user").GetString()));
        Assert.Equal(1016, Code(await daemon.CallAsync("timer", new { to = "bob", duration = "4s" })));
        Assert.Equal(1014, Code(await daemon.CallAsync("react", new { to = "bob", messageId = Guid.NewGuid().ToString(), emoji = "👍" })));

        // Transport-level refusals.
        using (var response = await daemon.Http.PostAsync("api/v1/rpc", new StringContent("""{"jsonrpc":"2.0","method":"ping","id":1}""", Encoding.UTF8, "text/plain"), Ct))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        string huge = "{\"jsonrpc\":\"2.0\",\"method\":\"send\",\"params\":{\"to\":\"bob\",\"text\":\"" + new string('x', 2 << 20) + "\"},\"id\":1}";
        using (var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/rpc") { Content = new StringContent(huge, Encoding.UTF8, "application/json") })
        {
            // As curl does for large bodies: the refusal comes before the body is sent.
            request.Headers.ExpectContinue = true;
            using var response = await daemon.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // A notification gets no response at all.
        using (var response = await daemon.PostRpcAsync("""{"jsonrpc":"2.0","method":"ping"}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        }

        Assert.Empty((await daemon.ResultAsync("history", new { to = "bob" })).EnumerateArray());
        Assert.Equal(60, (await daemon.ResultAsync("safetyNumber", new { user = "bob" })).GetProperty("safetyNumber").GetString()!.Length);
        Assert.Equal("pong", (await daemon.ResultAsync("ping")).GetProperty("type").GetString());
        Assert.Equal("version", (await daemon.ResultAsync("version")).GetProperty("type").GetString());
        var device = Assert.Single((await daemon.ResultAsync("devices")).EnumerateArray());
        Assert.Equal((1, true), (device.GetProperty("deviceId").GetInt32(), device.GetProperty("thisDevice").GetBoolean()));
    }

    [Fact]
    public async Task BatchAnswersEachCallInOrderAndLeavesOutNotifications()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        await using var daemon = await DaemonProcess.StartAsync(alice);

        var answers = (await PostAsync(daemon, """
            [
              {"jsonrpc":"2.0","method":"ping","id":1},
              {"jsonrpc":"2.0","method":"ping"},
              {"jsonrpc":"2.0","method":"version","id":"v"},
              {"jsonrpc":"2.0","method":"nope","id":3},
              42
            ]
            """)).EnumerateArray().ToList();
        Assert.Equal(4, answers.Count);
        Assert.Equal((1, "pong"), (answers[0].GetProperty("id").GetInt32(), answers[0].GetProperty("result").GetProperty("type").GetString()));
        Assert.Equal(("v", "version"), (answers[1].GetProperty("id").GetString(), answers[1].GetProperty("result").GetProperty("type").GetString()));
        Assert.Equal((3, -32601), (answers[2].GetProperty("id").GetInt32(), Code(answers[2])));
        Assert.Equal((JsonValueKind.Null, -32600), (answers[3].GetProperty("id").ValueKind, Code(answers[3])));

        Assert.Equal(-32600, Code(await PostAsync(daemon, "[]")));
        using var response = await daemon.PostRpcAsync("""[{"jsonrpc":"2.0","method":"ping"},{"jsonrpc":"2.0","method":"ping"}]""");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task SeveralSubscribersGetEachEventAndOneLeavingDoesNotStopReceiving()
    {
        await using var server = await LoopbackServer.StartAsync();
        var (alice, bob) = await RegisterAsync(server);
        await using var aliceDaemon = await DaemonProcess.StartAsync(alice);
        await using var bobDaemon = await DaemonProcess.StartAsync(bob, "--keep-alive", "0.2");
        var leaving = await bobDaemon.OpenEventsAsync();
        await using var staying = await bobDaemon.OpenEventsAsync();

        await aliceDaemon.ResultAsync("send", new { to = "bob", text = "to both" });
        Assert.Equal("to both", (await leaving.NextOfTypeAsync("message")).GetProperty("text").GetString());
        Assert.Equal("to both", (await staying.NextOfTypeAsync("message")).GetProperty("text").GetString());
        await leaving.DisposeAsync();

        await aliceDaemon.ResultAsync("send", new { to = "bob", text = "after one left" });
        Assert.Equal("after one left", (await staying.NextOfTypeAsync("message")).GetProperty("text").GetString());
        await using (var late = await bobDaemon.OpenEventsAsync())
        {
            await aliceDaemon.ResultAsync("send", new { to = "bob", text = "to the newcomer" });
            Assert.Equal("to the newcomer", (await late.NextOfTypeAsync("message")).GetProperty("text").GetString());
        }

        Assert.Equal(["to both", "after one left", "to the newcomer"], (await bobDaemon.ResultAsync("history", new { to = "alice" })).EnumerateArray().Select(h => h.GetProperty("text").GetString()));

        // Idle streams get keep-alive comments.
        await Task.Delay(700, Ct);
        await aliceDaemon.ResultAsync("send", new { to = "bob", text = "wake up" });
        await staying.NextOfTypeAsync("message", m => m.GetProperty("text").GetString() == "wake up");
        Assert.Contains("keep-alive", staying.Comments);
    }

    [Fact]
    public async Task ReadmeCurlExampleWorksAsWritten()
    {
        var commands = ReadmeDaemonCommands();
        Assert.Equal(3, commands.Count);
        await using var server = await LoopbackServer.StartAsync();
        var (alice, _) = await RegisterAsync(server);
        await using var daemon = await DaemonProcess.StartAsync(alice);
        string Adapt(string command) => command.Replace("~/.sotto", alice, StringComparison.Ordinal).Replace("127.0.0.1:7583", daemon.Url.Authority, StringComparison.Ordinal);

        using (var send = Bash(Adapt(commands[0]) + "\n" + Adapt(commands[1])))
        {
            string stdout = await send.StandardOutput.ReadToEndAsync(Ct);
            await send.WaitForExitAsync(Ct);
            var result = JsonDocument.Parse(stdout).RootElement.GetProperty("result");
            Assert.Equal(("sent", "bob"), (result.GetProperty("type").GetString(), result.GetProperty("to").GetString()));
        }

        using var events = Bash(Adapt(commands[0]) + "\ntimeout 30 " + Adapt(commands[2]));
        try
        {
            Assert.Equal(": connected", await events.StandardOutput.ReadLineAsync(Ct));
            var bobClient = server.NewClient("bob");
            await bobClient.ReceiveAllAsync();
            await bobClient.SendTextAsync("alice", "hello", Ct);
            string? line;
            while ((line = await events.StandardOutput.ReadLineAsync(Ct)) is not null && line != "event: message")
            {
            }

            string data = (await events.StandardOutput.ReadLineAsync(Ct))!;
            Assert.StartsWith("data: ", data, StringComparison.Ordinal);
            Assert.Equal("hello", JsonDocument.Parse(data["data: ".Length..]).RootElement.GetProperty("text").GetString());
        }
        finally
        {
            events.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The commands of the sh block under README "### Daemon" (continuations joined, comments dropped).</summary>
    private static List<string> ReadmeDaemonCommands()
    {
        var readme = File.ReadAllLines(Path.Combine(Sotto.TestSupport.Vectors.RepositoryRoot, "README.md"));
        int section = Array.FindIndex(readme, l => l == "### Daemon");
        int start = Array.FindIndex(readme, section, l => l == "```sh") + 1;
        int end = Array.FindIndex(readme, start, l => l == "```");
        var commands = new List<string>();
        string pending = string.Empty;
        foreach (var line in readme[start..end])
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1];
                continue;
            }

            commands.Add(pending + line);
            pending = string.Empty;
        }

        return commands;
    }

    private static Process Bash(string script)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start bash");
    }

    private static async Task<(string Alice, string Bob)> RegisterAsync(LoopbackServer server)
    {
        foreach (var name in new[] { "alice", "bob" })
        {
            await using var client = await server.RegisterAsync(name);
        }

        return (server.ProfilePath("alice"), server.ProfilePath("bob"));
    }

    private static async Task<JsonElement> PostAsync(DaemonProcess daemon, string body)
    {
        using var response = await daemon.PostRpcAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private static int Code(JsonElement response) => response.GetProperty("error").GetProperty("code").GetInt32();

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    /// <summary>Received message rows in a profile's history, read straight from its database (not through the SDK, which would delete expired ones first).</summary>
    private static long MessageRows(string profile) =>
        (long)Query(profile, "SELECT COUNT(*) FROM history WHERE kind = 1;")!;

    /// <summary>The deadline of the one message in the history, or null while it has none.</summary>
    private static long? ExpiresAt(string profile) =>
        Query(profile, "SELECT expires_at FROM history WHERE kind = 1;") is long at ? at : null;

    private static object? Query(string profile, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(profile, "sotto.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task<long> WaitForAsync(Func<long?> probe, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(clock.Elapsed < within, $"not within {within}");
            await Task.Delay(20, Ct);
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
