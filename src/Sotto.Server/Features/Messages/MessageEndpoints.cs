using Microsoft.Extensions.Options;
using Sotto.Server.Features.Devices;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.Messages;

internal static class MessageEndpoints
{
    public static IServiceCollection AddMessages(this IServiceCollection services)
    {
        services.AddOptions<MessageOptions>().BindConfiguration(MessageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InProcessMessageBus>();
        services.AddSingleton<IMessageBus>(sp => sp.GetRequiredService<InProcessMessageBus>());
        services.AddSingleton<MessageService>();
        services.AddSingleton<DeliveryConnections>();
        services.AddSingleton<DeliveryServices>();
        services.AddHostedService<ExpirySweeper>();
        services.AddSingleton<AcknowledgementBatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<AcknowledgementBatcher>());
        return services;
    }

    public static IEndpointRouteBuilder MapMessages(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<MessageOptions>>().Value;
        var maxDevices = app.ServiceProvider.GetRequiredService<IOptions<DeviceOptions>>().Value.MaxDevices;
        var connections = app.ServiceProvider.GetRequiredService<DeliveryConnections>();
        app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(connections.CloseAll);

        app.MapPut("/v1/messages/{username}", async (string username, SendMessagesRequest request, HttpContext context, MessageService service) =>
            Results.Ok(await service.SendAsync(context.Device(), username, request, context.RequestAborted)))
        .RequireAuthorization()
        .WithRequestSizeLimit(options.MaxSendBodyBytes(maxDevices))
        .WithTags("Messages")
        .WithName("SendMessages")
        .WithSummary("Send one envelope per device of the destination; 200 only after every envelope is committed.")
        .Produces<SendMessagesResponse>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status410Gone)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

        app.MapGet("/v1/websocket", async (HttpContext context, DeliveryServices services) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.WebSocketRequired, "This endpoint only accepts WebSocket upgrade requests.");
            }

            var device = context.Device();
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = TimeSpan.FromSeconds(options.KeepAliveSeconds),
                KeepAliveTimeout = TimeSpan.FromSeconds(options.KeepAliveSeconds * 2),
            });
            var connection = new DeliveryConnection(socket, device, services);
            await connection.RunAsync(connections, context.RequestAborted);
            return Results.Empty;
        })
        .RequireAuthorization()
        .WithTags("Messages")
        .WithName("DeliveryWebSocket")
        .WithSummary("Upgrade to the delivery WebSocket (binary protobuf frames, see wire.proto).")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized);

        return app;
    }
}
