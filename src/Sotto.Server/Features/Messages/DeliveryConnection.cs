using System.Buffers;
using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// One device's delivery WebSocket (docs/server-api.md, "WebSocket"). Two loops share the socket:
/// <code>
///   pump:    read queue after the last pushed sequence ─► push Envelope frames (≤ MaxUnacknowledged unacked)
///            └ queue drained for the first time ─► QueueEmpty; then sleep until the bus or an ack wakes it
///            bus hint = the committed envelope with DeviceSequence = last pushed + 1 ─► push it without a read
///   receive: Ack {ids} ─► free in-flight slots, wake the pump, queue the keys for deletion (AcknowledgementBatcher)
///            Ping ─► Pong
///            Send ─► MessageService (as PUT /v1/messages) in the background, ≤ MaxConcurrentSends at once ─► SendResult
///            anything else ─► close with 1003/1007/1008/1009 and a reason
/// </code>
/// The connection subscribes to the bus before its first read, so no wake-up is lost; unacknowledged envelopes
/// stay in the store and are pushed again, with the same id, on the next connection.
/// </summary>
internal sealed class DeliveryConnection : IDeliveryListener
{
    public const int MaxIdsPerAck = 100;

    /// <summary>Close status sent when the same device connects again (its newer connection wins).</summary>
    public const WebSocketCloseStatus Displaced = (WebSocketCloseStatus)4409;

    /// <summary>Close status sent when the device was removed (unlinked, re-registered or deleted account).</summary>
    public const WebSocketCloseStatus DeviceRemoved = (WebSocketCloseStatus)4403;

    /// <summary>Sends of one connection being processed at once; further Send frames wait (TCP back-pressure).</summary>
    public const int MaxConcurrentSends = 32;

    /// <summary>The first byte of a <see cref="ClientFrame"/> carrying a Send (field 3, length-delimited).</summary>
    private const byte SendTag = (ClientFrame.SendFieldNumber << 3) | 2;

    private const int ReadBatch = 64;
    private const int MaxPendingDeletes = 4;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly AuthenticatedDevice _owner;
    private readonly DeviceAddress _device;
    private readonly DeliveryServices _services;
    private readonly IMessageStore _store;
    private readonly MessageOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly AsyncSignal _wake = new();
    private SemaphoreSlim? _deleteSlots;
    private SemaphoreSlim? _sendSlots;
    /// <summary>Pushed and not yet acknowledged: id → sequence (the key an acknowledgement deletes by). Also the lock.</summary>
    private readonly Dictionary<Guid, long> _unacknowledged = [];
    private readonly CancellationTokenSource _pumpStop = new();
    private byte[] _receiveBuffer = new byte[64];
    private long _lastSequence;
    private long _lastDeviceSequence;
    private bool _mustRead = true;
    private List<StoredEnvelope>? _hints;
    private long _pushed;
    private long _acknowledged;
    private int _closing;
    private string _closeReason = "client closed";

    public DeliveryConnection(WebSocket socket, AuthenticatedDevice owner, DeliveryServices services)
    {
        _socket = socket;
        _owner = owner;
        _device = owner.Address;
        _services = services;
        _store = services.Store;
        _options = services.Options;
        _logger = services.Logger;
    }

    /// <summary>
    /// Runs the connection until either side closes it. Memory matters here (one instance per idle device): no
    /// linked token sources or per-connection registrations; server shutdown reaches the connection through
    /// <see cref="DeliveryConnections"/>.
    /// </summary>
    public async Task RunAsync(DeliveryConnections registry, CancellationToken connectionAborted)
    {
        Log.ConnectionOpened(_logger, _device.DeviceId, _device.AccountId);
        await using var subscription = await _services.Bus.SubscribeAsync(_device, this, connectionAborted).ConfigureAwait(false);
        registry.Add(this);
        var pump = PumpAsync(_pumpStop.Token);
        try
        {
            await ReceiveAsync(connectionAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ConnectionAbortedException or IOException)
        {
            _closeReason = "connection lost";
        }
        finally
        {
            registry.Remove(this);
            await StopPumpAsync().ConfigureAwait(false);
        }

        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ConnectionAbortedException or IOException)
        {
        }

        if (_socket.State == WebSocketState.CloseReceived)
        {
            await TrySendCloseAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
        }

        Log.ConnectionClosed(_logger, _closeReason, _pushed, _acknowledged);
    }

    public void OnEnvelopesAvailable(StoredEnvelope? envelope)
    {
        lock (_unacknowledged)
        {
            if (envelope is null || _mustRead)
            {
                _mustRead = true;
            }
            else if ((_hints ??= new List<StoredEnvelope>(4)).Count < ReadBatch)
            {
                _hints.Add(envelope);
            }
            else
            {
                _hints = null;
                _mustRead = true;
            }
        }

        _wake.Set();
    }

    /// <summary>Server shutdown: tell the client to come back later.</summary>
    public Task CloseForShutdownAsync() => CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

    public void OnDisconnect(DisconnectReason reason) => _ = reason == DisconnectReason.Displaced
        ? CloseAsync(Displaced, "connected elsewhere")
        : CloseAsync(DeviceRemoved, "device removed");

    // ---- pump ----

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        bool drained = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            int room;
            bool mustRead;
            List<StoredEnvelope>? hints;
            lock (_unacknowledged)
            {
                room = _options.MaxUnacknowledged - _unacknowledged.Count;
                mustRead = _mustRead;
                _mustRead = false;
                hints = _hints;
                _hints = null;
            }

            // Fast path: a freshly committed envelope that is exactly the next one of this device is pushed as it came
            // with the notification. Anything else (a gap, a reordering, a full window) falls back to reading the store.
            if (!mustRead && hints is not null)
            {
                hints.Sort(static (a, b) => a.DeviceSequence.CompareTo(b.DeviceSequence));
                foreach (var hint in hints)
                {
                    if (hint.Sequence <= _lastSequence)
                    {
                        continue;
                    }

                    if (room <= 0 || hint.DeviceSequence == 0 || hint.DeviceSequence != _lastDeviceSequence + 1)
                    {
                        mustRead = true;
                        break;
                    }

                    await PushAsync(hint, cancellationToken).ConfigureAwait(false);
                    room--;
                }
            }

            if (mustRead)
            {
                if (room <= 0)
                {
                    Remember();
                    await _wake.WaitAsync().ConfigureAwait(false);
                    continue;
                }

                // Read one more than can be pushed, to know whether the queue is drained without another round trip.
                int want = Math.Min(room, ReadBatch);
                IReadOnlyList<StoredEnvelope> batch;
                try
                {
                    batch = await _store.ReadAsync(_device, _lastSequence, want + 1, _services.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException ex)
                {
                    Log.DeliveryFailed(_logger, ex);
                    await CloseAsync(WebSocketCloseStatus.InternalServerError, "storage unavailable").ConfigureAwait(false);
                    return;
                }

                int push = Math.Min(batch.Count, want);
                for (int i = 0; i < push; i++)
                {
                    await PushAsync(batch[i], cancellationToken).ConfigureAwait(false);
                }

                if (batch.Count > want)
                {
                    Remember();
                    continue;
                }

                if (!drained)
                {
                    await SendAsync(new ServerFrame { QueueEmpty = new QueueEmpty() }, cancellationToken).ConfigureAwait(false);
                    drained = true;
                }
            }

            await _wake.WaitAsync().ConfigureAwait(false);
        }

        void Remember()
        {
            lock (_unacknowledged)
            {
                _mustRead = true;
            }
        }
    }

    private async Task PushAsync(StoredEnvelope envelope, CancellationToken cancellationToken)
    {
        lock (_unacknowledged)
        {
            _unacknowledged[envelope.Id] = envelope.Sequence;
        }

        await SendAsync(new ServerFrame { Envelope = ToWire(envelope) }, cancellationToken).ConfigureAwait(false);
        _lastSequence = envelope.Sequence;
        _lastDeviceSequence = envelope.DeviceSequence;
        _pushed++;
    }

    internal static Envelope ToWire(StoredEnvelope e) => new()
    {
        Id = EnvelopeIds.Format(e.Id),
        Type = (EnvelopeType)e.Type,
        SourceUsername = e.SourceUsername,
        SourceAccountId = e.SourceAccountId.ToString("D"),
        SourceDeviceId = e.SourceDeviceId,
        DestinationDeviceId = e.Destination.DeviceId,
        ClientTimestamp = (ulong)e.ClientTimestamp,
        ServerTimestamp = (ulong)e.ServerTimestamp.ToUnixTimeMilliseconds(),
        Deadline = (ulong)e.Deadline.ToUnixTimeMilliseconds(),
        Content = UnsafeByteOperations.UnsafeWrap(e.Content),
    };

    private async Task SendAsync(ServerFrame frame, CancellationToken cancellationToken)
    {
        int size = frame.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            frame.WriteTo(buffer.AsSpan(0, size));
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _closing) != 0)
                {
                    throw new OperationCanceledException("The connection is closing.");
                }

                await _socket.SendAsync(buffer.AsMemory(0, size), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- receive ----

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Small frames (acks, pings) fit the connection's own 64 bytes; larger ones grow into pooled buffers that
            // go back to the pool once the frame is parsed.
            var buffer = _receiveBuffer;
            byte[]? rented = null;
            try
            {
                int length = 0;
                int capacity = buffer.Length;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == capacity)
                    {
                        // A Send carries envelopes (up to the send limit); every other frame stays under MaxClientFrameBytes.
                        int limit = length > 0 && buffer[0] == SendTag ? _services.MaxSendFrameBytes : _options.MaxClientFrameBytes;
                        if (length >= limit)
                        {
                            await ViolationAsync(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {_options.MaxClientFrameBytes} bytes ({_services.MaxSendFrameBytes} for a Send)", cancellationToken).ConfigureAwait(false);
                            return;
                        }

                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(length * 4, limit));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        if (rented is not null)
                        {
                            ArrayPool<byte>.Shared.Return(rented);
                        }

                        rented = buffer = larger;
                        capacity = Math.Min(larger.Length, limit);
                    }

                    // No token: a cancellable receive registers a callback per call (memory per idle connection), and an
                    // aborted connection fails the pending receive anyway.
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length, capacity - length), CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        if (Volatile.Read(ref _closing) == 0)
                        {
                            _closeReason = "client closed";
                        }

                        return;
                    }

                    if (result.MessageType == WebSocketMessageType.Text)
                    {
                        await ViolationAsync(WebSocketCloseStatus.InvalidMessageType, "only binary ClientFrame messages are accepted", cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (!await HandleFrameAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }

    /// <summary>Handles one client frame; false when the connection is being closed for a protocol violation.</summary>
    private async Task<bool> HandleFrameAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var decoded = DecodeFrame(bytes.Span);
        if (decoded.Violation is { } violation)
        {
            await ViolationAsync(decoded.CloseStatus, violation, cancellationToken).ConfigureAwait(false);
            return false;
        }

        var frame = decoded.Frame!;
        switch (frame.FrameCase)
        {
            case ClientFrame.FrameOneofCase.Ack:
                var (known, unknown) = Acknowledge(decoded.AckIds!);
                foreach (var key in known)
                {
                    await _services.Acknowledgements.EnqueueAsync(new AcknowledgedEnvelope(_device, key), cancellationToken).ConfigureAwait(false);
                }

                if (unknown is not null)
                {
                    _deleteSlots ??= new SemaphoreSlim(MaxPendingDeletes, MaxPendingDeletes);
                    await _deleteSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    _ = DeleteAsync(unknown);
                }

                return true;

            case ClientFrame.FrameOneofCase.Ping:
                await SendAsync(new ServerFrame { Pong = new Pong { Nonce = frame.Ping.Nonce } }, cancellationToken).ConfigureAwait(false);
                return true;

            default:
                _sendSlots ??= new SemaphoreSlim(MaxConcurrentSends, MaxConcurrentSends);
                await _sendSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
                _ = SendForClientAsync(frame.Send);
                return true;
        }
    }

    /// <summary>
    /// Decodes one client frame without acting on it: the frame (an ack with its parsed envelope ids, a ping or a
    /// send), or the protocol violation to close the connection with. Pure, so that it can be fuzzed.
    /// </summary>
    internal static DecodedClientFrame DecodeFrame(ReadOnlySpan<byte> bytes)
    {
        ClientFrame frame;
        try
        {
            frame = ClientFrame.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return DecodedClientFrame.Violates(WebSocketCloseStatus.InvalidPayloadData, "malformed frame: not a ClientFrame");
        }

        switch (frame.FrameCase)
        {
            case ClientFrame.FrameOneofCase.Ack:
                var raw = frame.Ack.EnvelopeIds;
                if (raw.Count is 0 or > MaxIdsPerAck)
                {
                    return DecodedClientFrame.Violates(WebSocketCloseStatus.PolicyViolation, $"an ack carries 1 to {MaxIdsPerAck} envelope ids");
                }

                var ids = new Guid[raw.Count];
                for (int i = 0; i < ids.Length; i++)
                {
                    if (!EnvelopeIds.TryParse(raw[i], out ids[i]))
                    {
                        return DecodedClientFrame.Violates(WebSocketCloseStatus.InvalidPayloadData, "malformed envelope id in ack");
                    }
                }

                return new DecodedClientFrame(frame, ids, default, null);

            case ClientFrame.FrameOneofCase.Ping:
            case ClientFrame.FrameOneofCase.Send:
                return new DecodedClientFrame(frame, null, default, null);

            default:
                return DecodedClientFrame.Violates(WebSocketCloseStatus.InvalidPayloadData, "empty or unknown ClientFrame");
        }
    }

    /// <summary>
    /// Frees the in-flight slots of acknowledged envelopes. Those pushed on this connection are deleted by key; any
    /// other id (pushed on an earlier connection, or acknowledged twice) by id alone.
    /// </summary>
    private (EnvelopeKey[] Known, List<Guid>? Unknown) Acknowledge(Guid[] ids)
    {
        var known = new EnvelopeKey[ids.Length];
        int count = 0;
        List<Guid>? unknown = null;
        lock (_unacknowledged)
        {
            foreach (var id in ids)
            {
                if (_unacknowledged.Remove(id, out long sequence))
                {
                    known[count++] = new EnvelopeKey(id, sequence);
                }
                else
                {
                    (unknown ??= []).Add(id);
                }
            }
        }

        _acknowledged += ids.Length;
        if (count > 0)
        {
            _wake.Set();
        }

        if (count < known.Length)
        {
            Array.Resize(ref known, count);
        }

        return (known, unknown);
    }

    /// <summary>Deletes acknowledged ids this connection did not push (the batcher needs their sequences): rare.</summary>
    private async Task DeleteAsync(List<Guid> unknown)
    {
        try
        {
            await _store.DeleteAsync(_device, unknown, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            Log.AckFailed(_logger, ex);
        }
        finally
        {
            _deleteSlots!.Release();
        }
    }

    /// <summary>
    /// Runs one client Send exactly as the REST endpoint would and answers with its outcome. Never throws: a failure
    /// to answer means the connection is gone, and the client learns nothing either way (as with a lost HTTP response).
    /// </summary>
    private async Task SendForClientAsync(Send send)
    {
        SendResult result;
        try
        {
            result = await _services.Messages.SendAsync(_owner, send, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            result = MessageService.Refused(send.RequestId, ex);
        }
        catch (StorageException ex)
        {
            Log.StorageFailed(_logger, ex.IsTransient, ex);
            result = new SendResult
            {
                RequestId = send.RequestId,
                Status = StatusCodes.Status503ServiceUnavailable,
                Code = ProblemCodes.Unavailable,
                Detail = "Storage is temporarily unavailable; retry later.",
            };
        }
        finally
        {
            _sendSlots!.Release();
        }

        try
        {
            await SendAsync(new ServerFrame { SendResult = result }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ConnectionAbortedException or IOException or ObjectDisposedException)
        {
        }
    }

    // ---- closing ----

    /// <summary>
    /// Closes for a client protocol violation, then keeps reading (and discarding) until the client's close frame, so
    /// that the client sees the status and reason instead of a reset; the grace timer aborts a client that never answers.
    /// </summary>
    private async Task ViolationAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        Log.ClientProtocolViolation(_logger, (int)status, reason);
        await CloseAsync(status, reason).ConfigureAwait(false);
        var discard = _receiveBuffer;
        while (_socket.State == WebSocketState.CloseSent)
        {
            var result = await _socket.ReceiveAsync(discard.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Server-initiated close: stop pushing, send a close frame, and abort the socket if the client has not answered
    /// with its own close frame within a grace period.
    /// </summary>
    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _closeReason = reason;
        await StopPumpAsync().ConfigureAwait(false);

        await TrySendCloseAsync(status, reason).ConfigureAwait(false);
        _ = AbortAfterGraceAsync();
    }

    private async Task StopPumpAsync()
    {
        try
        {
            await _pumpStop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        _wake.Set();
    }

    private async Task TrySendCloseAsync(WebSocketCloseStatus status, string? reason)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, reason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task AbortAfterGraceAsync()
    {
        await Task.Delay(CloseGrace, _services.Time).ConfigureAwait(false);
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
        {
            _socket.Abort();
        }
    }
}

/// <summary>
/// A single-waiter auto-reset signal: <see cref="Set"/> wakes the pending <see cref="WaitAsync"/>, or the next one
/// if none is pending. Cheaper per connection than a channel.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _waiter;
    private bool _set;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _set = true;
                return;
            }
        }

        waiter.TrySetResult();
    }

    public Task WaitAsync()
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }
}

/// <summary>The delivery connections of this node, so that shutdown can close them with 1001 in one sweep.</summary>
internal sealed class DeliveryConnections
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<DeliveryConnection, byte> _open = new(ReferenceEqualityComparer.Instance);

    public int Count => _open.Count;

    public void Add(DeliveryConnection connection) => _open.TryAdd(connection, 0);

    public void Remove(DeliveryConnection connection) => _open.TryRemove(connection, out _);

    public void CloseAll()
    {
        foreach (var connection in _open.Keys)
        {
            _ = connection.CloseForShutdownAsync();
        }
    }
}

/// <summary>
/// What every delivery connection shares (one reference per connection instead of one per dependency: memory per idle
/// connection counts).
/// </summary>
internal sealed class DeliveryServices(
    IMessageStore store,
    IMessageBus bus,
    MessageService messages,
    AcknowledgementBatcher acknowledgements,
    Microsoft.Extensions.Options.IOptions<MessageOptions> options,
    Microsoft.Extensions.Options.IOptions<Devices.DeviceOptions> devices,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public IMessageStore Store { get; } = store;

    public IMessageBus Bus { get; } = bus;

    public MessageService Messages { get; } = messages;

    public AcknowledgementBatcher Acknowledgements { get; } = acknowledgements;

    public MessageOptions Options { get; } = options.Value;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = loggers.CreateLogger<DeliveryConnection>();

    /// <summary>The largest Send frame: every device's envelope at the limit, plus framing (never below MaxClientFrameBytes).</summary>
    public int MaxSendFrameBytes { get; } = Math.Max(options.Value.MaxClientFrameBytes, checked((options.Value.MaxEnvelopeBytes + 64) * devices.Value.MaxDevices + 1024));
}

/// <summary>A decoded client frame, or the violation (close status and reason) it commits.</summary>
internal sealed record DecodedClientFrame(ClientFrame? Frame, Guid[]? AckIds, WebSocketCloseStatus CloseStatus, string? Violation)
{
    public static DecodedClientFrame Violates(WebSocketCloseStatus status, string reason) => new(null, null, status, reason);
}
