using Microsoft.Extensions.Options;
using Sotto.Server.Features.Devices;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// Deletes envelopes past their deadline (DESIGN.md §5: the server keeps ciphertext until acknowledgement or deadline)
/// and expired link requests, every <see cref="MessageOptions.SweepIntervalSeconds"/>. Delivery already skips expired
/// envelopes, so a late sweep never delivers one.
/// </summary>
internal sealed class ExpirySweeper(
    IMessageStore messages,
    LinkService links,
    IOptions<MessageOptions> options,
    TimeProvider time,
    ILogger<ExpirySweeper> logger) : BackgroundService
{
    private const int Batch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (StorageException ex)
            {
                Log.SweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        int total = 0;
        int deleted;
        do
        {
            deleted = await messages.DeleteExpiredAsync(time.GetUtcNow(), Batch, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == Batch);

        if (total > 0)
        {
            Log.EnvelopesPurged(logger, total);
        }

        var purged = await links.PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            Log.LinkRequestsPurged(logger, purged);
        }

        return total;
    }
}
