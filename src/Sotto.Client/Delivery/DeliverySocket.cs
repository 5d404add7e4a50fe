using System.Net.WebSockets;
using Google.Protobuf;
using Sotto.Wire;

namespace Sotto.Client.Delivery;

/// <summary>
/// This device's delivery WebSocket (<c>GET /v1/websocket</c>, docs/server-api.md "WebSocket delivery"): binary
/// <see cref="ServerFrame"/>s in, <see cref="ClientFrame"/>s (acknowledgements) out. Owns the socket and the bounds
/// on what it reads; knows nothing of what the envelopes contain.
/// </summary>
internal sealed class DeliverySocket : IAsyncDisposable
{
    /// <summary>Largest server frame accepted: a 256 KiB envelope plus its metadata, with room to spare.</summary>
    public const int MaxFrameBytes = 320 * 1024;

    /// <summary>Close code: the device was removed.</summary>
    public const int DeviceRemovedCloseCode = 4403;

    /// <summary>Close code: the same device opened a newer connection.</summary>
    public const int SupersededCloseCode = 4409;

    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[MaxFrameBytes];

    private DeliverySocket(ClientWebSocket socket)
    {
        _socket = socket;
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<DeliverySocket> ConnectAsync(Uri server, string authorization, HttpMessageInvoker? invoker, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", authorization);
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        var uri = new UriBuilder(server)
        {
            Scheme = server.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Path = server.AbsolutePath.TrimEnd('/') + "/v1/websocket",
        }.Uri;
        try
        {
            if (invoker is null)
            {
                await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(uri, invoker, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebSocketException ex)
        {
            socket.Dispose();
            throw new SottoClientException(ClientError.Network, "Cannot open the delivery connection to the server.", ex) { IsTransient = true };
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new DeliverySocket(socket);
    }

    /// <summary>The next frame, or <see langword="null"/> when the server closed the connection.</summary>
    /// <exception cref="SottoClientException">The connection broke, or the server sent something outside the protocol.</exception>
    public async Task<ServerFrame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        int length = 0;
        try
        {
            while (true)
            {
                if (length == _buffer.Length)
                {
                    throw new SottoClientException(ClientError.BadServerResponse, "The server sent a frame over the size limit.");
                }

                var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType != WebSocketMessageType.Binary)
                {
                    throw new SottoClientException(ClientError.BadServerResponse, "The server sent a text frame.");
                }

                try
                {
                    return ServerFrame.Parser.ParseFrom(_buffer, 0, length);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new SottoClientException(ClientError.BadServerResponse, "The server sent an unparseable frame.", ex);
                }
            }
        }
        catch (WebSocketException ex)
        {
            throw new SottoClientException(ClientError.Network, "The delivery connection broke.", ex) { IsTransient = true };
        }
    }

    public async Task AckAsync(IReadOnlyList<string> envelopeIds, CancellationToken cancellationToken)
    {
        var frame = new ClientFrame { Ack = new Ack() };
        frame.Ack.EnvelopeIds.Add(envelopeIds);
        try
        {
            await _socket.SendAsync(frame.ToByteArray(), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new SottoClientException(ClientError.Network, "The delivery connection broke.", ex) { IsTransient = true };
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
            else if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing is a courtesy: the server cleans up a dropped connection too.
        }

        _socket.Dispose();
    }
}
