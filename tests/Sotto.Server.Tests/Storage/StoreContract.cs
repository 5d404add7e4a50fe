using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The stores of one provider over one fresh, empty database.</summary>
public sealed record StoreSet(
    IAccountStore Accounts,
    IPreKeyStore PreKeys,
    IMessageStore Messages,
    ILinkRequestStore LinkRequests,
    IAttachmentStore Attachments,
    IDisposable Owner) : IDisposable
{
    public void Dispose() => Owner.Dispose();
}

/// <summary>
/// Base of the storage contract tests (STYLE.md §8, NSec <c>tests/Base</c>): each contract is an abstract class of
/// facts written against the interfaces only; a provider runs them by deriving and opening a fresh database in
/// <see cref="OpenAsync"/>. A PostgreSQL provider runs the same classes unchanged.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private StoreSet? _stores;

    protected StoreSet Stores => _stores ?? throw new InvalidOperationException("not initialized");

    protected IAccountStore Accounts => Stores.Accounts;

    protected IPreKeyStore PreKeys => Stores.PreKeys;

    protected IMessageStore Messages => Stores.Messages;

    protected ILinkRequestStore LinkRequests => Stores.LinkRequests;

    protected IAttachmentStore Attachments => Stores.Attachments;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Opens the provider's stores over a new, empty database.</summary>
    protected abstract ValueTask<StoreSet> OpenAsync();

    public async ValueTask InitializeAsync() => _stores = await OpenAsync();

    public ValueTask DisposeAsync()
    {
        _stores?.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Records holding byte arrays compare them by reference; stores return copies.</summary>
    protected static void AssertSameAccount(Account expected, Account? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Username, actual.Username);
        Assert.Equal(expected.IdentityKey, actual.IdentityKey);
        Assert.Equal(expected.Created, actual.Created);
    }

    // ---- record builders shared by the contracts ----

    protected static byte[] Bytes(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();

    protected static byte[] EcKey(byte fill) => [0x05, .. Bytes(32, fill)];

    protected static byte[] KyberKey(byte fill) => [0x08, .. Bytes(1568, fill)];

    protected static PreKeyUpdate FullKeys(int ecCount = 3, int kyberCount = 3, uint firstId = 1) => new(
        new SignedPreKeyRecord(firstId, EcKey(1), Bytes(64, 2)),
        new KyberPreKeyRecord(firstId + 1000, KyberKey(3), Bytes(64, 4)),
        Enumerable.Range(0, ecCount).Select(i => new EcPreKeyRecord(firstId + 100 + (uint)i, EcKey((byte)(10 + i)))).ToArray(),
        Enumerable.Range(0, kyberCount).Select(i => new KyberPreKeyRecord(firstId + 200 + (uint)i, KyberKey((byte)(20 + i)), Bytes(64, (byte)(30 + i)))).ToArray());

    protected static NewDevice NewDevice(int registrationId, DateTimeOffset? created = null) =>
        new(registrationId, [1, 2, 3], new PasswordHash(Bytes(16, 7), Bytes(32, 8)), created ?? T0);

    protected async Task<Account> CreateAccountAsync(string username, int registrationId = 11, PreKeyUpdate? keys = null)
    {
        var account = new Account(Guid.NewGuid(), username, EcKey(0x42), T0);
        Assert.True(await Accounts.TryCreateAsync(account, NewDevice(registrationId), keys ?? FullKeys(), Ct));
        return account;
    }

    /// <summary>Adds a device to <paramref name="account"/> through the link flow (the only way devices are added).</summary>
    protected async Task<DeviceAddress> LinkDeviceAsync(Account account, int registrationId, PreKeyUpdate? keys = null, int maxDevices = 6)
    {
        var code = "C" + Guid.NewGuid().ToString("N")[..9].ToUpperInvariant();
        Assert.True(await LinkRequests.TryCreateAsync(new LinkRequest(code, Bytes(32, 1), Bytes(32, 2), T0, T0.AddMinutes(10), null), Ct));
        Assert.Equal(LinkApprovalOutcome.Approved, await LinkRequests.TryApproveAsync(code, new LinkApproval(account.Id, 1, Bytes(10, 3), T0), T0, Ct));
        var result = await LinkRequests.TryCompleteAsync(code, NewDevice(registrationId), keys ?? FullKeys(), maxDevices, T0, Ct);
        Assert.Equal(LinkCompletionStatus.Completed, result.Status);
        return result.Device;
    }

    protected static NewEnvelope Envelope(DeviceAddress to, int registrationId, Account from, byte fill, DateTimeOffset? deadline = null, int size = 100) => new(
        Guid.CreateVersion7(),
        to,
        registrationId,
        2,
        from.Id,
        from.Username,
        1,
        1_764_190_000_000,
        T0,
        deadline ?? T0.AddDays(14),
        Bytes(size, fill));
}
