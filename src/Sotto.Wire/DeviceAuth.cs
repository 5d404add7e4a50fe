using System.Globalization;
using System.Text;

namespace Sotto.Wire;

/// <summary>
/// Device authentication (docs/server-api.md, "Authentication"): HTTP Basic with user name
/// <c>{username}.{deviceId}</c> and the device password, on every authenticated request and on the WebSocket upgrade.
/// </summary>
public static class DeviceAuth
{
    /// <summary>The value of an <c>Authorization</c> header for a device.</summary>
    public static string BasicHeaderValue(string username, uint deviceId, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        var raw = string.Create(CultureInfo.InvariantCulture, $"{username}.{deviceId}:{password}");
        return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));
    }
}
