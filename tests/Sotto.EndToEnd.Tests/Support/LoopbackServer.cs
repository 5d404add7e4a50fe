using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sotto.Client;
using Sotto.Client.Storage.Sqlite;
using Sotto.Server;

namespace Sotto.EndToEnd.Tests.Support;

/// <summary>
/// The real relay server, in this process, on Kestrel at a free 127.0.0.1 port, with its SQLite database in a fresh
/// temporary data directory (through <see cref="SottoServerHost"/>, the entry point <c>sotto server</c> uses).
/// Clients made by <see cref="NewClient"/> get their own temporary profile directories. Everything is deleted on dispose.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<SottoClient> _clients = [];

    private LoopbackServer(WebApplication app, string root, Uri address)
    {
        _app = app;
        Root = root;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>A temporary directory for this test: data/ holds the server database, profiles go beside it.</summary>
    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public static async Task<LoopbackServer> StartAsync(params string[] extraArgs)
    {
        var root = Directory.CreateTempSubdirectory("sotto-e2e-").FullName;
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--data", Path.Combine(root, "data"),
            "--RateLimits:Enabled=false",
            "--Storage:Sqlite:Synchronous=Normal",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            .. extraArgs,
        ];
        var app = SottoServerHost.Build(SottoServerHost.CreateBuilder(args));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackServer(app, root, new Uri(address));
    }

    /// <summary>A client for a new profile directory <paramref name="name"/> under <see cref="Root"/>.</summary>
    public SottoClient NewClient(string name, Action<SottoClientOptions>? configure = null, Func<Sotto.Client.Storage.IClientStore, Sotto.Client.Storage.IClientStore>? wrapStore = null, TimeProvider? time = null)
    {
        var builder = new SottoClientBuilder()
            .UseServer(Address)
            .UseProfileDirectory(ProfilePath(name))
            .UseStore(context =>
            {
                var store = SqliteClientStore.Open(context.ProfileDirectory, context.TimeProvider);
                return wrapStore is null ? store : wrapStore(store);
            });
        if (time is not null)
        {
            builder.UseTimeProvider(time);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        var client = builder.Build();
        _clients.Add(client);
        return client;
    }

    public string ProfilePath(string name) => Path.Combine(Root, "profiles", name);

    /// <summary>Registers a new profile as <paramref name="username"/>.</summary>
    public async Task<SottoClient> RegisterAsync(string username, TimeProvider? time = null)
    {
        var client = NewClient(username, time: time);
        await client.RegisterAsync(username, cancellationToken: TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Links a new profile <paramref name="profile"/> to <paramref name="existing"/>'s account.</summary>
    public async Task<SottoClient> LinkAsync(SottoClient existing, string profile)
    {
        var client = NewClient(profile);
        using var pending = await client.BeginLinkAsync(profile, TestContext.Current.CancellationToken);
        await existing.ApproveLinkAsync(pending.DisplayCode, TestContext.Current.CancellationToken);
        await pending.CompleteAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Helpers for draining a client's events in tests.</summary>
public static class ClientExtensions
{
    /// <summary>
    /// Receives until the queue is drained (and nothing more arrives for <paramref name="idle"/>). Receipts and typing
    /// notifications are left out unless <paramref name="all"/>.
    /// </summary>
    public static async Task<List<ClientEvent>> ReceiveAllAsync(this SottoClient client, TimeSpan? idle = null, bool all = false)
    {
        var events = new List<ClientEvent>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        await foreach (var e in client.ReceiveAsync(new ReceiveOptions { IdleTimeout = idle ?? TimeSpan.Zero }, cts.Token))
        {
            if (e is not QueueDrained && (all || e is not (ReceiptReceived or TypingReceived)))
            {
                events.Add(e);
            }
        }

        return events;
    }
}
