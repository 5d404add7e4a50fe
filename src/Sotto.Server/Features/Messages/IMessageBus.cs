using Sotto.Server.Storage;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// Fan-out between the node that commits envelopes and the node holding the destination device's WebSocket
/// (DESIGN.md §4: in-process on one node, Redis pub/sub when several nodes share one database). The store stays the
/// source of truth: a notification is a wake-up that may carry the committed envelope as a hint. A connection pushes
/// a carried envelope directly only when its <see cref="StoredEnvelope.DeviceSequence"/> is exactly the next one it
/// expects; otherwise (a gap, a reordering, no envelope) it reads the store. So a bus may reorder, drop the envelope
/// (a Redis bus could send wake-ups only) or coalesce notifications without breaking order or losing anything.
/// </summary>
public interface IMessageBus
{
    /// <summary>
    /// Registers the device's delivery connection. A device has at most one: an earlier listener for the same device
    /// is told <see cref="DisconnectReason.Displaced"/>. Disposing the result unregisters (if still registered).
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(DeviceAddress device, IDeliveryListener listener, CancellationToken cancellationToken = default);

    /// <summary>An envelope for <paramref name="device"/> was committed (<paramref name="envelope"/>, when known).</summary>
    ValueTask PublishAsync(DeviceAddress device, StoredEnvelope? envelope, CancellationToken cancellationToken = default);

    /// <summary>The device must drop its connection (it was removed, or its account re-registered or deleted).</summary>
    ValueTask DisconnectAsync(DeviceAddress device, DisconnectReason reason, CancellationToken cancellationToken = default);
}

/// <summary>Callbacks of a delivery connection. They must return quickly and never throw.</summary>
public interface IDeliveryListener
{
    void OnEnvelopesAvailable(StoredEnvelope? envelope);

    void OnDisconnect(DisconnectReason reason);
}

public enum DisconnectReason
{
    /// <summary>The same device opened a newer connection.</summary>
    Displaced = 1,

    /// <summary>The device no longer exists.</summary>
    DeviceRemoved = 2,
}
