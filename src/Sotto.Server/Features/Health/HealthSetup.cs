using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sotto.Server.Storage;

namespace Sotto.Server.Features.Health;

/// <summary><c>GET /health</c>: 200 <c>Healthy</c> when storage answers a read, 503 <c>Unhealthy</c> otherwise.</summary>
internal static class HealthSetup
{
    public static IServiceCollection AddSottoHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return services;
    }

    public static IEndpointRouteBuilder MapSottoHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health").DisableRateLimiting().WithTags("Health");
        return app;
    }

    private sealed class StorageHealthCheck(IAccountStore accounts) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await accounts.FindAsync(Guid.Empty, cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (StorageException ex)
            {
                return HealthCheckResult.Unhealthy("Storage is unavailable.", ex);
            }
        }
    }
}
