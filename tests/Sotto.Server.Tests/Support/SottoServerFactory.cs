using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Sotto.TestSupport;
using Sotto.Wire;

namespace Sotto.Server.Tests.Support;

/// <summary>
/// The real server in-process (WebApplicationFactory): real SQLite in a fresh <see cref="ScratchDirectory"/>, rate limits
/// off unless a test turns them on, optionally a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class SottoServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly ScratchDirectory _data = ScratchDirectory.Create("server-");

    /// <summary>
    /// <paramref name="settings"/> override configuration keys; <paramref name="time"/> replaces the clock;
    /// <paramref name="kestrel"/> serves over a real Kestrel socket on a free loopback port (request-size limits, raw TCP).
    /// </summary>
    public SottoServerFactory(IDictionary<string, string?>? settings = null, FakeTimeProvider? time = null, bool kestrel = false)
    {
        if (kestrel)
        {
            UseKestrel(0);
        }

        DataDirectory = _data.Path;
        Time = time;
        _settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
            ["Storage:Sqlite:Synchronous"] = "Normal",
            ["RateLimits:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Error",
        };
        if (settings is not null)
        {
            foreach (var (key, value) in settings)
            {
                _settings[key] = value;
            }
        }
    }

    public string DataDirectory { get; }

    public FakeTimeProvider? Time { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        if (Time is not null)
        {
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
        }
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client authenticated as <paramref name="credentials"/>.</summary>
    public HttpClient ClientFor(DeviceCredentials credentials)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(
            DeviceAuth.BasicHeaderValue(credentials.Username, credentials.DeviceId, credentials.Password));
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
