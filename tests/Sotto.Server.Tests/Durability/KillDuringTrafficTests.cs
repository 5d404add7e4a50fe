using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Sotto.Server.Tests.Support;
using Sotto.Wire;
using Sotto.TestSupport;

namespace Sotto.Server.Tests.Durability;

/// <summary>
/// Issue 3 / DESIGN.md §4 durability, against the real server process: messages are sent continuously while a
/// receiver drains and acknowledges them; the server is killed with SIGKILL mid-stream (twice) and restarted on the
/// same data directory. Every send that was answered 200 must be delivered; a redelivered envelope carries the same
/// id (so the receiver drops it); and no content ever arrives under two different ids.
/// </summary>
[Trait("Category", "Integration")]
public sealed class KillDuringTrafficTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ScratchDirectory _scratch = ScratchDirectory.Create("kill-");

    private string DataDirectory => _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task NoAcknowledgedSendIsLostAndRedeliveriesKeepTheirIdAcrossKillNine()
    {
        int port = ServerProcess.FreePort();
        TestContext.Current.SendDiagnosticMessage($"{DateTime.UtcNow:HH:mm:ss.fff} start");
        var server = await ServerProcess.StartAsync(DataDirectory, port);
        try
        {
            var address = server.Address;
            using var anonymous = new HttpClient { BaseAddress = address };
            var alice = await Api.RegisterAsync(anonymous, new TestIdentity("alice"), "alice", registrationId: 10);
            var bob = await Api.RegisterAsync(anonymous, new TestIdentity("bob"), "bob", registrationId: 20);

            var acknowledged = new ConcurrentDictionary<string, Guid>();   // payload → id, for sends answered 200
            var attempted = new ConcurrentDictionary<string, byte>();       // every payload ever sent
            using var stopSending = new CancellationTokenSource();
            using var stopReceiving = new CancellationTokenSource();
            var receiver = new Receiver(address, bob);
            var receiving = receiver.RunAsync(stopReceiving.Token);
            var senders = Enumerable.Range(0, 4).Select(n => SendLoopAsync(address, alice, n, acknowledged, attempted, stopSending.Token)).ToArray();

            for (int round = 0; round < 2; round++)
            {
                await WaitUntilAsync(() => acknowledged.Count >= 150 * (round + 1), TimeSpan.FromSeconds(60), server);
                TestContext.Current.SendDiagnosticMessage($"{DateTime.UtcNow:HH:mm:ss.fff} kill at {acknowledged.Count}");
                server.Kill();
                await Task.Delay(300, Ct);
                server.Dispose();
                server = await ServerProcess.StartAsync(DataDirectory, port);
                TestContext.Current.SendDiagnosticMessage($"{DateTime.UtcNow:HH:mm:ss.fff} restarted");
            }

            await WaitUntilAsync(() => acknowledged.Count >= 450, TimeSpan.FromSeconds(60), server);
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);
            TestContext.Current.SendDiagnosticMessage($"{DateTime.UtcNow:HH:mm:ss.fff} senders stopped");

            // Every acknowledged send must reach the receiver.
            await WaitUntilAsync(() => acknowledged.Keys.All(receiver.Payloads.ContainsKey), TimeSpan.FromSeconds(60), server);
            await stopReceiving.CancelAsync();
            await receiving;

            foreach (var (payload, id) in acknowledged)
            {
                Assert.Equal(id, receiver.Payloads[payload]);
            }

            // Content never arrives under two ids; everything received was sent; duplicates share an id.
            Assert.Equal(receiver.Payloads.Count, receiver.Payloads.Values.Distinct().Count());
            Assert.All(receiver.Payloads.Keys, p => Assert.True(attempted.ContainsKey(p), "received a payload nobody sent"));
            Assert.True(receiver.Deliveries >= receiver.Payloads.Count);
            TestContext.Current.SendDiagnosticMessage(
                $"acknowledged {acknowledged.Count}, attempted {attempted.Count}, delivered {receiver.Deliveries}, " +
                $"distinct {receiver.Payloads.Count}, redelivered (same id) {receiver.Deliveries - receiver.Payloads.Count}");
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task SendLoopAsync(Uri address, DeviceCredentials alice, int sender, ConcurrentDictionary<string, Guid> acknowledged, ConcurrentDictionary<string, byte> attempted, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(alice.Username, alice.DeviceId, alice.Password));
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            var payload = $"s{sender}-m{i}";
            attempted[payload] = 0;
            try
            {
                using var response = await client.PutAsJsonAsync("/v1/messages/bob", new SendMessagesRequest
                {
                    Timestamp = i,
                    Messages = [Api.Message(1, 20, System.Text.Encoding.UTF8.GetBytes(payload))],
                }, Api.Json, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var sent = await response.Content.ReadFromJsonAsync<SendMessagesResponse>(Api.Json, CancellationToken.None);
                    acknowledged[payload] = sent!.Envelopes[0].Id;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server is down or died mid-request: outcome unknown, like a real client's. Move on.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, ServerProcess server)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out; server output:\n" + server.Output);
            }

            await Task.Delay(20, Ct);
        }
    }

    /// <summary>The "application": receives over the WebSocket, acknowledges each envelope, reconnects on loss.</summary>
    private sealed class Receiver(Uri address, DeviceCredentials bob)
    {
        private int _deliveries;

        /// <summary>payload → the id it arrived with (the first time).</summary>
        public ConcurrentDictionary<string, Guid> Payloads { get; } = new();

        public int Deliveries => Volatile.Read(ref _deliveries);

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var socket = await DeliveryClient.ConnectAsync(address, bob, stop);
                    while (!stop.IsCancellationRequested)
                    {
                        var frame = await socket.ReceiveOrStopAsync(TimeSpan.FromSeconds(30), stop);
                        if (frame.FrameCase != ServerFrame.FrameOneofCase.Envelope)
                        {
                            continue;
                        }

                        Interlocked.Increment(ref _deliveries);
                        var payload = frame.Envelope.Content.ToStringUtf8();
                        Assert.True(EnvelopeIds.TryParse(frame.Envelope.Id, out var id));
                        var first = Payloads.GetOrAdd(payload, id);
                        Assert.Equal(first, id);
                        await socket.AckAsync(frame.Envelope.Id);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or InvalidOperationException or HttpRequestException or IOException)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(50, CancellationToken.None);
                    }
                }
            }
        }
    }
}
