using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.Accounts;

internal static class AccountEndpoints
{
    public const long MaxRegistrationBytes = 512 * 1024;

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AccountService>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/accounts").WithTags("Accounts");

        group.MapPost("", async (RegisterRequest request, AccountService service, HttpContext context) =>
        {
            var credentials = await service.RegisterAsync(request, context.RequestAborted);
            return Results.Created("/v1/accounts/me", credentials);
        })
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.Registration)
        .WithRequestSizeLimit(MaxRegistrationBytes)
        .WithName("Register")
        .WithSummary("Create an account and its device 1; returns the device's credentials (shown once).")
        .Produces<DeviceCredentials>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/me", (HttpContext context) => Results.Ok(AccountService.WhoAmI(context.Device())))
        .RequireAuthorization()
        .WithName("WhoAmI")
        .WithSummary("The calling device's account, device id and identity key.")
        .Produces<WhoAmIResponse>();

        group.MapPut("/me/identity", async (ReRegisterRequest request, AccountService service, HttpContext context) =>
        {
            await service.ReRegisterAsync(context.Device(), request, context.RequestAborted);
            return Results.NoContent();
        })
        .RequireAuthorization()
        .RequireRateLimiting(RateLimitPolicies.Registration)
        .WithRequestSizeLimit(MaxRegistrationBytes)
        .WithName("ReRegister")
        .WithSummary("Device 1 only: new identity key; unlinks every other device and deletes all prekeys and queued envelopes.")
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapDelete("/me", async (AccountService service, HttpContext context) =>
        {
            await service.DeleteAsync(context.Device(), context.RequestAborted);
            return Results.NoContent();
        })
        .RequireAuthorization()
        .WithName("DeleteAccount")
        .WithSummary("Device 1 only: delete the account with all its devices, keys and queued envelopes; the username becomes free.")
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/{username}", async (string username, AccountService service, HttpContext context) =>
            Results.Ok(await service.GetAsync(username, context.RequestAborted)))
        .RequireAuthorization()
        .WithName("GetAccount")
        .WithSummary("An account's identity key and device ids (consumes no prekeys).")
        .Produces<AccountResponse>()
        .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
