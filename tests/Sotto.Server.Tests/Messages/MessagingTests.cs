using System.Net;
using System.Net.Http.Json;
using Sotto.Server.Storage;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Messages;

/// <summary>Sending over REST and delivery over the WebSocket, in-process.</summary>
public sealed class MessagingTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly SottoServerFactory _server;
    private readonly HttpClient _anonymous;

    public MessagingTests()
        : this(new SottoServerFactory())
    {
    }

    private MessagingTests(SottoServerFactory server)
    {
        _server = server;
        _anonymous = _server.CreateClient();
    }

    public void Dispose() => _server.Dispose();

    private async Task<(DeviceCredentials Alice, DeviceCredentials Bob)> AliceAndBobAsync(SottoServerFactory? server = null)
    {
        var client = server?.CreateClient() ?? _anonymous;
        return (await Api.RegisterAsync(client, new TestIdentity("alice"), "alice", registrationId: 10),
                await Api.RegisterAsync(client, new TestIdentity("bob"), "bob", registrationId: 20));
    }

    private static async Task<DeviceCredentials> LinkAsync(SottoServerFactory server, DeviceCredentials primary, TestIdentity identity, int registrationId)
    {
        var anonymous = server.CreateClient();
        var link = await Api.ReadAsync<LinkRequestCreated>(await anonymous.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = [1] }, Api.Json, Ct), HttpStatusCode.Created);
        await server.ClientFor(primary).PutAsJsonAsync($"/v1/devices/link/{link.Code}", new Sotto.Wire.LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);
        using var complete = await anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", new LinkCompleteRequest
        {
            Token = link.Token,
            RegistrationId = registrationId,
            SignedPreKey = identity.SignedPreKey(2),
            PqLastResortPreKey = identity.KyberPreKey(3),
        }, Api.Json, Ct);
        return await Api.ReadAsync<DeviceCredentials>(complete, HttpStatusCode.Created);
    }

    private static byte[] Payload(int i) => [.. "ciphertext-"u8, (byte)(i >> 8), (byte)i];

    [Fact]
    public async Task ASentEnvelopeIsPushedWithItsMetadataThenQueueEmptyAndAnAckDeletesIt()
    {
        var (alice, bob) = await AliceAndBobAsync();
        using var aliceClient = _server.ClientFor(alice);
        var before = DateTimeOffset.UtcNow;

        var sent = await Api.ReadAsync<SendMessagesResponse>(await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, [1, 2, 3], EnvelopeType.PreKey)));

        var id = Assert.Single(sent.Envelopes).Id;
        await using (var socket = await DeliveryClient.ConnectAsync(_server, bob))
        {
            var envelope = Assert.Single(await socket.DrainAsync());
            Assert.Equal(EnvelopeIds.Format(id), envelope.Id);
            Assert.Equal(EnvelopeType.PreKey, envelope.Type);
            Assert.Equal("alice", envelope.SourceUsername);
            Assert.Equal(alice.AccountId.ToString("D"), envelope.SourceAccountId);
            Assert.Equal(1u, envelope.SourceDeviceId);
            Assert.Equal(1u, envelope.DestinationDeviceId);
            Assert.Equal(1_764_190_000_000UL, envelope.ClientTimestamp);
            Assert.Equal((ulong)sent.ServerTimestamp, envelope.ServerTimestamp);
            Assert.InRange((long)envelope.ServerTimestamp, before.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.Equal(envelope.ServerTimestamp + 14UL * 24 * 3600 * 1000, envelope.Deadline);
            Assert.Equal([1, 2, 3], envelope.Content.ToByteArray());
            await socket.AckAsync(envelope.Id);
            await socket.PingAsync(5);
            Assert.Equal(5UL, (await socket.ReceiveAsync()).Pong.Nonce);
        }

        await WaitForCountAsync(new DeviceAddress(bob.AccountId, 1), 0);
        await using var again = await DeliveryClient.ConnectAsync(_server, bob);
        Assert.Empty(await again.DrainAsync());
    }

    [Fact]
    public async Task OfflineMessagesArriveInSendOrderWhenTheDeviceConnects()
    {
        var (alice, bob) = await AliceAndBobAsync();
        using var aliceClient = _server.ClientFor(alice);
        for (int i = 0; i < 100; i++)
        {
            using var response = await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, Payload(i)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await using var socket = await DeliveryClient.ConnectAsync(_server, bob);
        var received = new List<Envelope>();
        while (true)
        {
            var frame = await socket.ReceiveAsync();
            if (frame.FrameCase == ServerFrame.FrameOneofCase.QueueEmpty)
            {
                break;
            }

            received.Add(frame.Envelope);
            await socket.AckAsync(frame.Envelope.Id);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => Convert.ToHexString(Payload(i))), received.Select(e => Convert.ToHexString(e.Content.ToByteArray())));
    }

    [Fact]
    public async Task EnvelopesSentWhileConnectedArriveLiveAfterQueueEmpty()
    {
        var (alice, bob) = await AliceAndBobAsync();
        await using var socket = await DeliveryClient.ConnectAsync(_server, bob);
        Assert.Empty(await socket.DrainAsync());

        await Api.SendAsync(_server.ClientFor(alice), "bob", Api.Message(1, 20, [9]));

        var frame = await socket.ReceiveAsync();
        Assert.Equal([9], frame.Envelope.Content.ToByteArray());
    }

    [Fact]
    public async Task UnacknowledgedEnvelopesAreDeliveredAgainWithTheSameId()
    {
        var (alice, bob) = await AliceAndBobAsync();
        await Api.SendAsync(_server.ClientFor(alice), "bob", Api.Message(1, 20, [1]));
        string first;
        await using (var socket = await DeliveryClient.ConnectAsync(_server, bob))
        {
            first = Assert.Single(await socket.DrainAsync()).Id;
        }

        await using var again = await DeliveryClient.ConnectAsync(_server, bob);
        Assert.Equal(first, Assert.Single(await again.DrainAsync()).Id);
    }

    [Fact]
    public async Task SendingWithoutEveryDeviceIsAConflictListingMissingAndExtraDevices()
    {
        var (alice, bob) = await AliceAndBobAsync();
        await LinkAsync(_server, bob, new TestIdentity("bob"), 21);
        using var aliceClient = _server.ClientFor(alice);

        using var response = await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, [1]), Api.Message(5, 50, [1]));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.MismatchedDevices);
        Assert.Equal([2u], problem.MissingDevices);
        Assert.Equal([5u], problem.ExtraDevices);
        Assert.Equal(0, await _server.Service<IMessageStore>().CountAsync(new DeviceAddress(bob.AccountId, 1), Ct));
    }

    [Fact]
    public async Task SendingToAStaleRegistrationIdIsGoneListingStaleDevices()
    {
        var (alice, bob) = await AliceAndBobAsync();
        await LinkAsync(_server, bob, new TestIdentity("bob"), 21);

        using var response = await Api.SendAsync(_server.ClientFor(alice), "bob", Api.Message(1, 20, [1]), Api.Message(2, 99, [1]));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.Gone, ProblemCodes.StaleDevices);
        Assert.Equal([2u], problem.StaleDevices);
        Assert.Equal(0, await _server.Service<IMessageStore>().CountAsync(new DeviceAddress(bob.AccountId, 1), Ct));
    }

    [Fact]
    public async Task SendingToTheOwnAccountCoversExactlyTheOtherDevices()
    {
        var (alice, _) = await AliceAndBobAsync();
        var laptop = await LinkAsync(_server, alice, new TestIdentity("alice"), 11);
        using var phone = _server.ClientFor(alice);

        using var includingSelf = await Api.SendAsync(phone, "alice", Api.Message(1, 10, [1]), Api.Message(2, 11, [1]));
        using var others = await Api.SendAsync(phone, "alice", Api.Message(2, 11, [2]));

        var problem = await Api.ProblemAsync(includingSelf, HttpStatusCode.Conflict, ProblemCodes.MismatchedDevices);
        Assert.Equal([1u], problem.ExtraDevices);
        Assert.Equal(HttpStatusCode.OK, others.StatusCode);
        await using var socket = await DeliveryClient.ConnectAsync(_server, laptop);
        var transcript = Assert.Single(await socket.DrainAsync());
        Assert.Equal([2], transcript.Content.ToByteArray());
        Assert.Equal(1u, transcript.SourceDeviceId);
        Assert.Equal("alice", transcript.SourceUsername);
    }

    [Fact]
    public async Task EachDeviceOfTheRecipientGetsItsOwnEnvelope()
    {
        var (alice, bob) = await AliceAndBobAsync();
        var bob2 = await LinkAsync(_server, bob, new TestIdentity("bob"), 21);

        var sent = await Api.ReadAsync<SendMessagesResponse>(await Api.SendAsync(_server.ClientFor(alice), "bob", Api.Message(1, 20, [1]), Api.Message(2, 21, [2])));

        await using var first = await DeliveryClient.ConnectAsync(_server, bob);
        await using var second = await DeliveryClient.ConnectAsync(_server, bob2);
        var one = Assert.Single(await first.DrainAsync());
        var two = Assert.Single(await second.DrainAsync());
        Assert.Equal([1], one.Content.ToByteArray());
        Assert.Equal([2], two.Content.ToByteArray());
        Assert.Equal(sent.Envelopes.Select(e => EnvelopeIds.Format(e.Id)).Order(), new[] { one.Id, two.Id }.Order());
        Assert.NotEqual(one.Id, two.Id);
    }

    [Fact]
    public async Task AnAckForAnotherDevicesEnvelopeDeletesNothing()
    {
        var (alice, bob) = await AliceAndBobAsync();
        var sent = await Api.ReadAsync<SendMessagesResponse>(await Api.SendAsync(_server.ClientFor(alice), "bob", Api.Message(1, 20, [1])));
        await using (var aliceSocket = await DeliveryClient.ConnectAsync(_server, alice))
        {
            await aliceSocket.DrainAsync();
            await aliceSocket.AckAsync(EnvelopeIds.Format(sent.Envelopes[0].Id));
            await aliceSocket.PingAsync(1);
            await aliceSocket.ReceiveAsync();
        }

        await Task.Delay(200, Ct);
        Assert.Equal(1, await _server.Service<IMessageStore>().CountAsync(new DeviceAddress(bob.AccountId, 1), Ct));
    }

    [Fact]
    public async Task ANewConnectionOfTheSameDeviceClosesTheOldOneWith4409()
    {
        var (_, bob) = await AliceAndBobAsync();
        await using var first = await DeliveryClient.ConnectAsync(_server, bob);
        await first.DrainAsync();

        await using var second = await DeliveryClient.ConnectAsync(_server, bob);

        var (status, reason) = await first.ReceiveCloseAsync();
        Assert.Equal(4409, (int)status!);
        Assert.Equal("connected elsewhere", reason);
        Assert.Empty(await second.DrainAsync());
    }

    [Fact]
    public async Task ServerShutdownClosesConnectionsWith1001()
    {
        var (_, bob) = await AliceAndBobAsync();
        await using var socket = await DeliveryClient.ConnectAsync(_server, bob);
        await socket.DrainAsync();

        _server.Service<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();

        var (status, reason) = await socket.ReceiveCloseAsync();
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Equal("server shutting down", reason);
    }

    [Fact]
    public async Task RemovingADeviceClosesItsConnectionWith4403()
    {
        var (_, bob) = await AliceAndBobAsync();
        var bob2 = await LinkAsync(_server, bob, new TestIdentity("bob"), 21);
        await using var socket = await DeliveryClient.ConnectAsync(_server, bob2);
        await socket.DrainAsync();

        await _server.ClientFor(bob).DeleteAsync("/v1/devices/2", Ct);

        var (status, _) = await socket.ReceiveCloseAsync();
        Assert.Equal(4403, (int)status!);
    }

    [Fact]
    public async Task AtMostMaxUnacknowledgedEnvelopesAreInFlight()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Messages:MaxUnacknowledged"] = "3" });
        var (alice, bob) = await AliceAndBobAsync(server);
        using var aliceClient = server.ClientFor(alice);
        for (int i = 0; i < 5; i++)
        {
            await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, Payload(i)));
        }

        await using var socket = await DeliveryClient.ConnectAsync(server, bob);
        var first = new List<Envelope>();
        for (int i = 0; i < 3; i++)
        {
            first.Add((await socket.ReceiveAsync()).Envelope);
        }

        await socket.PingAsync(1);
        Assert.Equal(ServerFrame.FrameOneofCase.Pong, (await socket.ReceiveAsync()).FrameCase);
        await socket.AckAsync(first[0].Id, first[1].Id);
        var rest = new[] { (await socket.ReceiveAsync()).Envelope, (await socket.ReceiveAsync()).Envelope };
        Assert.Equal(ServerFrame.FrameOneofCase.QueueEmpty, (await socket.ReceiveAsync()).FrameCase);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Convert.ToHexString(Payload(i))), first.Concat(rest).Select(e => Convert.ToHexString(e.Content.ToByteArray())));
    }

    [Fact]
    public async Task EnvelopesPastTheirDeadlineAreNeitherDeliveredNorKept()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new SottoServerFactory(time: time);
        var (alice, bob) = await AliceAndBobAsync(server);
        using var aliceClient = server.ClientFor(alice);
        using var shortLived = await aliceClient.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest { Timestamp = 1, TtlSeconds = 30, Messages = [Api.Message(1, 20, [1])] }, Api.Json, Ct);
        using var longLived = await aliceClient.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest { Timestamp = 2, Messages = [Api.Message(1, 20, [2])] }, Api.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, shortLived.StatusCode);

        time.Advance(TimeSpan.FromSeconds(31));
        await using (var socket = await DeliveryClient.ConnectAsync(server, bob))
        {
            Assert.Equal([2], Assert.Single(await socket.DrainAsync()).Content.ToByteArray());
        }

        time.Advance(TimeSpan.FromSeconds(60));
        var store = server.Service<IMessageStore>();
        var address = new DeviceAddress(bob.AccountId, 1);
        await Eventually.HoldsAsync(async () => await store.CountAsync(address, Ct) == 1);
        Assert.Equal(1, await store.CountAsync(address, Ct));
        time.Advance(TimeSpan.FromDays(14));
        await Eventually.HoldsAsync(async () => await store.CountAsync(address, Ct) == 0);
        Assert.Equal(0, await store.CountAsync(address, Ct));
    }

    [Fact]
    public async Task EnvelopesPastTheirDeadlineAreDeletedByTheSweeperThoughTheDeviceNeverConnected()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Messages:SweepIntervalSeconds"] = "60" }, time);
        var (alice, bob) = await AliceAndBobAsync(server);
        using var aliceClient = server.ClientFor(alice);
        using var shortLived = await aliceClient.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest { Timestamp = 1, TtlSeconds = 5, Messages = [Api.Message(1, 20, [1])] }, Api.Json, Ct);
        using var sameDeadline = await aliceClient.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest { Timestamp = 2, TtlSeconds = 60, Messages = [Api.Message(1, 20, [2])] }, Api.Json, Ct);
        using var longLived = await aliceClient.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest { Timestamp = 3, TtlSeconds = 61, Messages = [Api.Message(1, 20, [3])] }, Api.Json, Ct);
        var store = server.Service<IMessageStore>();
        var address = new DeviceAddress(bob.AccountId, 1);
        Assert.Equal(3, await store.CountAsync(address, Ct));

        time.Advance(TimeSpan.FromSeconds(60));   // one sweep interval: the first two deadlines have passed, the third has not

        Assert.True(await Eventually.HoldsAsync(async () => await store.CountAsync(address, Ct) == 1), "expired envelopes were not purged");
        var left = Assert.Single(await store.ReadAsync(address, 0, 10, time.GetUtcNow(), Ct));
        Assert.Equal([3], left.Content);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(await Eventually.HoldsAsync(async () => await store.CountAsync(address, Ct) == 0), "the last envelope outlived its deadline");
    }

    private async Task WaitForCountAsync(DeviceAddress device, long expected)
    {
        var store = _server.Service<IMessageStore>();
        await Eventually.HoldsAsync(async () => await store.CountAsync(device, Ct) == expected);
        Assert.Equal(expected, await store.CountAsync(device, Ct));
    }
}
