namespace Sotto.Client;

// Disappearing messages on this device (DESIGN.md §5): a scheduler deletes each message when its countdown ends —
// from sending for the sender's devices, from first seen for a recipient's (MarkSeenAsync), 14 days after delivery
// when never seen — and makes the deleted content unrecoverable from the database files.
public sealed partial class SottoClient
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _expirySignal = new(0, 1);
    private Task? _expiryLoop;
    private volatile bool _purgePending;

    /// <summary>
    /// Deletes every message whose countdown ended (with its reactions), then purges deleted content from the files.
    /// The client's scheduler calls it at each expiry; history and receive call it before showing anything.
    /// </summary>
    /// <returns>How many messages were deleted.</returns>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        int count = 0;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in await tx.GetExpiredHistoryAsync(NowMilliseconds, cancellationToken).ConfigureAwait(false))
            {
                await tx.DeleteHistoryEntryAsync(entry.Seq, cancellationToken).ConfigureAwait(false);
                count++;
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (count > 0 || _purgePending)
        {
            _purgePending = !await _store.PurgeDeletedContentAsync(cancellationToken).ConfigureAwait(false);
        }

        return count;
    }

    private void StartExpiryScheduler() => _expiryLoop = Task.Run(() => RunExpiryAsync(_shutdown.Token));

    /// <summary>Tells the scheduler that expiry times changed (a new timed message, a message seen).</summary>
    private void WakeExpiry()
    {
        try
        {
            if (_expirySignal.CurrentCount == 0)
            {
                _expirySignal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private async Task RunExpiryAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
                long? next;
                using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
                {
                    next = await tx.GetNextExpiryAsync(cancellationToken).ConfigureAwait(false);
                }

                var delay = next is { } at ? TimeSpan.FromMilliseconds(Math.Max(1, at - NowMilliseconds)) : TimeSpan.FromHours(1);
                if (delay > TimeSpan.FromHours(1))
                {
                    delay = TimeSpan.FromHours(1);
                }

                using var timeout = new CancellationTokenSource(delay, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await _expirySignal.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The next expiry is due.
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                Log.ExpiryFailed(_logger, ex.GetType().Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task StopExpirySchedulerAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_expiryLoop is not null)
        {
            await _expiryLoop.ConfigureAwait(false);
        }

        _shutdown.Dispose();
        _expirySignal.Dispose();
    }
}
