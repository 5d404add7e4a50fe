using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sotto.Server.Features.Accounts;
using Sotto.Server.Features.Attachments;
using Sotto.Server.Features.Devices;
using Sotto.Server.Features.Health;
using Sotto.Server.Features.Messages;
using Sotto.Server.Features.PreKeys;
using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Features.Storage;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server;

/// <summary>
/// The public entry point for hosting the relay server: <c>Sotto.Server</c>'s own <c>Main</c> and the CLI's
/// <c>sotto server</c> both call <see cref="RunAsync"/> (or <see cref="CreateBuilder"/> + <see cref="Build"/> to
/// adjust the host first). Configuration, lowest to highest precedence: built-in defaults, appsettings.json,
/// environment variables (plain, <c>ASPNETCORE_</c> and <c>SOTTO_</c> prefixed, <c>__</c> for <c>:</c>), command-line
/// flags. <c>--data DIR</c> = <c>Storage:DataDirectory</c> (default <c>./sotto-data</c>); <c>--urls URL</c>
/// (default <see cref="DefaultUrls"/>); <c>--cert FILE</c> / <c>--cert-password PW</c> = the HTTPS certificate.
/// </summary>
public static class SottoServerHost
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--data"] = "Storage:DataDirectory",
        ["--cert"] = "Kestrel:Certificates:Default:Path",
        ["--cert-password"] = "Kestrel:Certificates:Default:Password",
    };

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = Path.GetDirectoryName(typeof(SottoServerHost).Assembly.Location) ?? AppContext.BaseDirectory,
        });

        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                // Hosting logs request lines with paths, and paths carry usernames: keep ASP.NET Core at Warning.
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            },
        });
        builder.Configuration.AddEnvironmentVariables("SOTTO_");
        builder.Configuration.AddCommandLine(args, SwitchMappings);

        // ASP.NET Core's request lines ("Request starting … /v1/keys/{username}/1"), its per-request logging scope
        // (RequestPath, created only while this category is enabled) and route matching traces carry usernames in
        // paths, so these categories stay off whatever the configuration says (a rule added in code after the
        // configuration wins over an equally specific configured one). LoggingTests guards this.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.Matching", LogLevel.Warning);

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        AddServices(builder.Services);
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();
        app.MapSottoHealth();
        app.MapAccounts();
        app.MapDevices();
        app.MapPreKeys();
        app.MapMessages();
        app.MapAttachments();

        app.Lifetime.ApplicationStarted.Register(() => TransportSecurity.ReportAddresses(
            app.Services.GetRequiredService<IServer>(), app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sotto.Server")));
        return app;
    }

    /// <summary>
    /// Builds, starts and runs the server until <paramref name="cancellationToken"/> fires or the process is asked to
    /// stop. Returns 0 after a clean shutdown, 2 for invalid configuration, 1 when start-up fails otherwise; the
    /// reason is one line on standard error.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        WebApplication app;
        try
        {
            app = Build(CreateBuilder(args));
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("sotto server: invalid configuration: " + string.Join(" ", ex.Failures)).ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync("sotto server: invalid configuration: " + string.Join(" ", ex.Failures)).ConfigureAwait(false);
                return 2;
            }
            catch (Exception ex) when (ex is StorageException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync("sotto server: cannot start: " + ex.Message).ConfigureAwait(false);
                return 1;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);

        // Authentication pulls in ASP.NET Core Data Protection, which Sotto never uses (no cookies, no protected
        // payloads): keep its key ring in memory instead of reading and writing keys under the user's home directory.
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new InMemoryXmlRepository();
            options.XmlEncryptor = new Microsoft.AspNetCore.DataProtection.XmlEncryption.NullXmlEncryptor();
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDefaults.Customize);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => ConfigureJson(options.SerializerOptions));

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = DeviceAuthenticationHandler.SchemeName;
                options.DefaultAuthenticateScheme = DeviceAuthenticationHandler.SchemeName;
                options.DefaultChallengeScheme = DeviceAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, DeviceAuthenticationHandler>(DeviceAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(DeviceAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());

        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Sotto relay server";
            document.Info.Description = "REST API of the Sotto relay server; see docs/server-api.md. Delivery is a WebSocket at /v1/websocket.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["device"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "HTTP Basic: user name \"{username}.{deviceId}\", password = the device password.",
            };
            return Task.CompletedTask;
        }));

        services.AddSottoStorage();
        services.AddSottoHealth();
        services.AddSottoRateLimiting();
        services.AddAccounts();
        services.AddDevices();
        services.AddPreKeys();
        services.AddMessages();
        services.AddAttachments();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<MessageOptions>, IOptions<DeviceOptions>>((kestrel, messages, devices) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = messages.Value.MaxSendBodyBytes(devices.Value.MaxDevices);
        });

        // Kestrel's socket transport continues on the thread that completed the socket operation instead of queueing
        // the application (and, for writes, its own send loop) to the thread pool again: a flush sends at once, and a
        // read reaches the WebSocket loop without another hop. Socket completions themselves still run on thread-pool
        // threads (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS is not set), so blocking work such as a SQLite read
        // never runs on the epoll thread.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);
    }

    /// <summary>The request/response JSON rules of <see cref="SottoJsonContext"/>, applied to ASP.NET Core's options.</summary>
    internal static void ConfigureJson(JsonSerializerOptions options)
    {
        options.TypeInfoResolverChain.Insert(0, SottoJsonContext.Default);
        options.NumberHandling = JsonNumberHandling.Strict;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowDuplicateProperties = false;
        options.MaxDepth = 16;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }

    /// <summary>A Data Protection key store that never touches the disk (see <see cref="AddServices"/>).</summary>
    private sealed class InMemoryXmlRepository : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
    {
        private readonly List<System.Xml.Linq.XElement> _elements = [];

        public IReadOnlyCollection<System.Xml.Linq.XElement> GetAllElements()
        {
            lock (_elements)
            {
                return _elements.ToArray();
            }
        }

        public void StoreElement(System.Xml.Linq.XElement element, string friendlyName)
        {
            lock (_elements)
            {
                _elements.Add(element);
            }
        }
    }
}
