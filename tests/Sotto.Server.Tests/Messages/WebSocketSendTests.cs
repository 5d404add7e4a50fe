using System.Net;
using System.Net.WebSockets;
using Google.Protobuf;
using Sotto.Server.Storage;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Messages;

/// <summary>
/// The binary send path: a <see cref="Send"/> frame on the delivery WebSocket does exactly what
/// <c>PUT /v1/messages/{username}</c> does and answers with a <see cref="SendResult"/> carrying the REST outcome.
/// </summary>
public sealed class WebSocketSendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(DeviceCredentials Alice, DeviceCredentials Bob)> AliceAndBobAsync(SottoServerFactory server)
    {
        using var client = server.CreateClient();
        return (await Api.RegisterAsync(client, new TestIdentity("alice"), "alice", registrationId: 10),
                await Api.RegisterAsync(client, new TestIdentity("bob"), "bob", registrationId: 20));
    }

    private static Send Send(ulong requestId, string to, params OutgoingEnvelope[] messages)
    {
        var send = new Send { RequestId = requestId, Destination = to, Timestamp = 1_764_190_000_000 };
        send.Messages.Add(messages);
        return send;
    }

    private static OutgoingEnvelope Message(uint device, uint registrationId, byte[] content, EnvelopeType type = EnvelopeType.Whisper) => new()
    {
        Type = type,
        DestinationDeviceId = device,
        DestinationRegistrationId = registrationId,
        Content = ByteString.CopyFrom(content),
    };

    [Fact]
    public async Task ASendFrameIsCommittedAnsweredWithTheEnvelopeIdAndDelivered()
    {
        using var server = new SottoServerFactory();
        var (alice, bob) = await AliceAndBobAsync(server);
        await using var aliceSocket = await DeliveryClient.ConnectAsync(server, alice);
        await aliceSocket.DrainAsync();
        await using var bobSocket = await DeliveryClient.ConnectAsync(server, bob);
        await bobSocket.DrainAsync();

        await aliceSocket.SendFrameAsync(new ClientFrame { Send = Send(7, "bob", Message(1, 20, [1, 2, 3], EnvelopeType.PreKey)) });

        var result = await aliceSocket.ReceiveSendResultAsync();
        Assert.Equal(7UL, result.RequestId);
        Assert.Equal(200u, result.Status);
        Assert.Equal(string.Empty, result.Code);
        var sent = Assert.Single(result.Envelopes);
        Assert.Equal(1u, sent.DestinationDeviceId);
        var envelope = (await bobSocket.ReceiveAsync()).Envelope;
        Assert.Equal(sent.Id, envelope.Id);
        Assert.Equal(EnvelopeType.PreKey, envelope.Type);
        Assert.Equal("alice", envelope.SourceUsername);
        Assert.Equal(result.ServerTimestamp, envelope.ServerTimestamp);
        Assert.Equal(1_764_190_000_000UL, envelope.ClientTimestamp);
        Assert.Equal([1, 2, 3], envelope.Content.ToByteArray());
    }

    [Fact]
    public async Task RefusedSendFramesCarryTheRestStatusCodeAndDeviceListsAndStoreNothing()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Messages:MaxEnvelopeBytes"] = "1000" });
        var (alice, bob) = await AliceAndBobAsync(server);
        await using var socket = await DeliveryClient.ConnectAsync(server, alice);
        await socket.DrainAsync();
        var before = DatabaseSnapshot.Take(server.DataDirectory);
        var cases = new (Send Send, uint Status, string Code)[]
        {
            (Send(1, "bob"), 409, ProblemCodes.MismatchedDevices),
            (Send(2, "bob", Message(1, 21, [1])), 410, ProblemCodes.StaleDevices),
            (Send(3, "nobody", Message(1, 20, [1])), 404, ProblemCodes.NotFound),
            (Send(4, "b!b", Message(1, 20, [1])), 400, ProblemCodes.InvalidUsername),
            (Send(5, "bob", Message(1, 20, new byte[1001])), 413, ProblemCodes.PayloadTooLarge),
            (Send(6, "bob", Message(1, 20, [])), 400, ProblemCodes.InvalidRequest),
            (Send(7, "bob", Message(1, 20, [1], (EnvelopeType)1)), 400, ProblemCodes.InvalidRequest),
            (Send(8, "bob", Message(1, uint.MaxValue, [1])), 400, ProblemCodes.InvalidRequest),
            (Send(9, "bob", Message(1, 20, [1]), Message(2, 20, [1])), 409, ProblemCodes.MismatchedDevices),
            (new Send(Send(10, "bob", Message(1, 20, [1]))) { TtlSeconds = 0 }, 400, ProblemCodes.InvalidRequest),
            (new Send(Send(11, "bob", Message(1, 20, [1]))) { TtlSeconds = 1_209_601 }, 400, ProblemCodes.InvalidRequest),
        };

        foreach (var (send, status, code) in cases)
        {
            await socket.SendFrameAsync(new ClientFrame { Send = send });
            var result = await socket.ReceiveSendResultAsync();
            Assert.Equal(send.RequestId, result.RequestId);
            Assert.True(status == result.Status && code == result.Code, $"request {send.RequestId}: expected {status} {code}, got {result.Status} {result.Code}");
            Assert.False(string.IsNullOrWhiteSpace(result.Detail));
            Assert.Empty(result.Envelopes);
        }

        Assert.Equal(before, DatabaseSnapshot.Take(server.DataDirectory));
        Assert.Equal(0, await server.Service<IMessageStore>().CountAsync(new DeviceAddress(bob.AccountId, 1), Ct));
    }

    [Fact]
    public async Task AMismatchedSendFrameListsMissingAndExtraDevicesAndAStaleOneListsStaleDevices()
    {
        using var server = new SottoServerFactory();
        var (alice, _) = await AliceAndBobAsync(server);
        await using var socket = await DeliveryClient.ConnectAsync(server, alice);
        await socket.DrainAsync();

        await socket.SendFrameAsync(new ClientFrame { Send = Send(1, "bob", Message(5, 20, [1])) });
        var mismatched = await socket.ReceiveSendResultAsync();
        await socket.SendFrameAsync(new ClientFrame { Send = Send(2, "bob", Message(1, 99, [1])) });
        var stale = await socket.ReceiveSendResultAsync();

        Assert.Equal([1u], mismatched.MissingDevices);
        Assert.Equal([5u], mismatched.ExtraDevices);
        Assert.Equal([1u], stale.StaleDevices);
    }

    [Fact]
    public async Task PipelinedSendFramesAreAllAnsweredByRequestIdAndAllDelivered()
    {
        using var server = new SottoServerFactory();
        var (alice, bob) = await AliceAndBobAsync(server);
        await using var aliceSocket = await DeliveryClient.ConnectAsync(server, alice);
        await aliceSocket.DrainAsync();
        await using var bobSocket = await DeliveryClient.ConnectAsync(server, bob);
        await bobSocket.DrainAsync();

        for (ulong i = 1; i <= 100; i++)
        {
            await aliceSocket.SendFrameAsync(new ClientFrame { Send = Send(i, "bob", Message(1, 20, BitConverter.GetBytes(i))) });
        }

        var results = new Dictionary<ulong, SendResult>();
        while (results.Count < 100)
        {
            var result = await aliceSocket.ReceiveSendResultAsync();
            Assert.True(results.TryAdd(result.RequestId, result), "two results for one request");
        }

        Assert.All(results.Values, r => Assert.Equal(200u, r.Status));
        var delivered = new HashSet<string>();
        while (delivered.Count < 100)
        {
            var envelope = (await bobSocket.ReceiveAsync()).Envelope;
            delivered.Add(envelope.Id);
            await bobSocket.AckAsync(envelope.Id);
        }

        Assert.Equal(results.Values.Select(r => r.Envelopes[0].Id).Order(), delivered.Order());
    }

    [Fact]
    public async Task ASendFrameMayExceedTheClientFrameLimitUpToTheSendLimit()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Messages:MaxEnvelopeBytes"] = "20000", ["Devices:MaxDevices"] = "2" });
        var (alice, _) = await AliceAndBobAsync(server);
        await using var socket = await DeliveryClient.ConnectAsync(server, alice);
        await socket.DrainAsync();

        await socket.SendFrameAsync(new ClientFrame { Send = Send(1, "bob", Message(1, 20, new byte[19_000])) });
        Assert.Equal(200u, (await socket.ReceiveSendResultAsync()).Status);

        // (20,000 + 64) × 2 + 1,024 = 41,152 bytes is the largest Send frame here.
        await socket.SendFrameAsync(new ClientFrame { Send = Send(2, "bob", Message(1, 20, new byte[20_000]), Message(2, 20, new byte[20_000]), Message(3, 20, new byte[20_000])) });
        var (status, _) = await socket.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
    }

    [Fact]
    public async Task RestAndWebSocketSendsShareOneRateLimitBudget()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Enabled"] = "true",
            ["RateLimits:Messages:PermitLimit"] = "3",
            ["RateLimits:Messages:WindowSeconds"] = "600",
        });
        var (alice, bob) = await AliceAndBobAsync(server);
        using var rest = server.ClientFor(alice);
        await using var socket = await DeliveryClient.ConnectAsync(server, alice);
        await socket.DrainAsync();

        using (var first = await Api.SendAsync(rest, "bob", Api.Message(1, 20, [1])))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await socket.SendFrameAsync(new ClientFrame { Send = Send(1, "bob", Message(1, 20, [2])) });
        Assert.Equal(200u, (await socket.ReceiveSendResultAsync()).Status);
        using (var third = await Api.SendAsync(rest, "bob", Api.Message(1, 20, [3])))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        }

        await socket.SendFrameAsync(new ClientFrame { Send = Send(2, "bob", Message(1, 20, [4])) });
        var limited = await socket.ReceiveSendResultAsync();
        using var limitedRest = await Api.SendAsync(rest, "bob", Api.Message(1, 20, [5]));

        Assert.Equal(429u, limited.Status);
        Assert.Equal(ProblemCodes.RateLimited, limited.Code);
        Assert.InRange(limited.RetryAfterSeconds, 1u, 600u);
        await Api.ProblemAsync(limitedRest, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.NotNull(limitedRest.Headers.RetryAfter?.Delta);
        Assert.Equal(3, await server.Service<IMessageStore>().CountAsync(new DeviceAddress(bob.AccountId, 1), Ct));
    }
}
