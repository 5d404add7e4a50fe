using Microsoft.Extensions.Time.Testing;
using Sotto.Client.Storage;
using Sotto.Protocol;
using Sotto.Protocol.Storage;
using Sotto.TestSupport;

namespace Sotto.Client.Tests.Storage;

/// <summary>
/// What every <see cref="IClientStore"/> must do (STYLE.md §8: contract tests beside the interface). A store
/// implementation runs these by deriving and implementing <see cref="OpenStore"/>.
/// </summary>
public abstract class ClientStoreContract : IAsyncLifetime
{
    private static readonly Guid OwnAccount = Guid.Parse("5a1c0000-0000-4000-8000-000000000001");
    private const string Bob = "b0b00000-0000-4000-8000-000000000002";

    private IClientStore? _store;

    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_764_190_000_000));

    protected SeededRandom Random { get; } = new("client-store-contract");

    protected string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sotto-store-").FullName;

    protected IClientStore Store => _store!;

    /// <summary>Opens the store under test on <see cref="Directory"/> (again after <see cref="ReopenAsync"/>).</summary>
    protected abstract IClientStore OpenStore();

    public ValueTask InitializeAsync()
    {
        _store = OpenStore();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected async Task ReopenAsync()
    {
        await _store!.DisposeAsync();
        _store = OpenStore();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LocalAccount NewAccount(IdentityKeyPair identity) => new()
    {
        Server = new Uri("http://127.0.0.1:5080/"),
        AccountId = OwnAccount,
        Username = "alice",
        DeviceId = 1,
        Password = "password-not-a-real-one",
        RegistrationId = 1234,
        IdentityKeyPair = identity.Serialize(),
    };

    private IdentityKey NewIdentity()
    {
        using var pair = IdentityKeyPair.Generate(Random);
        return pair.IdentityKey;
    }

    [Fact]
    public async Task DisposeWithoutCommitLeavesNoTrace()
    {
        using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.SetSettingAsync("k", "v", Ct);
            await tx.SaveRecipientAsync(Bob, "bob", Ct);
            Assert.Equal("v", await tx.GetSettingAsync("k", Ct));
        }

        using var check = await Store.BeginAsync(Ct);
        Assert.Null(await check.GetSettingAsync("k", Ct));
        Assert.Null(await check.GetRecipientAsync(Bob, Ct));
    }

    [Fact]
    public async Task CommittedWritesSurviveReopening()
    {
        using var identity = IdentityKeyPair.Generate(Random);
        var account = NewAccount(identity);
        var address = new ProtocolAddress(Bob, 3);
        using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.SaveAccountAsync(account, Ct);
            await tx.SetSettingAsync("k", "v", Ct);
            await tx.StoreSessionAsync(address, new SessionRecord(), Ct);
            await tx.CommitAsync(Ct);
        }

        await ReopenAsync();
        using var check = await Store.BeginAsync(Ct);
        var loaded = await check.GetAccountAsync(Ct);
        Assert.Equal((account.AccountId, account.Username, account.DeviceId, account.Password, account.RegistrationId), (loaded!.AccountId, loaded.Username, loaded.DeviceId, loaded.Password, loaded.RegistrationId));
        Assert.Equal(account.IdentityKeyPair, loaded.IdentityKeyPair);
        Assert.Equal(identity.IdentityKey, (await check.GetIdentityKeyPairAsync(Ct)).IdentityKey);
        Assert.Equal(1234u, await check.GetLocalRegistrationIdAsync(Ct));
        Assert.Equal("v", await check.GetSettingAsync("k", Ct));
        Assert.Equal([3u], await check.GetSessionDeviceIdsAsync(Bob, Ct));
    }

    [Fact]
    public async Task FirstIdentityIsTrustedAndChangedOneOnlyForReceiving()
    {
        var first = NewIdentity();
        var second = NewIdentity();
        var address = new ProtocolAddress(Bob, 1);
        using var tx = await Store.BeginAsync(Ct);
        Assert.True(await tx.IsTrustedIdentityAsync(address, first, Direction.Sending, Ct));
        Assert.Equal(IdentityChange.NewOrUnchanged, await tx.SaveIdentityAsync(address, first, Ct));
        Assert.Equal(first, (await tx.GetRecipientAsync(Bob, Ct))!.TrustedIdentity);

        Assert.False(await tx.IsTrustedIdentityAsync(address, second, Direction.Sending, Ct));
        Assert.True(await tx.IsTrustedIdentityAsync(address, second, Direction.Receiving, Ct));
        Assert.Equal(IdentityChange.ReplacedExisting, await tx.SaveIdentityAsync(address, second, Ct));

        var recipient = (await tx.GetRecipientAsync(Bob, Ct))!;
        Assert.Equal((second, first, true), (recipient.CurrentIdentity, recipient.TrustedIdentity, recipient.IdentityChanged));
        Assert.Equal(second, await tx.GetIdentityAsync(address, Ct));
        Assert.False(await tx.IsTrustedIdentityAsync(new ProtocolAddress(Bob, 2), second, Direction.Sending, Ct));

        await tx.TrustIdentityAsync(Bob, second, Ct);
        Assert.True(await tx.IsTrustedIdentityAsync(address, second, Direction.Sending, Ct));
        Assert.False(await tx.IsTrustedIdentityAsync(address, first, Direction.Sending, Ct));
        Assert.False((await tx.GetRecipientAsync(Bob, Ct))!.IdentityChanged);
    }

    [Fact]
    public async Task SeenIdentityIsNotTrusted()
    {
        var first = NewIdentity();
        var second = NewIdentity();
        using var tx = await Store.BeginAsync(Ct);
        await tx.TrustIdentityAsync(Bob, first, Ct);
        await tx.SaveSeenIdentityAsync(Bob, second, Ct);
        var recipient = (await tx.GetRecipientAsync(Bob, Ct))!;
        Assert.Equal((second, first), (recipient.CurrentIdentity, recipient.TrustedIdentity));
        Assert.False(await tx.IsTrustedIdentityAsync(new ProtocolAddress(Bob, 1), second, Direction.Sending, Ct));
    }

    [Fact]
    public async Task OwnAccountTrustsOnlyItsOwnIdentity()
    {
        using var identity = IdentityKeyPair.Generate(Random);
        using var tx = await Store.BeginAsync(Ct);
        await tx.SaveAccountAsync(NewAccount(identity), Ct);
        var ownDevice = new ProtocolAddress(OwnAccount.ToString("D"), 2);
        Assert.True(await tx.IsTrustedIdentityAsync(ownDevice, identity.IdentityKey, Direction.Sending, Ct));
        Assert.False(await tx.IsTrustedIdentityAsync(ownDevice, NewIdentity(), Direction.Receiving, Ct));
    }

    [Fact]
    public async Task OneTimeKyberPreKeyIsRemovedAndLastResortRefusesReusedBaseKey()
    {
        using var identity = IdentityKeyPair.Generate(Random);
        var oneTime = KyberPreKeyRecord.Generate(new KyberPreKeyId(7), identity, Time.GetUtcNow(), Random);
        var lastResort = KyberPreKeyRecord.Generate(new KyberPreKeyId(8), identity, Time.GetUtcNow(), Random);
        using var baseKey = ECKeyPair.Generate(Random);
        using var tx = await Store.BeginAsync(Ct);
        await tx.SaveKyberPreKeyAsync(oneTime.Id, oneTime, Ct);
        await tx.SaveLastResortKyberPreKeyAsync(lastResort.Id, lastResort, Ct);
        Assert.Equal([(new KyberPreKeyId(7), false), (new KyberPreKeyId(8), true)], (await tx.ListKyberPreKeysAsync(Ct)).Select(k => (k.Id, k.LastResort)));

        await tx.MarkKyberPreKeyUsedAsync(oneTime.Id, new SignedPreKeyId(1), baseKey.PublicKey, Ct);
        Assert.Null(await tx.GetKyberPreKeyAsync(oneTime.Id, Ct));

        await tx.MarkKyberPreKeyUsedAsync(lastResort.Id, new SignedPreKeyId(1), baseKey.PublicKey, Ct);
        Assert.NotNull(await tx.GetKyberPreKeyAsync(lastResort.Id, Ct));
        var replay = await Assert.ThrowsAsync<ProtocolException>(async () => await tx.MarkKyberPreKeyUsedAsync(lastResort.Id, new SignedPreKeyId(1), baseKey.PublicKey, Ct));
        Assert.Equal(ProtocolError.ReusedBaseKey, replay.Code);
        await tx.MarkKyberPreKeyUsedAsync(lastResort.Id, new SignedPreKeyId(2), baseKey.PublicKey, Ct);
    }

    [Fact]
    public async Task PreKeysRoundTripAndOldOnesArePruned()
    {
        using var identity = IdentityKeyPair.Generate(Random);
        var old = PreKeyRecord.Generate(new PreKeyId(1), Random);
        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(5), identity, Time.GetUtcNow(), Random);
        using (var tx = await Store.BeginAsync(Ct))
        {
            await tx.SavePreKeyAsync(old.Id, old, Ct);
            await tx.SaveSignedPreKeyAsync(signed.Id, signed, Ct);
            await tx.CommitAsync(Ct);
        }

        Time.Advance(TimeSpan.FromDays(1));
        var fresh = PreKeyRecord.Generate(new PreKeyId(2), Random);
        using var check = await Store.BeginAsync(Ct);
        await check.SavePreKeyAsync(fresh.Id, fresh, Ct);
        Assert.Equal(old.Serialize(), (await check.GetPreKeyAsync(old.Id, Ct))!.Serialize());
        Assert.Equal(signed.Serialize(), (await check.GetSignedPreKeyAsync(signed.Id, Ct))!.Serialize());
        Assert.Equal([(signed.Id, signed.Timestamp)], await check.ListSignedPreKeysAsync(Ct));

        await check.RemovePreKeysCreatedBeforeAsync(Time.GetUtcNow() - TimeSpan.FromHours(1), Ct);
        Assert.Equal([new PreKeyId(2)], await check.ListPreKeyIdsAsync(Ct));
        await check.RemoveSignedPreKeyAsync(signed.Id, Ct);
        Assert.Null(await check.GetSignedPreKeyAsync(signed.Id, Ct));
        Assert.Null(await check.GetPreKeyAsync(new PreKeyId(99), Ct));
    }

    [Fact]
    public async Task ProcessedEnvelopeIdsAreRememberedUntilPruned()
    {
        var first = Guid.Parse("11111111-1111-4111-8111-111111111111");
        var second = Guid.Parse("22222222-2222-4222-8222-222222222222");
        using var tx = await Store.BeginAsync(Ct);
        await tx.MarkEnvelopeProcessedAsync(first, Time.GetUtcNow(), Ct);
        await tx.MarkEnvelopeProcessedAsync(first, Time.GetUtcNow(), Ct);
        await tx.MarkEnvelopeProcessedAsync(second, Time.GetUtcNow() + TimeSpan.FromDays(2), Ct);
        Assert.True(await tx.WasEnvelopeProcessedAsync(first, Ct));
        Assert.False(await tx.WasEnvelopeProcessedAsync(Guid.Parse("33333333-3333-4333-8333-333333333333"), Ct));

        await tx.PruneProcessedEnvelopesAsync(Time.GetUtcNow() + TimeSpan.FromDays(1), Ct);
        Assert.False(await tx.WasEnvelopeProcessedAsync(first, Ct));
        Assert.True(await tx.WasEnvelopeProcessedAsync(second, Ct));
    }

    [Fact]
    public async Task HistoryKeepsInsertionOrderAndEveryField()
    {
        var entry = new HistoryEntry
        {
            Conversation = Bob,
            MessageId = Guid.Parse("01a21ab7-7927-7dab-ba9c-8bbd56c405b1"),
            Kind = HistoryKind.Message,
            Author = Bob,
            AuthorDevice = 2,
            Outgoing = false,
            SentAt = 1_764_190_000_000,
            ReceivedAt = 1_764_190_000_500,
            Text = "héllo ✓",
            Status = DeliveryStatus.Received,
            ExpireTimerSeconds = 30,
            ExpiresAt = 1_764_190_030_500,
        };
        using var tx = await Store.BeginAsync(Ct);
        var stored = await tx.AddHistoryEntryAsync(entry, Ct);
        Assert.True(stored.Seq > 0);
        var notice = await tx.AddHistoryEntryAsync(entry with { MessageId = Guid.NewGuid(), Kind = HistoryKind.IdentityChanged, Text = null, ExpiresAt = null }, Ct);
        await tx.AddHistoryEntryAsync(entry with { Conversation = "other" }, Ct);

        var history = await tx.GetHistoryAsync(Bob, Ct);
        Assert.Equal([stored, notice], history);
        Assert.Equal(stored, await tx.FindHistoryEntryAsync(Bob, entry.MessageId, Ct));
        Assert.Null(await tx.FindHistoryEntryAsync(Bob, Guid.NewGuid(), Ct));

        await tx.UpdateHistoryEntryAsync(stored with { Status = DeliveryStatus.Failed, Text = "edited" }, Ct);
        Assert.Equal((DeliveryStatus.Failed, "edited"), ((await tx.FindHistoryEntryAsync(Bob, entry.MessageId, Ct))!.Status, (await tx.FindHistoryEntryAsync(Bob, entry.MessageId, Ct))!.Text));
    }

    [Fact]
    public async Task UsernameBelongsToOneAccountAtATime()
    {
        const string newBob = "b0b00000-0000-4000-8000-000000000099";
        using var tx = await Store.BeginAsync(Ct);
        await tx.SaveRecipientAsync(Bob, "bob", Ct);
        Assert.Equal(Bob, (await tx.FindRecipientByUsernameAsync("bob", Ct))!.AccountId);
        await tx.SaveRecipientAsync(newBob, "bob", Ct);
        Assert.Equal(newBob, (await tx.FindRecipientByUsernameAsync("bob", Ct))!.AccountId);
        Assert.Null((await tx.GetRecipientAsync(Bob, Ct))!.Username);
    }

    [Fact]
    public async Task SessionsAreKeptPerDeviceAndDeleted()
    {
        using var tx = await Store.BeginAsync(Ct);
        await tx.StoreSessionAsync(new ProtocolAddress(Bob, 1), new SessionRecord(), Ct);
        await tx.StoreSessionAsync(new ProtocolAddress(Bob, 2), new SessionRecord(), Ct);
        await tx.StoreSessionAsync(new ProtocolAddress(OwnAccount.ToString("D"), 2), new SessionRecord(), Ct);
        Assert.Equal([1u, 2u], await tx.GetSessionDeviceIdsAsync(Bob, Ct));
        Assert.NotNull(await tx.LoadSessionAsync(new ProtocolAddress(Bob, 2), Ct));

        await tx.DeleteSessionAsync(new ProtocolAddress(Bob, 1), Ct);
        Assert.Equal([2u], await tx.GetSessionDeviceIdsAsync(Bob, Ct));
        Assert.Null(await tx.LoadSessionAsync(new ProtocolAddress(Bob, 1), Ct));

        await tx.DeleteAllSessionsAsync(Ct);
        Assert.Empty(await tx.GetSessionDeviceIdsAsync(Bob, Ct));
        Assert.Empty(await tx.GetSessionDeviceIdsAsync(OwnAccount.ToString("D"), Ct));
    }

    [Fact]
    public async Task UnitsOfWorkAreSerialized()
    {
        var first = await Store.BeginAsync(Ct);
        var secondTask = Store.BeginAsync(Ct).AsTask();
        await Task.Delay(100, Ct);
        Assert.False(secondTask.IsCompleted);
        await first.SetSettingAsync("k", "first", Ct);
        await first.CommitAsync(Ct);
        first.Dispose();
        using var second = await secondTask;
        Assert.Equal("first", await second.GetSettingAsync("k", Ct));
    }
}
