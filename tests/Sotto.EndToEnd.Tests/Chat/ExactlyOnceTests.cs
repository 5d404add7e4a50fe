using System.Net.WebSockets;
using Sotto.Client;
using Sotto.EndToEnd.Tests.Support;
using Sotto.Wire;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>
/// Decrypt, store and record the envelope id in one transaction, and only then acknowledge: a crash at any point
/// neither loses a message nor shows it twice (docs/client.md, "Receiving").
/// </summary>
public sealed class ExactlyOnceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnvelopeCommittedButNotAcknowledgedIsDroppedWhenRedelivered()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var sent = await alice.SendTextAsync("bob", "exactly once", Ct);

        // Bob's device takes the envelope and commits it, then "crashes" before acknowledging.
        var account = (await bob.GetLocalAccountAsync(Ct))!;
        var envelope = await TakeEnvelopeWithoutAckAsync(server.Address, account.Username, account.DeviceId, account.Password);
        var events = await bob.ProcessEnvelopeAsync(account, envelope, Ct);
        Assert.Equal(sent.Id, Assert.IsType<MessageReceived>(Assert.Single(events!)).Id);

        // The server delivers the same envelope again: it is acknowledged, not shown or stored a second time.
        Assert.Empty(await bob.ReceiveAllAsync());
        Assert.Single(await bob.GetHistoryAsync("alice", Ct));

        // The server deletes acknowledged envelopes in batches, a moment after the acknowledgement arrives.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var left = await TakeAllWithoutAckAsync(server.Address, account.Username, account.DeviceId, account.Password);
        while (left.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
            left = await TakeAllWithoutAckAsync(server.Address, account.Username, account.DeviceId, account.Password);
        }

        Assert.Empty(left);
    }

    [Fact]
    public async Task CrashBeforeCommitLeavesNothingAndRedeliveryIsProcessedOnce()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        FaultyStore? faulty = null;
        var bob = server.NewClient("bob", wrapStore: inner => faulty = new FaultyStore(inner));
        await bob.RegisterAsync("bob", cancellationToken: Ct);
        await alice.SendTextAsync("bob", "first", Ct);
        await alice.SendTextAsync("bob", "second", Ct);

        faulty!.FailCommits = 1;
        await Assert.ThrowsAsync<IOException>(() => bob.ReceiveAllAsync());
        Assert.Empty(await bob.GetHistoryAsync("alice", Ct));

        // The session, prekeys and history were rolled back together, so the redelivered envelope decrypts.
        var texts = (await bob.ReceiveAllAsync()).Cast<MessageReceived>().Select(m => m.Text);
        Assert.Equal(["first", "second"], texts);
        Assert.Equal(["first", "second"], (await bob.GetHistoryAsync("alice", Ct)).Select(h => h.Text));
    }

    [Fact]
    public async Task GarbageEnvelopeIsReportedAcknowledgedAndChangesNothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendTextAsync("bob", "hello", Ct);
        await bob.ReceiveAllAsync();

        // Alice's account sends bytes that are not a Signal message, straight through the REST API.
        var aliceAccount = (await alice.GetLocalAccountAsync(Ct))!;
        var bobAccount = (await bob.GetLocalAccountAsync(Ct))!;
        using var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", DeviceAuth.BasicHeaderValue(aliceAccount.Username, aliceAccount.DeviceId, aliceAccount.Password));
        var request = new SendMessagesRequest
        {
            Timestamp = 1,
            Messages = [new OutgoingMessage { Type = EnvelopeType.Whisper, DestinationDeviceId = 1, DestinationRegistrationId = (int)bobAccount.RegistrationId, Content = [0x33, 1, 2, 3] }],
        };
        using var response = await http.PutAsync("v1/messages/bob", System.Net.Http.Json.JsonContent.Create(request, SottoJsonContext.Default.SendMessagesRequest), Ct);
        response.EnsureSuccessStatusCode();

        var failed = Assert.IsType<DecryptionFailed>(Assert.Single(await bob.ReceiveAllAsync()));
        Assert.Equal(("alice", 1u), (failed.From, failed.FromDevice));
        Assert.Empty(await bob.ReceiveAllAsync());

        // The session still works both ways.
        await alice.SendTextAsync("bob", "still fine", Ct);
        Assert.Equal("still fine", Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync())).Text);
        await bob.SendTextAsync("alice", "yes", Ct);
        Assert.Equal("yes", Assert.IsType<MessageReceived>(Assert.Single(await alice.ReceiveAllAsync())).Text);
    }

    private static async Task<Envelope> TakeEnvelopeWithoutAckAsync(Uri server, string username, uint deviceId, string password) =>
        Assert.Single(await TakeAllWithoutAckAsync(server, username, deviceId, password));

    /// <summary>Connects as the device, collects the queue up to QueueEmpty, and disconnects without acknowledging.</summary>
    private static async Task<List<Envelope>> TakeAllWithoutAckAsync(Uri server, string username, uint deviceId, string password)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", DeviceAuth.BasicHeaderValue(username, deviceId, password));
        await socket.ConnectAsync(new UriBuilder(server) { Scheme = "ws", Path = "/v1/websocket" }.Uri, Ct);
        var envelopes = new List<Envelope>();
        var buffer = new byte[512 * 1024];
        while (true)
        {
            int length = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), Ct) is var r ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
                length += result.Count;
            }
            while (!result.EndOfMessage);

            var frame = ServerFrame.Parser.ParseFrom(buffer, 0, length);
            if (frame.FrameCase == ServerFrame.FrameOneofCase.QueueEmpty)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
                return envelopes;
            }

            envelopes.Add(frame.Envelope);
        }
    }
}
