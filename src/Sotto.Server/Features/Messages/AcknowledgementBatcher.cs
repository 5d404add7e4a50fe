using System.Threading.Channels;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// Deletes acknowledged envelopes for every delivery connection of this node in batches: connections hand over the keys
/// of what their device acknowledged, and one loop deletes whatever has accumulated with one store write
/// (<see cref="IMessageStore.DeleteAsync(IReadOnlyList{AcknowledgedEnvelope}, CancellationToken)"/>), instead of one
/// write, one task and one thread-pool hop per acknowledgement.
/// </summary>
/// <remarks>
/// <code>
///   connection: Ack {ids} ─► keys ─► bounded queue (full: the connection's receive loop waits = TCP back-pressure)
///   loop:       wait for a key ─► take up to MaxBatch ─► one DELETE write ─► repeat
/// </code>
/// Durability is what it was with a delete per acknowledgement: an envelope is deleted only after its device
/// acknowledged it; an acknowledgement still queued (or whose write failed) when the process dies leaves the envelope
/// in the store, and it is delivered again with the same id, which clients deduplicate (docs/server-api.md).
/// </remarks>
internal sealed class AcknowledgementBatcher(IMessageStore messages, ILogger<AcknowledgementBatcher> logger) : BackgroundService
{
    /// <summary>Keys waiting for the loop; beyond this, connections wait before reading their next frame.</summary>
    public const int Capacity = 16_384;

    /// <summary>The most keys deleted by one store write.</summary>
    public const int MaxBatch = 1024;

    private readonly Channel<AcknowledgedEnvelope> _queue = Channel.CreateBounded<AcknowledgedEnvelope>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Queues one acknowledged envelope for deletion; completes at once unless the queue is full.</summary>
    public ValueTask EnqueueAsync(AcknowledgedEnvelope envelope, CancellationToken cancellationToken) =>
        _queue.Writer.TryWrite(envelope) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(envelope, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AcknowledgedEnvelope>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await DeleteBatchAsync(batch).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Shutting down: what was acknowledged before the connections closed is still worth deleting.
        while (_queue.Reader.TryPeek(out _))
        {
            await DeleteBatchAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task DeleteBatchAsync(List<AcknowledgedEnvelope> batch)
    {
        batch.Clear();
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var envelope))
        {
            batch.Add(envelope);
        }

        try
        {
            await messages.DeleteAsync(batch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            Log.AckFailed(logger, ex);
        }
    }
}
