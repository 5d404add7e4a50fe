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
            problem.Detail = status switch
            {
                StatusCodes.Status404NotFound => "No such resource.",
                StatusCodes.Status405MethodNotAllowed => "The resource does not support this method.",
                _ => null,
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
        StatusCodes.Status429TooManyRequests => ProblemCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ProblemCodes.Unavailable,
        >= 500 => ProblemCodes.InternalError,
        _ => ProblemCodes.InvalidRequest,
    };
}
