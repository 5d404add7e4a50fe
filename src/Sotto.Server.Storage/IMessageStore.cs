namespace Sotto.Server.Storage;

/// <summary>
/// Per-device envelope queues. Durability contract: when <see cref="InsertAsync"/> completes the envelopes are
/// committed (they survive a crash of the process); an envelope disappears only through a <c>DeleteAsync</c>
/// (the device acknowledged it), <see cref="DeleteExpiredAsync"/> (its deadline passed) or the removal of its device.
/// </summary>
/// <remarks>
/// Ordering contract, relied on by delivery: within one destination device, <see cref="StoredEnvelope.Sequence"/>
/// increases in commit order, so an envelope committed after another never has a smaller sequence, and sequences
/// are never reused (even after deletion) while the device exists; sequences of different devices are unrelated. A
/// reader that has seen every envelope up to sequence s may therefore continue from s. In addition, <see cref="StoredEnvelope.DeviceSequence"/> numbers each device's envelopes 1, 2, 3, …
/// in commit order with no gaps (a refused insert consumes no number), which lets delivery push a freshly committed
/// envelope without reading the store when it is exactly the next one.
/// </remarks>
public interface IMessageStore
{
    /// <summary>
    /// Stores all envelopes in one transaction, or none. Returns the stored envelopes (in the order given) or null,
    /// changing nothing, when a destination device does not exist or has a different registration id.
    /// </summary>
    ValueTask<IReadOnlyList<StoredEnvelope>?> InsertAsync(IReadOnlyList<NewEnvelope> envelopes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> envelopes of <paramref name="device"/> with a sequence above
    /// <paramref name="afterSequence"/> and a deadline after <paramref name="now"/>, in sequence order.
    /// </summary>
    ValueTask<IReadOnlyList<StoredEnvelope>> ReadAsync(DeviceAddress device, long afterSequence, int limit, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the envelopes of <paramref name="device"/> with these ids; returns how many existed. Providers may
    /// need to search the device's queue for each id: prefer the <see cref="EnvelopeKey"/> overload when the
    /// sequences are known.
    /// </summary>
    ValueTask<int> DeleteAsync(DeviceAddress device, IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the envelopes of <paramref name="device"/> whose sequence and id both match a key (an envelope is
    /// found by its sequence; the id guards against a stale key); returns how many existed.
    /// </summary>
    ValueTask<int> DeleteAsync(DeviceAddress device, IReadOnlyList<EnvelopeKey> envelopes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes acknowledged envelopes of any number of devices in one write (as the <see cref="EnvelopeKey"/> overload
    /// does per device); returns how many existed. Delivery collects the acknowledgements of all connections into such
    /// batches.
    /// </summary>
    ValueTask<int> DeleteAsync(IReadOnlyList<AcknowledgedEnvelope> envelopes, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="limit"/> envelopes whose deadline is at or before <paramref name="now"/>.</summary>
    ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many envelopes are queued for <paramref name="device"/> (expired ones included until purged).</summary>
    ValueTask<long> CountAsync(DeviceAddress device, CancellationToken cancellationToken = default);
}
