using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Net.Http.Headers;
using Sotto.Client;
using Sotto.Crypto;

namespace Sotto.Cli.Daemon;

/// <summary>
/// <c>sotto daemon</c> (DESIGN.md §6; signal-cli's <c>daemon --http</c>): one profile kept online. It owns the HTTP
/// face — Kestrel on a loopback address, the bearer token, the Host/Origin guard — and the background work: the
/// receive loop (WebSocket with reconnect, events fanned out to <c>GET /api/v1/events</c>), prekey upkeep, and the
/// SDK's expiry scheduler, which runs for as long as the <see cref="SottoClient"/> lives. JSON-RPC is
/// <see cref="JsonRpc"/> and <see cref="RpcMethods"/>.
/// </summary>
/// <remarks>
/// <code>
///   POST /api/v1/rpc     JSON-RPC 2.0, single or batch          (token)
///   GET  /api/v1/events  text/event-stream, one event per line of 'receive --json'   (token)
///   GET  /api/v1/check   200 while running                      (no token)
///   every request: Host must be a loopback name; an Origin header, if any, must be a loopback origin (else 403)
/// </code>
/// Seen (DESIGN.md §5): a received message counts as seen when its event was written to a connected subscriber,
/// when <c>history</c> returned it, or when <c>markSeen</c> names it; its disappearing countdown starts then.
/// </remarks>
internal static class DaemonHost
{
    public const int DefaultPort = 7583;
    public const string TokenFileName = "daemon.token";
    public const string LockFileName = "daemon.lock";

    /// <summary>Largest JSON-RPC request body.</summary>
    public const int MaxRequestBytes = 1 << 20;

    public static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan PreKeyUpkeepInterval = TimeSpan.FromMinutes(10);

    /// <summary>Parses HOST:PORT and accepts only loopback addresses (127.0.0.0/8, [::1], localhost).</summary>
    public static bool TryParseAddress(string text, out IPEndPoint? endpoint, out string error)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
        {
            error = $"--http takes HOST:PORT, e.g. 127.0.0.1:{DefaultPort}, not '{text}'.";
            return false;
        }

        string host = text[..colon];
        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host, out address))
        {
            error = $"--http takes an IP address or localhost, not '{host}'.";
            return false;
        }

        if (!IPAddress.IsLoopback(address))
        {
            error = $"--http must be a loopback address (127.0.0.1, [::1] or localhost), not {host}: the daemon holds this device's keys and speaks plain HTTP.";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        error = string.Empty;
        return true;
    }

    public static async Task<int> RunAsync(SottoClient client, Output output, IPEndPoint endpoint, TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        var account = await client.GetAccountAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new SottoClientException(ClientError.NotRegistered, "This profile has no account yet.");

        // One daemon per profile: two would take turns replacing each other's delivery connection.
        using var profileLock = TryLockProfile(client.ProfileDirectory);
        if (profileLock is null)
        {
            return Output.Fail($"another sotto daemon is running on this profile (it holds {LockFileName}).");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = client.ProfileDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(endpoint);
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = MaxRequestBytes;
            options.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        });
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        await using var appScope = app.ConfigureAwait(false);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sotto.Daemon");
        var lifetime = app.Lifetime;
        var hub = new EventHub(logger);
        var rpc = new JsonRpc(new RpcMethods(client), logger);
        byte[] token = NewToken();
        lifetime.ApplicationStopping.Register(hub.CompleteAll);

        app.Use((context, next) => GuardAsync(context, next, token));
        app.MapGet("/api/v1/check", context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("OK\n", lifetime.ApplicationStopping);
        });
        app.MapPost("/api/v1/rpc", context => HandleRpcAsync(context, rpc, lifetime.ApplicationStopping));
        app.MapGet("/api/v1/events", context => StreamEventsAsync(context, client, hub, keepAlive, logger, lifetime.ApplicationStopping));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return Output.Fail($"cannot listen on {endpoint}: {FirstLine(ex.Message)}");
        }

        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string tokenFile = Path.Combine(client.ProfileDirectory, TokenFileName);
        using var background = new CancellationTokenSource();
        int exitCode = 0;
        Task[] loops = [];
        try
        {
            WriteTokenFile(tokenFile, token);
            if (output.Json)
            {
                output.WriteJson(w =>
                {
                    w.WriteString("type", "daemon_started");
                    w.WriteString("url", url);
                    w.WriteString("tokenFile", tokenFile);
                    w.WriteString("username", account.Username);
                    w.WriteNumber("deviceId", account.DeviceId);
                });
            }
            else
            {
                Output.Line($"Daemon for [bold]{Output.Escape(account.Username)}[/] (device {account.DeviceId}) on {Output.Escape(url)}; the bearer token is in {Output.Escape(tokenFile)}. Ctrl-C stops it.");
            }

            loops =
            [
                Task.Run(() => ReceiveLoopAsync(client, hub, logger, () =>
                {
                    exitCode = Output.Failure;
                    lifetime.StopApplication();
                }, background.Token), CancellationToken.None),
                Task.Run(() => PreKeyUpkeepAsync(client, logger, background.Token), CancellationToken.None),
            ];

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await background.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(loops).ConfigureAwait(false);
            TryDelete(tokenFile);
        }

        return exitCode;
    }

    /// <summary>Loopback Host, loopback Origin (when sent), and the bearer token except for the health check.</summary>
    private static Task GuardAsync(HttpContext context, RequestDelegate next, byte[] token)
    {
        var request = context.Request;
        if (!IsLoopbackHost(request.Host.Host) || (request.Headers.Origin.Count > 0 && !IsLoopbackOrigin(request.Headers.Origin.ToString())))
        {
            // DNS rebinding and cross-site requests from web pages: a page's origin or host name is never loopback.
            return RefuseAsync(context, StatusCodes.Status403Forbidden, "forbidden: the daemon answers only loopback hosts and origins");
        }

        if (request.Path != "/api/v1/check" && !Authorized(request.Headers.Authorization.ToString(), token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return RefuseAsync(context, StatusCodes.Status401Unauthorized, "unauthorized: send 'Authorization: Bearer' with the token from " + TokenFileName);
        }

        return next(context);
    }

    private static bool Authorized(string header, byte[] token)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length > Scheme.Length + 256)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[256 * 3];
        int length = Encoding.UTF8.GetBytes(header.AsSpan(Scheme.Length).Trim(), presented);
        return ConstantTime.Equals(presented[..length], token);
    }

    internal static bool IsLoopbackHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address);
    }

    private static bool IsLoopbackOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && IsLoopbackHost(uri.Host);

    private static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(message + "\n");
    }

    private static async Task HandleRpcAsync(HttpContext context, JsonRpc rpc, CancellationToken stopping)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "unsupported media type: send Content-Type: application/json").ConfigureAwait(false);
            return;
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body = null;
        }

        if (body is null)
        {
            // Sent before the unread rest of the body makes Kestrel drop the connection.
            context.Response.Headers.Connection = "close";
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"request too large: at most {MaxRequestBytes} bytes").ConfigureAwait(false);
            await context.Response.CompleteAsync().ConfigureAwait(false);
            return;
        }

        // The daemon's own token, not the request's: a caller hanging up does not cut a send short halfway.
        var response = await rpc.HandleAsync(body, stopping).ConfigureAwait(false);
        if (response is null)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response, stopping).ConfigureAwait(false);
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxRequestBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is { } known ? (int)known : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxRequestBytes)
            {
                return null;
            }

            await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    private static async Task StreamEventsAsync(HttpContext context, SottoClient client, EventHub hub, TimeSpan keepAlive, ILogger logger, CancellationToken stopping)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var events = hub.Subscribe(out var unsubscribe);
        try
        {
            // Subscribed: from here on nothing the daemon receives is missed by this stream.
            await response.Body.WriteAsync(": connected\n\n"u8.ToArray(), ended.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
            while (true)
            {
                bool more;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ended.Token))
                {
                    wait.CancelAfter(keepAlive);
                    try
                    {
                        more = await events.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ended.IsCancellationRequested)
                    {
                        await response.Body.WriteAsync(": keep-alive\n\n"u8.ToArray(), ended.Token).ConfigureAwait(false);
                        await response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
                        continue;
                    }
                }

                if (!more)
                {
                    return;
                }

                while (events.TryRead(out var e))
                {
                    await response.Body.WriteAsync(e.Frame, ended.Token).ConfigureAwait(false);
                    await response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
                    if (e.TryClaimSeen())
                    {
                        await MarkSeenAsync(client, e.Message!, logger, stopping).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The subscriber left, or the daemon stops.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
        finally
        {
            unsubscribe();
        }
    }

    /// <summary>Delivered to a subscriber is seen, as printed by 'receive' is (DESIGN.md §5).</summary>
    private static async Task MarkSeenAsync(SottoClient client, MessageReceived message, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await client.MarkSeenAsync(message.Conversation, [message.Id], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            DaemonLog.MarkSeenFailed(logger, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Receives until the daemon stops: the SDK reconnects after transient failures itself; other failures are
    /// retried with a growing pause, except that this device was removed, which stops the daemon.
    /// </summary>
    private static async Task ReceiveLoopAsync(SottoClient client, EventHub hub, ILogger logger, Action fatal, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in client.ReceiveAsync(new ReceiveOptions { Reconnect = true }, cancellationToken).ConfigureAwait(false))
                {
                    pause = TimeSpan.FromSeconds(1);
                    if (DaemonEvent.From(e) is { } frame)
                    {
                        hub.Publish(frame);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SottoClientException ex) when (ex.Code is ClientError.DeviceRemoved or ClientError.NotRegistered)
            {
                Output.Fail(Commands.Describe(ex));
                fatal();
                return;
            }
            catch (SottoClientException ex)
            {
                DaemonLog.ReceiveRetrying(logger, ex.Code.ToString(), pause.TotalSeconds);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // The store or the disk; receiving resumes where it stopped (unacknowledged envelopes come again).
                DaemonLog.ReceiveRetrying(logger, ex.GetType().Name, pause.TotalSeconds);
            }

            try
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    /// <summary>Receiving refills prekeys after each drain; a long-lived connection also checks every ten minutes.</summary>
    private static async Task PreKeyUpkeepAsync(SottoClient client, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PreKeyUpkeepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await client.RefreshPreKeysAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SottoClientException ex)
                {
                    DaemonLog.PreKeyUpkeepFailed(logger, ex.Code.ToString());
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    DaemonLog.PreKeyUpkeepFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>An exclusive lock on DIR/daemon.lock (flock on Unix), or null when another process holds it.</summary>
    private static FileStream? TryLockProfile(string profileDirectory)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            return new FileStream(Path.Combine(profileDirectory, LockFileName), options);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static byte[] NewToken()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(random).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }

    /// <summary>Creates the token file afresh, readable by the owner only (0600), before anything is written to it.</summary>
    private static void WriteTokenFile(string path, byte[] token)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        file.Write(token);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
