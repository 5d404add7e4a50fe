using Microsoft.Extensions.Options;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Attachments;

/// <summary>
/// Deletes attachment blobs past their deadline, fetched or not (DESIGN.md §5), every
/// <see cref="AttachmentOptions.SweepIntervalSeconds"/>; downloads already refuse them before the sweep.
/// </summary>
internal sealed class AttachmentSweeper(
    AttachmentService attachments,
    IOptions<AttachmentOptions> options,
    TimeProvider time,
    ILogger<AttachmentSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        do
        {
            try
            {
                int deleted = await attachments.SweepAsync(stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    Log.AttachmentsPurged(logger, deleted);
                }
            }
            catch (StorageException ex)
            {
                Log.AttachmentSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
