using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Infrastructure;
using Sotto.Wire;

namespace Sotto.Server.Features.Attachments;

internal static class AttachmentEndpoints
{
    public static IServiceCollection AddAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AttachmentFiles>();
        services.AddSingleton<AttachmentService>();
        services.AddHostedService<AttachmentSweeper>();
        return services;
    }

    public static IEndpointRouteBuilder MapAttachments(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<AttachmentOptions>>().Value;
        var attachments = app.MapGroup("/v1/attachments").WithTags("Attachments");

        attachments.MapPost("", async (HttpContext context, AttachmentService service) =>
        {
            var uploaded = await service.UploadAsync(context.Device(), context.Request, context.RequestAborted);
            return Results.Json(uploaded, SottoJsonContext.Default.AttachmentUploaded, statusCode: StatusCodes.Status201Created);
        })
        .RequireAuthorization()
        .RequireRateLimiting(RateLimitPolicies.Attachments)
        .WithRequestSizeLimit(options.MaxBytes)
        .WithName("UploadAttachment")
        .WithSummary("Upload an encrypted attachment (application/octet-stream, Content-Length required); 201 only once it is durable.")
        .Produces<AttachmentUploaded>(StatusCodes.Status201Created)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status411LengthRequired)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        attachments.MapGet("/{id}", async (string id, HttpContext context, AttachmentService service) =>
        {
            var (record, content) = await service.OpenAsync(id, context.RequestAborted);
            // The blob disappears at its deadline: nothing between client and server may keep a copy.
            context.Response.Headers.CacheControl = "no-store";
            var entityTag = new EntityTagHeaderValue("\"" + id + "\"");
            if (!RangeIsSatisfiable(context.Request, entityTag, record.Size))
            {
                // The framework would answer an empty 416; every refusal here is a problem document.
                await content.DisposeAsync();
                context.Response.Headers.ContentRange = "bytes */" + record.Size.ToString(CultureInfo.InvariantCulture);
                return Results.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status416RangeNotSatisfiable,
                    Detail = "The requested range lies outside the attachment; see Content-Range for its size.",
                    Extensions = { ["code"] = ProblemCodes.RangeNotSatisfiable },
                });
            }

            return Results.Stream(content, AttachmentService.ContentType, entityTag: entityTag, enableRangeProcessing: true);
        })
        .RequireAuthorization()
        .WithName("DownloadAttachment")
        .WithSummary("Download an attachment by id (streamed; Range requests answered with 206).")
        .Produces(StatusCodes.Status200OK, contentType: AttachmentService.ContentType)
        .Produces(StatusCodes.Status206PartialContent, contentType: AttachmentService.ContentType)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

        attachments.MapDelete("/{id}", async (string id, HttpContext context, AttachmentService service) =>
        {
            await service.DeleteAsync(context.Device(), id, context.RequestAborted);
            return Results.NoContent();
        })
        .RequireAuthorization()
        .RequireRateLimiting(RateLimitPolicies.Attachments)
        .WithName("DeleteAttachment")
        .WithSummary("The uploader deletes its attachment before the deadline.")
        .Produces(StatusCodes.Status204NoContent)
        .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    /// <summary>
    /// RFC 9110 §14.1.2: a <c>Range</c> is unsatisfiable when none of its ranges starts inside the representation
    /// (a suffix range of length 0 included). No or an unparseable <c>Range</c> header, or an <c>If-Range</c> that does
    /// not name this blob's entity tag (the whole blob is sent then), is left to the framework.
    /// </summary>
    private static bool RangeIsSatisfiable(HttpRequest request, EntityTagHeaderValue entityTag, long length)
    {
        var headers = request.GetTypedHeaders();
        if (headers.IfRange is { } ifRange && !(ifRange.EntityTag?.Compare(entityTag, useStrongComparison: true) ?? false))
        {
            return true;
        }

        var range = headers.Range;
        if (range is null || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || range.Ranges.Count == 0)
        {
            return true;
        }

        return range.Ranges.Any(r => r.From is { } from ? from < length : r.To is > 0);
    }
}
