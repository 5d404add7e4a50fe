using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Sotto.Server;
using Sotto.Server.Features.Messages;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.TestSupport;
using Sotto.Wire;

namespace Sotto.Benchmarks.Relay;

/// <summary>
/// The relay server's own services without Kestrel (Garnet <c>EmbeddedRespServer</c>): the host is built exactly as
/// <c>sotto server</c> builds it — real SQLite in a scratch directory, real <see cref="MessageService"/>, bus and
/// <see cref="DeliveryConnection"/>s — but never started; devices are registered through the store, and each
/// connected device's WebSocket runs over <see cref="InMemoryDuplex"/> with a client loop that parses every pushed
/// envelope and acknowledges it at once, as the load generator's devices do.
/// </summary>
internal sealed class EmbeddedRelay : IAsyncDisposable
{
    private readonly ScratchDirectory _data = ScratchDirectory.Create("relay-bench-");
    private readonly WebApplication _app;
    private readonly List<Task> _loops = [];
    private readonly List<WebSocket> _sockets = [];
    private long _remaining;
    private TaskCompletionSource _allDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EmbeddedRelay(string synchronous)
    {
        _app = SottoServerHost.Build(SottoServerHost.CreateBuilder(
        [
            "--data", _data.Path,
            "--Storage:Sqlite:Synchronous=" + synchronous,
            "--RateLimits:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]));
        Services = _app.Services;
        Messages = Services.GetRequiredService<MessageService>();
        Store = Services.GetRequiredService<IMessageStore>();
    }

    public IServiceProvider Services { get; }

    public MessageService Messages { get; }

    public IMessageStore Store { get; }

    public List<AuthenticatedDevice> Devices { get; } = [];

    /// <summary>Registers <paramref name="count"/> accounts with one device each (no prekeys: sending needs none).</summary>
    public async Task RegisterAsync(int count)
    {
        var accounts = Services.GetRequiredService<IAccountStore>();
        for (int i = 0; i < count; i++)
        {
            var account = new Account(Guid.CreateVersion7(), $"d{i:D5}", [0x05, .. new byte[32]], DateTimeOffset.UtcNow);
            var (_, hash) = DevicePasswords.Generate();
            if (!await accounts.TryCreateAsync(account, new NewDevice(1 + i, null, hash, DateTimeOffset.UtcNow), new PreKeyUpdate(null, null, null, null)))
            {
                throw new InvalidOperationException("registration failed");
            }

            var found = await accounts.FindDeviceAsync(account.Username, 1) ?? throw new InvalidOperationException("device missing");
            Devices.Add(new AuthenticatedDevice(found.Account, found.Device));
        }
    }

    /// <summary>Opens the delivery connections of <paramref name="devices"/> and waits until each has drained its queue.</summary>
    public async Task ConnectAsync(IEnumerable<AuthenticatedDevice> devices)
    {
        var services = Services.GetRequiredService<DeliveryServices>();
        var registry = Services.GetRequiredService<DeliveryConnections>();
        var ready = new List<Task>();
        foreach (var device in devices)
        {
            var (serverEnd, clientEnd) = InMemoryDuplex.CreatePair();
            var server = WebSocket.CreateFromStream(serverEnd, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var client = WebSocket.CreateFromStream(clientEnd, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
            _sockets.Add(server);
            _sockets.Add(client);
            var connection = new DeliveryConnection(server, device, services);
            _loops.Add(Task.Run(() => connection.RunAsync(registry, CancellationToken.None)));
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ready.Add(drained.Task);
            _loops.Add(Task.Run(() => ClientLoopAsync(client, drained)));
        }

        await Task.WhenAll(ready);
    }

    /// <summary>Arms the completion signal for the next <paramref name="count"/> deliveries.</summary>
    public Task ExpectDeliveries(long count)
    {
        _allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, count);
        return _allDelivered.Task;
    }

    public static SendMessagesRequest Request(AuthenticatedDevice to, byte[] content) => new()
    {
        Timestamp = 1_764_190_000_000,
        Messages = [new OutgoingMessage { Type = EnvelopeType.Whisper, DestinationDeviceId = 1, DestinationRegistrationId = to.Device.RegistrationId, Content = content }],
    };

    private async Task ClientLoopAsync(WebSocket socket, TaskCompletionSource drained)
    {
        var buffer = new byte[16 * 1024];
        var ack = new ClientFrame { Ack = new Ack() };
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var frame = ServerFrame.Parser.ParseFrom(buffer, 0, length);
                if (frame.FrameCase == ServerFrame.FrameOneofCase.QueueEmpty)
                {
                    drained.TrySetResult();
                    continue;
                }

                if (frame.FrameCase != ServerFrame.FrameOneofCase.Envelope)
                {
                    continue;
                }

                ack.Ack.EnvelopeIds.Clear();
                ack.Ack.EnvelopeIds.Add(frame.Envelope.Id);
                await socket.SendAsync(ack.ToByteArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    _allDelivered.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Services.GetRequiredService<DeliveryConnections>().CloseAll();
        foreach (var socket in _sockets)
        {
            socket.Abort();
        }

        await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(5000));
        await _app.DisposeAsync();
        _data.Dispose();
    }
}
