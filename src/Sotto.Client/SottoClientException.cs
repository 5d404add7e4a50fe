namespace Sotto.Client;

/// <summary>
/// The one exception type of the SDK for everything that is not a caller bug: bad server answers, refused requests,
/// identity changes, network failures. <see cref="Code"/> is stable. Messages never contain keys, plaintext,
/// passwords or usernames (the user concerned is in <see cref="Username"/>, for the caller to show).
/// </summary>
/// <remarks>
/// Caller bugs (a malformed username, an empty text) are <see cref="ArgumentException"/>s; bad peer input inside a
/// received message never throws from the receive loop: it becomes a <see cref="DecryptionFailed"/> event.
/// </remarks>
public sealed class SottoClientException : Exception
{
    public SottoClientException(ClientError code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    public SottoClientException()
        : this(ClientError.BadServerResponse, "Sotto client error.")
    {
    }

    public SottoClientException(string message)
        : this(ClientError.BadServerResponse, message)
    {
    }

    public SottoClientException(string message, Exception innerException)
        : this(ClientError.BadServerResponse, message, innerException)
    {
    }

    public ClientError Code { get; }

    /// <summary>The user concerned (for <see cref="ClientError.IdentityChanged"/> and <see cref="ClientError.UnknownUser"/>).</summary>
    public string? Username { get; init; }

    /// <summary>The HTTP status of a refused request.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The server's stable problem code (<c>Sotto.Wire.ProblemCodes</c>) of a refused request.</summary>
    public string? ServerCode { get; init; }

    /// <summary>True when retrying later may succeed (network failures, 429, 503).</summary>
    public bool IsTransient { get; init; }

    /// <summary>The server's problem document, with the device lists of a 409/410 send.</summary>
    internal Sotto.Wire.Problem? Problem { get; init; }
}
