using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Sotto.Server.Infrastructure;

/// <summary>
/// DESIGN.md §4: plain HTTP only on loopback. Once Kestrel is listening, every address is logged and every plain-HTTP
/// address that is not loopback draws a warning (HTTPS needs a certificate: <c>Kestrel:Certificates:Default:Path</c>).
/// </summary>
internal static class TransportSecurity
{
    public static void ReportAddresses(IServer server, ILogger logger)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Log.Listening(logger, address);
            if (IsPlaintextOnNetwork(address))
            {
                Log.PlaintextHttpOnNetwork(logger, address);
            }
        }
    }

    internal static bool IsPlaintextOnNetwork(string address)
    {
        if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Kestrel reports wildcard bindings as http://[::]:port, http://0.0.0.0:port, http://+:port or http://*:port.
        var host = address["http://".Length..];
        int end = host.StartsWith('[') ? host.IndexOf(']', StringComparison.Ordinal) + 1 : host.IndexOf(':', StringComparison.Ordinal);
        if (end > 0)
        {
            host = host[..end];
        }

        host = host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !(IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
