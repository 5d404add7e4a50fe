using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sotto.Server.Features.Messages;
using Sotto.Server.Storage;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Messages;

/// <summary>
/// Delivery pushes a notified envelope directly only when it is the device's next one; a bus that reorders,
/// coalesces or strips notifications (as a multi-node Redis bus may) must cost reads, never envelopes or order.
/// </summary>
public sealed class DeliveryOrderingTests
{
    [Theory]
    [InlineData(BusMode.Reversed)]
    [InlineData(BusMode.WithoutEnvelopes)]
    [InlineData(BusMode.Direct)]
    public async Task LiveEnvelopesArriveCompleteAndInCommitOrderWhateverTheBusDoes(BusMode mode)
    {
        using var factory = new SottoServerFactory();
        using var server = factory.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.Replace(ServiceDescriptor.Singleton<IMessageBus>(sp => new UnreliableBus(sp.GetRequiredService<InProcessMessageBus>(), mode)))));
        using var anonymous = server.CreateClient();
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("alice"), "alice", registrationId: 10);
        var bob = await Api.RegisterAsync(anonymous, new TestIdentity("bob"), "bob", registrationId: 20);
        var webSockets = server.Server.CreateWebSocketClient();
        webSockets.ConfigureRequest = r => r.Headers.Authorization = DeviceAuth.BasicHeaderValue("bob", 1, bob.Password);
        using var socket = await webSockets.ConnectAsync(new Uri(server.Server.BaseAddress, "/v1/websocket"), TestContext.Current.CancellationToken);
        var buffer = new byte[64 * 1024];
        async Task<ServerFrame> ReceiveAsync()
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            cts.CancelAfter(Eventually.Patience);
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            return ServerFrame.Parser.ParseFrom(buffer, 0, result.Count);
        }

        Assert.Equal(ServerFrame.FrameOneofCase.QueueEmpty, (await ReceiveAsync()).FrameCase);

        using var sender = server.CreateClient();
        sender.DefaultRequestHeaders.Authorization = System.Net.Http.Headers.AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue("alice", 1, alice.Password));
        var sent = new ConcurrentBag<Guid>();
        await Parallel.ForAsync(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var response = await Api.SendAsync(sender, "bob", Api.Message(1, 20, [(byte)i]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            sent.Add((await Api.ReadAsync<SendMessagesResponse>(response)).Envelopes[0].Id);
        });

        var received = new List<string>();
        while (received.Count < 60)
        {
            var frame = await ReceiveAsync();
            Assert.Equal(ServerFrame.FrameOneofCase.Envelope, frame.FrameCase);
            received.Add(frame.Envelope.Id);
        }

        Assert.Equal(sent.Select(EnvelopeIds.Format).Order(), received.Order());
        Assert.Equal(60, received.Distinct().Count());

        // Nothing was acknowledged, so the store still holds all 60 in commit (sequence) order: the delivery order.
        var store = server.Services.GetRequiredService<IMessageStore>();
        var queue = await store.ReadAsync(new DeviceAddress(bob.AccountId, 1), 0, 1000, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        Assert.Equal(queue.Select(e => EnvelopeIds.Format(e.Id)), received);
    }

    public enum BusMode
    {
        Direct,
        Reversed,
        WithoutEnvelopes,
    }

    /// <summary>
    /// Forwards to the in-process bus, reversing short bursts of notifications or dropping their envelopes — but never
    /// dropping a notification, which the <see cref="IMessageBus"/> contract forbids.
    /// </summary>
    private sealed class UnreliableBus(InProcessMessageBus inner, BusMode mode) : IMessageBus
    {
        private readonly List<(DeviceAddress, StoredEnvelope?)> _held = [];

        public ValueTask<IAsyncDisposable> SubscribeAsync(DeviceAddress device, IDeliveryListener listener, CancellationToken cancellationToken = default) =>
            inner.SubscribeAsync(device, listener, cancellationToken);

        public async ValueTask PublishAsync(DeviceAddress device, StoredEnvelope? envelope, CancellationToken cancellationToken = default)
        {
            switch (mode)
            {
                case BusMode.WithoutEnvelopes:
                    await inner.PublishAsync(device, null, cancellationToken);
                    return;
                case BusMode.Reversed:
                    bool schedule;
                    lock (_held)
                    {
                        _held.Add((device, envelope));
                        schedule = _held.Count == 1;
                    }

                    if (schedule)
                    {
                        // Deliver everything published in the next few milliseconds, newest first.
                        _ = Task.Run(async () =>
                        {
                            await Task.Delay(5, CancellationToken.None);
                            List<(DeviceAddress, StoredEnvelope?)> flush;
                            lock (_held)
                            {
                                flush = [.. _held];
                                _held.Clear();
                            }

                            flush.Reverse();
                            foreach (var (d, e) in flush)
                            {
                                await inner.PublishAsync(d, e, CancellationToken.None);
                            }
                        }, CancellationToken.None);
                    }

                    return;
                default:
                    await inner.PublishAsync(device, envelope, cancellationToken);
                    return;
            }
        }

        public ValueTask DisconnectAsync(DeviceAddress device, DisconnectReason reason, CancellationToken cancellationToken = default) =>
            inner.DisconnectAsync(device, reason, cancellationToken);
    }
}
