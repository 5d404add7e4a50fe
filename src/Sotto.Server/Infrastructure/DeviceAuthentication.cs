using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Sotto.Server.Features.Accounts;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// Device authentication: <c>Authorization: Basic base64("{username}.{deviceId}:{password}")</c> on every
/// authenticated request and on the WebSocket upgrade (docs/server-api.md, "Authentication"). The device is looked
/// up, its password hashed with its salt and compared in constant time; an unknown device costs the same hash.
/// On success the request carries an <see cref="AuthenticatedDevice"/> (see <see cref="DeviceAuthenticationExtensions.Device"/>).
/// </summary>
internal sealed class DeviceAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IAccountStore accounts,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Device";

    /// <summary>Longer headers are refused before decoding (username 32 + '.' + id 3 + ':' + password 43, base64).</summary>
    private const int MaxHeaderLength = 256;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (header.Length > MaxHeaderLength || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return Failed("malformed header");
        }

        if (!TryDecode(header.AsSpan(6).Trim(), out var username, out var deviceId, out var password))
        {
            return Failed("malformed credentials");
        }

        var found = await accounts.FindDeviceAsync(username, deviceId, Context.RequestAborted);
        if (found is null)
        {
            DevicePasswords.VerifyNothing(password);
            return Failed("unknown device");
        }

        if (!DevicePasswords.Verify(found.Device.Password, password))
        {
            return Failed("wrong password");
        }

        var device = new AuthenticatedDevice(found.Account, found.Device);
        Context.Features.Set(device);
        // The device itself travels as a request feature (above); the principal only marks the request authenticated.
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, found.Account.Id.ToString("D"))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Basic realm=\"sotto\", charset=\"UTF-8\"";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized,
            "Device credentials are missing or wrong: send Authorization: Basic base64(\"{username}.{deviceId}:{password}\").");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "This device may not do this.");

    private async Task WriteProblemAsync(int status, string code, string detail)
    {
        Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Detail = detail };
        problem.Extensions["code"] = code;
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }

    private AuthenticateResult Failed(string reason)
    {
        Log.AuthenticationFailed(Logger, reason);
        return AuthenticateResult.Fail("Invalid device credentials.");
    }

    /// <summary>Parses <c>base64("{username}.{deviceId}:{password}")</c>; the username comes back canonical.</summary>
    internal static bool TryDecode(ReadOnlySpan<char> encoded, out string username, out uint deviceId, out string password)
    {
        username = password = string.Empty;
        deviceId = 0;
        Span<byte> bytes = stackalloc byte[MaxHeaderLength];
        if (!Convert.TryFromBase64Chars(encoded, bytes, out int length))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes[..length]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            bytes.Clear();
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var user = text.AsSpan(0, colon);
        int dot = user.LastIndexOf('.');
        if (dot <= 0
            || !uint.TryParse(user[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out deviceId)
            || deviceId == 0
            || !Usernames.TryCanonicalize(user[..dot].ToString(), out username))
        {
            return false;
        }

        password = text[(colon + 1)..];
        return password.Length == DevicePasswords.EncodedLength && Base64Url.IsValid(password);
    }
}

/// <summary>The authenticated device of the current request.</summary>
public sealed record AuthenticatedDevice(Account Account, Device Device)
{
    public DeviceAddress Address => Device.Address;
}

internal static class DeviceAuthenticationExtensions
{
    /// <summary>The authenticated device; only valid on endpoints that require authorization.</summary>
    public static AuthenticatedDevice Device(this HttpContext context) =>
        context.Features.Get<AuthenticatedDevice>() ?? throw new InvalidOperationException("The endpoint does not require authorization.");
}
