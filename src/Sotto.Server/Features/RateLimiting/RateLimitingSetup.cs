using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.RateLimiting;

/// <summary>
/// ASP.NET Core rate limiting: a global limiter partitioned by account (authenticated requests) or client IP
/// (anonymous ones), plus per-endpoint policies. Rejections are 429 problems with <c>Retry-After</c>.
/// Authentication runs before the limiter so that partitions can use the account.
/// </summary>
internal static class RateLimitingSetup
{
    public static IServiceCollection AddSottoRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Global is { PermitLimit: > 0, WindowSeconds: > 0 } && o.Registration is { PermitLimit: > 0, WindowSeconds: > 0 }
                && o.Linking is { PermitLimit: > 0, WindowSeconds: > 0 } && o.KeyFetch is { PermitLimit: > 0, WindowSeconds: > 0 }
                && o.Messages is { PermitLimit: > 0, WindowSeconds: > 0 } && o.Attachments is { PermitLimit: > 0, WindowSeconds: > 0 },
                "Every RateLimits entry needs PermitLimit and WindowSeconds of at least 1.")
            .ValidateOnStart();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = OnRejectedAsync;
            bool on = limits.Enabled;
            if (on)
            {
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    FixedWindow(AccountOrIp(context), limits.Global));
            }

            // Policies exist even when limits are off: endpoints name them.
            limiter.AddPolicy(RateLimitPolicies.Registration, context => FixedWindow(Ip(context), limits.Registration, on));
            limiter.AddPolicy(RateLimitPolicies.Linking, context => FixedWindow(Ip(context), limits.Linking, on));
            limiter.AddPolicy(RateLimitPolicies.KeyFetch, context => FixedWindow(AccountOrIp(context), limits.KeyFetch, on));
            limiter.AddPolicy(RateLimitPolicies.Attachments, context => FixedWindow(AccountOrIp(context), limits.Attachments, on));
        });
        services.AddRateLimiter(_ => { });
        services.AddSingleton<SendRateLimiter>();
        return services;
    }

    private static RateLimitPartition<string> FixedWindow(string key, RateLimit limit, bool enabled = true) => !enabled
        ? RateLimitPartition.GetNoLimiter(key)
        : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = TimeSpan.FromSeconds(limit.WindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static string AccountOrIp(HttpContext context) =>
        context.Features.Get<AuthenticatedDevice>() is { } device ? "a:" + device.Account.Id.ToString("N") : Ip(context);

    private static string Ip(HttpContext context) =>
        "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None).ToString();

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        int retryAfter = 1;
        if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
        {
            retryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        }

        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "global";
        Log.RateLimited(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sotto.Server.RateLimiting"), policy, retryAfter);

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"Too many requests; retry after {retryAfter} seconds.",
        };
        problem.Extensions["code"] = ProblemCodes.RateLimited;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        });
    }
}
