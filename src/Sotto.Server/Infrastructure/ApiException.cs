using System.Diagnostics.CodeAnalysis;
using Sotto.Wire;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// A client-caused failure that becomes a 4xx problem document (<see cref="ProblemExceptionHandler"/>): HTTP status,
/// stable <see cref="Code"/> from <see cref="ProblemCodes"/> and a message that is safe to return and to log — it
/// never contains keys, payloads, passwords or usernames.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
        : base(detail)
    {
        Status = status;
        Code = code;
        Extensions = extensions;
    }

    public ApiException()
        : this(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "Invalid request.")
    {
    }

    public ApiException(string message)
        : this(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Code = ProblemCodes.InvalidRequest;
    }

    public int Status { get; }

    public string Code { get; }

    public IReadOnlyDictionary<string, object?>? Extensions { get; }

    /// <summary>With 429: the seconds a client should wait (the <c>Retry-After</c> header).</summary>
    public int? RetryAfterSeconds { get; init; }
}

/// <summary>Throw helpers for client-caused failures (npgsql <c>ThrowHelper.cs</c>).</summary>
internal static class Fail
{
    [DoesNotReturn]
    public static void Invalid(string detail) =>
        throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, detail);

    [DoesNotReturn]
    public static void InvalidKey(string detail) =>
        throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidKey, detail);

    [DoesNotReturn]
    public static void InvalidSignature(string detail) =>
        throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidSignature, detail);

    [DoesNotReturn]
    public static void InvalidUsername() =>
        throw new ApiException(
            StatusCodes.Status400BadRequest,
            ProblemCodes.InvalidUsername,
            "A username is 3 to 32 characters of a-z, 0-9 and '_', starting with a letter.");

    [DoesNotReturn]
    public static void NotFound(string detail) =>
        throw new ApiException(StatusCodes.Status404NotFound, ProblemCodes.NotFound, detail);

    [DoesNotReturn]
    public static void Forbidden(string detail) =>
        throw new ApiException(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, detail);

    [DoesNotReturn]
    public static void Conflict(string code, string detail) =>
        throw new ApiException(StatusCodes.Status409Conflict, code, detail);

    [DoesNotReturn]
    public static void TooLarge(string detail) =>
        throw new ApiException(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, detail);

    [DoesNotReturn]
    public static void LinkCodeInvalid() =>
        throw new ApiException(StatusCodes.Status404NotFound, ProblemCodes.LinkCodeInvalid, "The link code is unknown, expired or already used.");
}
