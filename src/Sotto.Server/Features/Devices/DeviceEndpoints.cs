using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.Devices;

internal static class DeviceEndpoints
{
    public const long MaxLinkBodyBytes = 512 * 1024;

    public static IServiceCollection AddDevices(this IServiceCollection services)
    {
        services.AddOptions<DeviceOptions>().BindConfiguration(DeviceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<LinkService>();
        return services;
    }

    public static IEndpointRouteBuilder MapDevices(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/v1/devices").WithTags("Devices");

        devices.MapGet("", async (HttpContext context, DeviceService service) =>
            Results.Ok(await service.ListAsync(context.Device(), context.RequestAborted)))
        .RequireAuthorization()
        .WithName("ListDevices")
        .WithSummary("The calling account's devices.")
        .Produces<DeviceListResponse>();

        devices.MapDelete("/{deviceId:int}", async (int deviceId, HttpContext context, DeviceService service) =>
        {
            if (deviceId < 1)
            {
                Fail.Invalid("deviceId must be positive.");
            }

            await service.RemoveAsync(context.Device(), (uint)deviceId, context.RequestAborted);
            return Results.NoContent();
        })
        .RequireAuthorization()
        .WithName("RemoveDevice")
        .WithSummary("Unlink a device (device 1: any other device; others: only themselves). Its keys and queue are deleted.")
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        devices.MapPost("/link", async (LinkRequestCreate request, HttpContext context, LinkService service) =>
            Results.Json(await service.CreateAsync(request, context.RequestAborted), SottoJsonContext.Default.LinkRequestCreated, statusCode: StatusCodes.Status201Created))
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.Linking)
        .WithRequestSizeLimit(4096)
        .WithName("CreateLinkRequest")
        .WithSummary("New device: open a link request; returns the code to show and the token to keep.")
        .Produces<LinkRequestCreated>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest);

        devices.MapGet("/link/{code}", async (string code, HttpContext context, LinkService service) =>
            Results.Ok(await service.GetAsync(code, context.RequestAborted)))
        .RequireAuthorization()
        .RequireRateLimiting(RateLimitPolicies.Linking)
        .WithName("GetLinkRequest")
        .WithSummary("Existing device: the new device's public key for the code the user typed.")
        .Produces<LinkRequestInfo>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        devices.MapPut("/link/{code}", async (string code, LinkApproval approval, HttpContext context, LinkService service) =>
        {
            await service.ApproveAsync(context.Device(), code, approval, context.RequestAborted);
            return Results.NoContent();
        })
        .RequireAuthorization()
        .RequireRateLimiting(RateLimitPolicies.Linking)
        .WithRequestSizeLimit(MaxLinkBodyBytes)
        .WithName("ApproveLinkRequest")
        .WithSummary("Existing device: approve the link, attaching the provisioning message for the new device.")
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        devices.MapPost("/link/{code}/wait", async (string code, LinkWaitRequest request, HttpContext context, LinkService service) =>
            Results.Ok(await service.WaitAsync(code, request, context.RequestAborted)))
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.Linking)
        .WithRequestSizeLimit(4096)
        .WithName("WaitForLinkApproval")
        .WithSummary("New device: wait (long poll) for the approval and its provisioning message.")
        .Produces<LinkWaitResponse>()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

        devices.MapPost("/link/{code}/complete", async (string code, LinkCompleteRequest request, HttpContext context, LinkService service) =>
            Results.Json(await service.CompleteAsync(code, request, context.RequestAborted), SottoJsonContext.Default.DeviceCredentials, statusCode: StatusCodes.Status201Created))
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.Linking)
        .WithRequestSizeLimit(MaxLinkBodyBytes)
        .WithName("CompleteLink")
        .WithSummary("New device: create the device with prekeys signed by the account identity key; returns its credentials.")
        .Produces<DeviceCredentials>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }
}
