using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.RateLimiting;

/// <summary>
/// The per-account send limit (<c>RateLimits:Messages</c>), shared by <c>PUT /v1/messages/{username}</c> and the
/// WebSocket <c>Send</c> frame so that one budget covers both ways of sending. It lives beside the send logic instead
/// of in the ASP.NET Core middleware because a WebSocket frame is not an HTTP request.
/// </summary>
internal sealed class SendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Guid>? _limiter;

    public SendRateLimiter(IOptions<RateLimitOptions> options)
    {
        var limits = options.Value;
        if (!limits.Enabled)
        {
            return;
        }

        var window = new FixedWindowRateLimiterOptions
        {
            PermitLimit = limits.Messages.PermitLimit,
            Window = TimeSpan.FromSeconds(limits.Messages.WindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ => window));
    }

    /// <summary>Takes one send from <paramref name="account"/>'s budget, or throws a 429 problem with its Retry-After.</summary>
    public void Acquire(Guid account)
    {
        if (_limiter is null)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(account);
        if (lease.IsAcquired)
        {
            return;
        }

        int retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        throw new ApiException(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, $"Too many sends; retry after {retryAfter} seconds.")
        {
            RetryAfterSeconds = retryAfter,
        };
    }

    public void Dispose() => _limiter?.Dispose();
}
