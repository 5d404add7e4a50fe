using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.AspNetCore.TestHost;
using Sotto.Wire;

namespace Sotto.Server.Tests.Support;

/// <summary>A raw delivery-WebSocket client speaking wire.proto frames, against the in-process or a real server.</summary>
public sealed class DeliveryClient : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly byte[] _buffer = new byte[1024 * 1024];

    private DeliveryClient(WebSocket socket)
    {
        _socket = socket;
    }

    public WebSocket Socket => _socket;

    public static async Task<DeliveryClient> ConnectAsync(SottoServerFactory factory, DeviceCredentials credentials)
    {
        var client = factory.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = DeviceAuth.BasicHeaderValue(credentials.Username, credentials.DeviceId, credentials.Password);
        var socket = await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/v1/websocket"), TestContext.Current.CancellationToken);
        return new DeliveryClient(socket);
    }

    public static async Task<DeliveryClient> ConnectAsync(Uri server, DeviceCredentials credentials, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", DeviceAuth.BasicHeaderValue(credentials.Username, credentials.DeviceId, credentials.Password));
        var uri = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = "/v1/websocket" }.Uri;
        await socket.ConnectAsync(uri, cancellationToken);
        return new DeliveryClient(socket);
    }

    /// <summary>
    /// The next server frame; throws when the connection closes or nothing arrives in time (by default
    /// <see cref="Eventually.Patience"/>: a frame that is coming may be slow on a loaded machine).
    /// </summary>
    public Task<ServerFrame> ReceiveAsync(TimeSpan? timeout = null) => ReceiveOrStopAsync(timeout ?? Eventually.Patience, CancellationToken.None);

    /// <summary>Like <see cref="ReceiveAsync"/>, but also gives up when <paramref name="stop"/> fires.</summary>
    public async Task<ServerFrame> ReceiveOrStopAsync(TimeSpan timeout, CancellationToken stop)
    {
        var message = await ReceiveMessageAsync(timeout, stop);
        if (message.Type == WebSocketMessageType.Close)
        {
            throw new InvalidOperationException($"closed: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
        }

        Assert.Equal(WebSocketMessageType.Binary, message.Type);
        return ServerFrame.Parser.ParseFrom(message.Bytes);
    }

    /// <summary>Receives envelopes until QueueEmpty, returning them (unacknowledged).</summary>
    public async Task<List<Envelope>> DrainAsync()
    {
        var envelopes = new List<Envelope>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.FrameCase == ServerFrame.FrameOneofCase.QueueEmpty)
            {
                return envelopes;
            }

            Assert.Equal(ServerFrame.FrameOneofCase.Envelope, frame.FrameCase);
            envelopes.Add(frame.Envelope);
        }
    }

    /// <summary>The next <see cref="SendResult"/>, skipping (and not acknowledging) anything else that arrives first.</summary>
    public async Task<SendResult> ReceiveSendResultAsync()
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.FrameCase == ServerFrame.FrameOneofCase.SendResult)
            {
                return frame.SendResult;
            }
        }
    }

    public Task AckAsync(params string[] ids)
    {
        var frame = new ClientFrame { Ack = new Ack() };
        frame.Ack.EnvelopeIds.Add(ids);
        return SendFrameAsync(frame);
    }

    public Task PingAsync(ulong nonce) => SendFrameAsync(new ClientFrame { Ping = new Ping { Nonce = nonce } });

    public Task SendFrameAsync(ClientFrame frame) => SendRawAsync(frame.ToByteArray(), WebSocketMessageType.Binary);

    public Task SendRawAsync(byte[] bytes, WebSocketMessageType type, bool endOfMessage = true) =>
        _socket.SendAsync(bytes, type, endOfMessage, TestContext.Current.CancellationToken);

    /// <summary>Waits for the server's close frame and returns its status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> ReceiveCloseAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var message = await ReceiveMessageAsync(timeout ?? Eventually.Patience);
            if (message.Type == WebSocketMessageType.Close)
            {
                return (_socket.CloseStatus, _socket.CloseStatusDescription);
            }
        }
    }

    /// <summary>True when nothing arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> IsQuietAsync(TimeSpan quiet)
    {
        try
        {
            await ReceiveMessageAsync(quiet);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            else if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    private async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveMessageAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, cancellationToken);
        cts.CancelAfter(timeout);
        int length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token);
            length += result.Count;
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, _buffer.AsSpan(0, length).ToArray());
            }
        }
    }
}
