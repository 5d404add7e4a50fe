using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sotto.Client.Storage;
using Sotto.Crypto;

namespace Sotto.Client;

/// <summary>
/// Configures and builds a <see cref="SottoClient"/> (npgsql <c>NpgsqlDataSourceBuilder</c>): the server, the
/// profile directory that holds the device's state, the store, the clock, the randomness and logging.
/// </summary>
/// <example>
/// <code>
/// await using var client = new SottoClientBuilder()
///     .UseServer(new Uri("http://127.0.0.1:5080"))
///     .UseProfileDirectory("/home/alice/.sotto")
///     .UseSqliteStore()                      // Sotto.Client.Storage.Sqlite
///     .Build();
/// </code>
/// </example>
public sealed class SottoClientBuilder
{
    private Func<ClientStoreContext, IClientStore>? _storeFactory;

    /// <summary>The relay server. Needed to register or link; afterwards the profile remembers it.</summary>
    public Uri? Server { get; private set; }

    /// <summary>Where the device's state lives (created when missing, mode 0700).</summary>
    public string? ProfileDirectory { get; private set; }

    public TimeProvider TimeProvider { get; private set; } = TimeProvider.System;

    public IRandom Random { get; private set; } = SystemRandom.Instance;

    public ILoggerFactory LoggerFactory { get; private set; } = NullLoggerFactory.Instance;

    /// <summary>Tuning: prekey batch sizes, rotation, timeouts.</summary>
    public SottoClientOptions Options { get; } = new();

    /// <summary>A handler for the REST calls (tests, proxies); the WebSocket uses it too when it can.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; private set; }

    public SottoClientBuilder UseServer(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The server must be an absolute http:// or https:// URL.", nameof(server));
        }

        Server = server.AbsolutePath.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        return this;
    }

    public SottoClientBuilder UseProfileDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ProfileDirectory = Path.GetFullPath(path);
        return this;
    }

    public SottoClientBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        return this;
    }

    public SottoClientBuilder UseRandom(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Random = random;
        return this;
    }

    public SottoClientBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        LoggerFactory = loggerFactory;
        return this;
    }

    /// <summary>The store, opened by <see cref="Build"/> for the profile directory (see <c>UseSqliteStore</c>).</summary>
    public SottoClientBuilder UseStore(Func<ClientStoreContext, IClientStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _storeFactory = factory;
        return this;
    }

    public SottoClientBuilder UseHttpMessageHandler(HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        HttpMessageHandler = handler;
        return this;
    }

    public SottoClientBuilder Configure(Action<SottoClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Options);
        Options.Validate();
        return this;
    }

    /// <summary>Opens the profile's store and returns the client.</summary>
    /// <exception cref="InvalidOperationException">No profile directory or no store was configured.</exception>
    public SottoClient Build()
    {
        if (ProfileDirectory is null)
        {
            throw new InvalidOperationException("Call UseProfileDirectory before Build.");
        }

        if (_storeFactory is null)
        {
            throw new InvalidOperationException("Call UseStore (or UseSqliteStore) before Build.");
        }

        Options.Validate();
        var directory = Directory.CreateDirectory(ProfileDirectory);
        if (!OperatingSystem.IsWindows())
        {
            directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        var store = _storeFactory(new ClientStoreContext(ProfileDirectory, TimeProvider));
        return new SottoClient(this, store);
    }
}

/// <summary>What a store factory gets: where the profile lives and the clock.</summary>
public sealed record ClientStoreContext(string ProfileDirectory, TimeProvider TimeProvider);

/// <summary>Tuning of a <see cref="SottoClient"/>. The defaults follow the Signal apps.</summary>
public sealed class SottoClientOptions
{
    /// <summary>One-time EC and one-time Kyber prekeys uploaded at a time (the server takes at most 100).</summary>
    public int PreKeyBatchSize { get; set; } = 100;

    /// <summary>Upload a new batch when the server holds fewer one-time keys of a kind than this.</summary>
    public int PreKeyRefillThreshold { get; set; } = 10;

    /// <summary>Replace the signed prekey and the last-resort Kyber key when they are older than this.</summary>
    public TimeSpan SignedPreKeyRotation { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Keep replaced prekeys' private halves this long, for messages still in flight.</summary>
    public TimeSpan OldPreKeyRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Timeout of one REST call.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How often a send is retried after the server corrected the device list (409/410).</summary>
    public int MaxSendAttempts { get; set; } = 5;

    internal void Validate()
    {
        if (PreKeyBatchSize is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(PreKeyBatchSize), PreKeyBatchSize, "Batches are 1 to 100 keys.");
        }

        if (PreKeyRefillThreshold < 0 || PreKeyRefillThreshold > PreKeyBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PreKeyRefillThreshold), PreKeyRefillThreshold, "The threshold is 0 to the batch size.");
        }

        if (SignedPreKeyRotation <= TimeSpan.Zero || OldPreKeyRetention <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SignedPreKeyRotation), "Durations must be positive.");
        }

        if (MaxSendAttempts is < 1 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSendAttempts), MaxSendAttempts, "1 to 20 attempts.");
        }
    }
}
