using Sotto.Server.Storage;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// Fan-out between the node that commits envelopes and the node holding the destination device's WebSocket
/// (DESIGN.md §4: in-process on one node, Redis pub/sub when several nodes share one database). It carries wake-ups,
/// never envelopes: the delivery connection reads the envelopes from <see cref="IMessageStore"/>, which keeps
/// ordering and durability in one place.
/// </summary>
public interface IMessageBus
{
    /// <summary>
    /// Registers the device's delivery connection. A device has at most one: an earlier listener for the same device
    /// is told <see cref="DisconnectReason.Displaced"/>. Disposing the result unregisters (if still registered).
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(DeviceAddress device, IDeliveryListener listener, CancellationToken cancellationToken = default);

    /// <summary>New envelopes for <paramref name="device"/> were committed.</summary>
    ValueTask PublishAsync(DeviceAddress device, CancellationToken cancellationToken = default);

    /// <summary>The device must drop its connection (it was removed, or its account re-registered or deleted).</summary>
    ValueTask DisconnectAsync(DeviceAddress device, DisconnectReason reason, CancellationToken cancellationToken = default);
}

/// <summary>Callbacks of a delivery connection. They must return quickly and never throw.</summary>
public interface IDeliveryListener
{
    void OnEnvelopesAvailable();

    void OnDisconnect(DisconnectReason reason);
}

public enum DisconnectReason
{
    /// <summary>The same device opened a newer connection.</summary>
    Displaced = 1,

    /// <summary>The device no longer exists.</summary>
    DeviceRemoved = 2,
}
