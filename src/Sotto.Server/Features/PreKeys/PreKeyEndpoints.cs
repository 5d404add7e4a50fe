using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.PreKeys;

internal static class PreKeyEndpoints
{
    /// <summary>Upper bound of a key upload body: 100 Kyber keys ≈ 100 × (1569 + 64) × 4/3 bytes of base64.</summary>
    public const long MaxUploadBytes = 512 * 1024;

    public static IServiceCollection AddPreKeys(this IServiceCollection services)
    {
        services.AddOptions<PreKeyOptions>().BindConfiguration(PreKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PreKeyValidator>();
        services.AddSingleton<PreKeyService>();
        return services;
    }

    public static IEndpointRouteBuilder MapPreKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").RequireAuthorization().WithTags("Keys");

        keys.MapPut("", async (KeyUploadRequest request, HttpContext context, PreKeyService service) =>
        {
            await service.UploadAsync(context.Device(), request, context.RequestAborted);
            return Results.NoContent();
        })
        .WithName("UploadPreKeys")
        .WithSummary("Replace the calling device's signed prekey, last-resort Kyber key and/or one-time key lists.")
        .WithRequestSizeLimit(MaxUploadBytes)
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status400BadRequest);

        keys.MapGet("", async (HttpContext context, PreKeyService service) =>
            Results.Ok(await service.CountAsync(context.Device(), context.RequestAborted)))
        .WithName("CountPreKeys")
        .WithSummary("How many one-time EC and Kyber prekeys the server holds for the calling device.")
        .Produces<PreKeyCountResponse>();

        keys.MapGet("/{username}/{deviceId}", async (string username, string deviceId, HttpContext context, PreKeyService service) =>
            Results.Ok(await service.FetchAsync(username, deviceId, context.RequestAborted)))
        .WithName("FetchPreKeyBundles")
        .WithSummary("Prekey bundles of one device (or '*': all devices) of an account; consumes one-time keys.")
        .RequireRateLimiting(RateLimitPolicies.KeyFetch)
        .Produces<PreKeyBundleResponse>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
