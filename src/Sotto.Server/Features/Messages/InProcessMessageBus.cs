using System.Collections.Concurrent;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Messages;

/// <summary>The single-node <see cref="IMessageBus"/>: a dictionary from device to its current listener.</summary>
internal sealed class InProcessMessageBus : IMessageBus
{
    private readonly ConcurrentDictionary<DeviceAddress, IDeliveryListener> _listeners = new();

    public int Count => _listeners.Count;

    public ValueTask<IAsyncDisposable> SubscribeAsync(DeviceAddress device, IDeliveryListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        IDeliveryListener? displaced = null;
        _listeners.AddOrUpdate(device, listener, (_, previous) =>
        {
            displaced = previous;
            return listener;
        });
        if (displaced is not null && !ReferenceEquals(displaced, listener))
        {
            displaced.OnDisconnect(DisconnectReason.Displaced);
        }

        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(this, device, listener));
    }

    public ValueTask PublishAsync(DeviceAddress device, StoredEnvelope? envelope, CancellationToken cancellationToken = default)
    {
        if (_listeners.TryGetValue(device, out var listener))
        {
            listener.OnEnvelopesAvailable(envelope);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisconnectAsync(DeviceAddress device, DisconnectReason reason, CancellationToken cancellationToken = default)
    {
        if (_listeners.TryRemove(device, out var listener))
        {
            listener.OnDisconnect(reason);
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Subscription(InProcessMessageBus bus, DeviceAddress device, IDeliveryListener listener) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            bus._listeners.TryRemove(new KeyValuePair<DeviceAddress, IDeliveryListener>(device, listener));
            return ValueTask.CompletedTask;
        }
    }
}
