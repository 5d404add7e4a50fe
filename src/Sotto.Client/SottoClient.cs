using Microsoft.Extensions.Logging;
using Sotto.Client.Http;
using Sotto.Client.Storage;
using Sotto.Crypto;
using Sotto.Protocol;

namespace Sotto.Client;

/// <summary>
/// One device of one Sotto account: registers or links it, keeps its prekeys topped up, sends end-to-end encrypted
/// messages to every device of a recipient (and a sync transcript to this account's other devices), receives over
/// the delivery WebSocket, and keeps the history. Built by <see cref="SottoClientBuilder"/>.
/// </summary>
/// <remarks>
/// <para>
/// State lives in the <see cref="IClientStore"/>; every operation runs its protocol steps inside store units of
/// work, so a crash at any point leaves a consistent profile. A received envelope is acknowledged only after its
/// decryption and history entry were committed together (exactly once, see <see cref="ReceiveAsync"/>).
/// </para>
/// <para>
/// Thread safety: the methods may be called concurrently; the store serializes the units of work (and with them the
/// Signal sessions, which must not be used concurrently for the same address).
/// </para>
/// </remarks>
public sealed partial class SottoClient : IAsyncDisposable
{
    private readonly IClientStore _store;
    private readonly TimeProvider _time;
    private readonly IRandom _random;
    private readonly ILogger _logger;
    private readonly SottoClientOptions _options;
    private readonly HttpMessageHandler? _handler;
    private readonly Uri? _configuredServer;
    private ServerApi? _api;
    private LocalAccount? _account;
    private int _disposed;

    internal SottoClient(SottoClientBuilder builder, IClientStore store)
    {
        _store = store;
        _time = builder.TimeProvider;
        _random = builder.Random;
        _logger = builder.LoggerFactory.CreateLogger("Sotto.Client");
        _options = builder.Options;
        _handler = builder.HttpMessageHandler;
        _configuredServer = builder.Server;
        ProfileDirectory = builder.ProfileDirectory!;
        StartExpiryScheduler();
    }

    /// <summary>Where this device's state lives.</summary>
    public string ProfileDirectory { get; }

    /// <summary>The account of this profile, or <see langword="null"/> before registration or linking.</summary>
    public async Task<AccountInfo?> GetAccountAsync(CancellationToken cancellationToken = default)
    {
        var account = await LoadAccountAsync(cancellationToken).ConfigureAwait(false);
        return account is null ? null : ToInfo(account);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopExpirySchedulerAsync().ConfigureAwait(false);
        _api?.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }

    internal static AccountInfo ToInfo(LocalAccount account) => new(account.Server, account.AccountId, account.Username, account.DeviceId);

    /// <summary>The stored account record, credentials included (tests and tools of this repository).</summary>
    internal Task<LocalAccount?> GetLocalAccountAsync(CancellationToken cancellationToken = default) => LoadAccountAsync(cancellationToken);

    private async Task<LocalAccount?> LoadAccountAsync(CancellationToken cancellationToken)
    {
        if (_account is not null)
        {
            return _account;
        }

        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        _account = await tx.GetAccountAsync(cancellationToken).ConfigureAwait(false);
        return _account;
    }

    /// <summary>The account, with the API authenticated as this device.</summary>
    private async Task<(LocalAccount Account, ServerApi Api)> RequireAccountAsync(CancellationToken cancellationToken)
    {
        var account = await LoadAccountAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new SottoClientException(ClientError.NotRegistered, "This profile has no account yet: register or link a device first.");
        var api = Api(account.Server);
        if (api.AuthorizationHeader is null)
        {
            api.UseCredentials(account.Username, account.DeviceId, account.Password);
        }

        return (account, api);
    }

    private void ForgetAccount(LocalAccount? account)
    {
        _account = account;
        if (account is not null)
        {
            Api(account.Server).UseCredentials(account.Username, account.DeviceId, account.Password);
        }
    }

    private ServerApi Api(Uri server)
    {
        if (_api is not null && _api.Server == server)
        {
            return _api;
        }

        _api?.Dispose();
        _api = new ServerApi(server, _handler, _options.RequestTimeout);
        return _api;
    }

    private Uri RequireConfiguredServer() =>
        _configuredServer ?? throw new InvalidOperationException("No server URL: call UseServer on the builder to register or link.");

    private SessionCipher Cipher(IClientTransaction tx, LocalAccount account) => new(tx, account.Address, _time, _random);

    private long NowMilliseconds => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Validates and lower-cases a username (docs/server-api.md: 3–32 of a–z, 0–9, _; starting with a letter).</summary>
    internal static string NormalizeUsername(string username, string paramName = "username")
    {
        ArgumentNullException.ThrowIfNull(username, paramName);
        var lower = username.ToLowerInvariant();
        if (!IsValidUsername(lower))
        {
            throw new ArgumentException("Usernames are 3 to 32 characters of a-z, 0-9 and _, starting with a letter.", paramName);
        }

        return lower;
    }

    internal static bool IsValidUsername(string value)
    {
        if (value.Length is < 3 or > 32 || !char.IsAsciiLetterLower(value[0]))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static string AccountName(Guid accountId) => accountId.ToString("D");
}
