using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// The one place exceptions become responses (Signal-Server <c>mappers/</c>): client-caused failures become a 4xx
/// RFC 7807 problem with a stable <c>code</c>; storage failures a 503; anything else is a server bug — a 500,
/// logged at Error. Client input never reaches the last case: every endpoint validates before acting.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.RequestAborted.IsCancellationRequested && exception is OperationCanceledException)
        {
            // The client went away; there is nobody to answer.
            return true;
        }

        var (status, code, detail, extensions) = Classify(exception);
        if (status >= 500)
        {
            if (exception is StorageException storage)
            {
                Log.StorageFailed(logger, storage.IsTransient, storage);
            }
            else
            {
                Log.UnhandledException(logger, httpContext.Request.Method, httpContext.GetEndpoint()?.DisplayName, exception);
            }
        }
        else
        {
            Log.RequestRejected(logger, status, code);
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.Clear();
        httpContext.Response.StatusCode = status;
        if (exception is ApiException { RetryAfterSeconds: { } retryAfter })
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetails { Status = status, Detail = detail };
        problem.Extensions["code"] = code;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    internal static (int Status, string Code, string Detail, IReadOnlyDictionary<string, object?>? Extensions) Classify(Exception exception) => exception switch
    {
        ApiException api => (api.Status, api.Code, api.Message, api.Extensions),
        BadHttpRequestException bad => FromBadRequest(bad),
        JsonException json => (StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, JsonDetail(json), null),
        StorageException => (StatusCodes.Status503ServiceUnavailable, ProblemCodes.Unavailable, "Storage is temporarily unavailable; retry later.", null),
        _ => (StatusCodes.Status500InternalServerError, ProblemCodes.InternalError, "An internal error occurred.", null),
    };

    private static (int, string, string, IReadOnlyDictionary<string, object?>?) FromBadRequest(BadHttpRequestException bad)
    {
        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        var json = FindJsonException(bad);
        return status switch
        {
            StatusCodes.Status413PayloadTooLarge => (status, ProblemCodes.PayloadTooLarge, "The request body is larger than this endpoint accepts.", null),
            StatusCodes.Status415UnsupportedMediaType => (status, ProblemCodes.UnsupportedMediaType, "The request body must be application/json.", null),
            StatusCodes.Status411LengthRequired => (status, ProblemCodes.LengthRequired, "A request body is required.", null),
            _ when json is not null => (StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, JsonDetail(json), null),
            _ when bad.Message.Contains("no body was provided", StringComparison.Ordinal) || bad.Message.Contains("was not provided from body", StringComparison.Ordinal)
                => (StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, "A JSON request body is required.", null),
            _ => (status, ProblemCodes.MalformedRequest, "The request is malformed.", null),
        };
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    /// <summary>
    /// System.Text.Json messages name the position and the expected type, never the offending value, so they are safe
    /// to return; they are cut at the line/byte coordinates, which only matter to a parser.
    /// </summary>
    private static string JsonDetail(JsonException json)
    {
        var message = json.Message;
        var cut = message.IndexOf(" | LineNumber", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return "The JSON body is malformed or does not match the schema: " + message;
    }
}
