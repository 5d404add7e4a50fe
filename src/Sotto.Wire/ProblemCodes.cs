namespace Sotto.Wire;

/// <summary>
/// The stable <c>code</c> member of every error response (an RFC 7807 problem document, see <see cref="Problem"/>).
/// Clients branch on these strings, never on <c>title</c> or <c>detail</c>. Codes are only ever added.
/// </summary>
public static class ProblemCodes
{
    /// <summary>400: the body is not valid JSON, a member has the wrong type, or a required member is missing.</summary>
    public const string MalformedRequest = "malformed_request";

    /// <summary>400: the request is well-formed but a value is out of range or inconsistent.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: the username does not follow the rules (3–32 of a–z, 0–9, _; starting with a letter).</summary>
    public const string InvalidUsername = "invalid_username";

    /// <summary>400: a public key has the wrong type byte or length.</summary>
    public const string InvalidKey = "invalid_key";

    /// <summary>400: a prekey signature does not verify under the account's identity key.</summary>
    public const string InvalidSignature = "invalid_signature";

    /// <summary>400: a request to <c>/v1/websocket</c> that is not a WebSocket upgrade.</summary>
    public const string WebSocketRequired = "websocket_required";

    /// <summary>401: missing, malformed or wrong device credentials.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: authenticated, but this device may not do this (e.g. only device 1 may re-register).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>403: registration on this server needs a valid invite code.</summary>
    public const string InviteCodeInvalid = "invite_code_invalid";

    /// <summary>403: the link token does not match the link code.</summary>
    public const string LinkTokenInvalid = "link_token_invalid";

    /// <summary>404: no such route, account or device.</summary>
    public const string NotFound = "not_found";

    /// <summary>404: the link code is unknown, expired or already used.</summary>
    public const string LinkCodeInvalid = "link_code_invalid";

    /// <summary>405: the route exists but not with this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>409: the username belongs to another account.</summary>
    public const string UsernameTaken = "username_taken";

    /// <summary>409: the account already has the maximum number of devices.</summary>
    public const string DeviceLimitReached = "device_limit_reached";

    /// <summary>409: the link code was already approved.</summary>
    public const string LinkAlreadyApproved = "link_already_approved";

    /// <summary>409: the link request has not been approved yet.</summary>
    public const string LinkNotApproved = "link_not_approved";

    /// <summary>409: the send does not cover exactly the destination's devices; see <see cref="Problem.MissingDevices"/> and <see cref="Problem.ExtraDevices"/>.</summary>
    public const string MismatchedDevices = "mismatched_devices";

    /// <summary>410: some destination devices were re-created (registration id changed); see <see cref="Problem.StaleDevices"/>.</summary>
    public const string StaleDevices = "stale_devices";

    /// <summary>411: a body is required but has no Content-Length (attachment uploads must declare their size up front).</summary>
    public const string LengthRequired = "length_required";

    /// <summary>413: the body or an envelope exceeds the configured limit.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>415: the body is not <c>application/json</c> (<c>application/octet-stream</c> for attachment uploads).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>416: the <c>Range</c> of an attachment download lies outside the blob.</summary>
    public const string RangeNotSatisfiable = "range_not_satisfiable";

    /// <summary>429: too many requests; wait for <c>Retry-After</c> seconds.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>500: a server bug. Client input never produces it.</summary>
    public const string InternalError = "internal_error";

    /// <summary>503: the server is shutting down or its storage is unavailable; retry later.</summary>
    public const string Unavailable = "unavailable";
}
