using Sotto.Wire;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// Fills in what every problem document carries, whoever wrote it (exception handler, status-code pages for 404/405,
/// authentication challenges, the rate limiter): the stable <c>code</c> for its status and a readable title.
/// </summary>
internal static class ProblemDefaults
{
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status = status;
        if (!problem.Extensions.ContainsKey("code"))
        {
            problem.Extensions["code"] = CodeFor(status);
        }

        if (problem.Detail is null)
        {
            // Responses the framework produces without an exception (status-code pages) get a readable detail too.
            problem.Detail = status switch
            {
                StatusCodes.Status400BadRequest => "The request is malformed.",
                StatusCodes.Status401Unauthorized => "Device credentials are missing or wrong.",
                StatusCodes.Status403Forbidden => "This device may not do this.",
                StatusCodes.Status404NotFound => "No such resource.",
                StatusCodes.Status405MethodNotAllowed => "The resource does not support this method.",
                StatusCodes.Status411LengthRequired => "A request body with a length is required.",
                StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
                StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
                StatusCodes.Status416RangeNotSatisfiable => "The requested range lies outside the attachment.",
                StatusCodes.Status429TooManyRequests => "Too many requests; retry later.",
                >= 500 => "The server could not handle the request.",
                _ => "The request was refused.",
            };
        }

        problem.Instance ??= context.HttpContext.Request.Path;
    }

    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ProblemCodes.InvalidRequest,
        StatusCodes.Status401Unauthorized => ProblemCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ProblemCodes.Forbidden,
        StatusCodes.Status404NotFound => ProblemCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ProblemCodes.MethodNotAllowed,
        StatusCodes.Status411LengthRequired => ProblemCodes.LengthRequired,
        StatusCodes.Status413PayloadTooLarge => ProblemCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
        StatusCodes.Status416RangeNotSatisfiable => ProblemCodes.RangeNotSatisfiable,
        StatusCodes.Status429TooManyRequests => ProblemCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ProblemCodes.Unavailable,
        >= 500 => ProblemCodes.InternalError,
        _ => ProblemCodes.InvalidRequest,
    };
}
