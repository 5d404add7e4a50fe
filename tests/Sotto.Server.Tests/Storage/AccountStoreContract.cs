using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The <see cref="IAccountStore"/> contract.</summary>
public abstract class AccountStoreContract : StoreContract
{
    [Fact]
    public async Task TryCreateStoresAccountWithDeviceOneAndItsKeys()
    {
        var account = await CreateAccountAsync("alice", registrationId: 77);

        AssertSameAccount(account, await Accounts.FindByUsernameAsync("alice", Ct));
        AssertSameAccount(account, await Accounts.FindAsync(account.Id, Ct));
        var device = Assert.Single(await Accounts.GetDevicesAsync(account.Id, Ct));
        Assert.Equal(new DeviceAddress(account.Id, 1), device.Address);
        Assert.Equal(77, device.RegistrationId);
        Assert.Equal([1, 2, 3], device.Name);
        Assert.Equal(Bytes(16, 7), device.Password.Salt);
        Assert.Equal(Bytes(32, 8), device.Password.Hash);
        Assert.Equal(new PreKeyCounts(3, 3), await PreKeys.CountAsync(device.Address, Ct));
    }

    [Fact]
    public async Task TryCreateWithTakenUsernameReturnsFalseAndChangesNothing()
    {
        var first = await CreateAccountAsync("alice");
        var second = new Account(Guid.NewGuid(), "alice", EcKey(9), T0);

        Assert.False(await Accounts.TryCreateAsync(second, NewDevice(5), FullKeys(), Ct));

        AssertSameAccount(first, await Accounts.FindByUsernameAsync("alice", Ct));
        Assert.Null(await Accounts.FindAsync(second.Id, Ct));
        Assert.Empty(await Accounts.GetDevicesAsync(second.Id, Ct));
    }

    [Fact]
    public async Task FindReturnsNullForUnknownAccounts()
    {
        await CreateAccountAsync("alice");

        Assert.Null(await Accounts.FindByUsernameAsync("bob", Ct));
        Assert.Null(await Accounts.FindAsync(Guid.NewGuid(), Ct));
        Assert.Null(await Accounts.FindDeviceAsync("bob", 1, Ct));
        Assert.Null(await Accounts.FindDeviceAsync("alice", 2, Ct));
    }

    [Fact]
    public async Task FindDeviceReturnsTheAccountAndTheDevice()
    {
        var account = await CreateAccountAsync("alice");
        var linked = await LinkDeviceAsync(account, registrationId: 99);

        var found = await Accounts.FindDeviceAsync("alice", linked.DeviceId, Ct);

        Assert.NotNull(found);
        AssertSameAccount(account, found.Account);
        Assert.Equal(linked, found.Device.Address);
        Assert.Equal(99, found.Device.RegistrationId);
    }

    [Fact]
    public async Task GetDevicesListsDevicesInIdOrder()
    {
        var account = await CreateAccountAsync("alice");
        await LinkDeviceAsync(account, 2);
        await LinkDeviceAsync(account, 3);

        var devices = await Accounts.GetDevicesAsync(account.Id, Ct);

        Assert.Equal([1u, 2u, 3u], devices.Select(d => d.Address.DeviceId));
        Assert.Equal([11, 2, 3], devices.Select(d => d.RegistrationId));
    }

    [Fact]
    public async Task RemoveDeviceDeletesItsKeysAndQueuedEnvelopes()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob2 = await LinkDeviceAsync(bob, 22);
        Assert.NotNull(await Messages.InsertAsync([Envelope(bob2, 22, alice, 1)], Ct));

        Assert.True(await Accounts.RemoveDeviceAsync(bob2, Ct));

        Assert.Equal([1u], (await Accounts.GetDevicesAsync(bob.Id, Ct)).Select(d => d.Address.DeviceId));
        Assert.Equal(0, await Messages.CountAsync(bob2, Ct));
        Assert.Equal(new PreKeyCounts(0, 0), await PreKeys.CountAsync(bob2, Ct));
        Assert.Empty(await PreKeys.TakeBundlesAsync(bob.Id, bob2.DeviceId, Ct));
        Assert.False(await Accounts.RemoveDeviceAsync(bob2, Ct));
    }

    [Fact]
    public async Task ReRegisterReplacesIdentityAndLeavesOnlyTheKeptDeviceWithNewKeys()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob1 = new DeviceAddress(bob.Id, 1);
        var bob2 = await LinkDeviceAsync(bob, 22);
        Assert.NotNull(await Messages.InsertAsync([Envelope(bob1, 11, alice, 1), Envelope(bob2, 22, alice, 2)], Ct));
        var newIdentity = EcKey(0x77);
        var newKeys = FullKeys(ecCount: 1, kyberCount: 0, firstId: 5000);

        Assert.True(await Accounts.ReRegisterAsync(bob1, newIdentity, 1234, newKeys, Ct));

        var account = await Accounts.FindByUsernameAsync("bob", Ct);
        Assert.Equal(newIdentity, account!.IdentityKey);
        var device = Assert.Single(await Accounts.GetDevicesAsync(bob.Id, Ct));
        Assert.Equal(1234, device.RegistrationId);
        Assert.Equal(0, await Messages.CountAsync(bob1, Ct));
        Assert.Equal(0, await Messages.CountAsync(bob2, Ct));
        Assert.Equal(new PreKeyCounts(1, 0), await PreKeys.CountAsync(bob1, Ct));
        var bundle = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));
        Assert.Equal(5000u, bundle.SignedPreKey.KeyId);
        Assert.True(bundle.KyberIsLastResort);
        Assert.Equal(6000u, bundle.KyberPreKey.KeyId);
    }

    [Fact]
    public async Task ReRegisterOfUnknownDeviceReturnsFalse()
    {
        var bob = await CreateAccountAsync("bob");

        Assert.False(await Accounts.ReRegisterAsync(new DeviceAddress(bob.Id, 4), EcKey(1), 5, FullKeys(), Ct));
        Assert.Equal(EcKey(0x42), (await Accounts.FindAsync(bob.Id, Ct))!.IdentityKey);
    }

    [Fact]
    public async Task DeleteRemovesEverythingAndFreesTheUsername()
    {
        var alice = await CreateAccountAsync("alice");
        var bob = await CreateAccountAsync("bob");
        var bob2 = await LinkDeviceAsync(bob, 22);
        Assert.NotNull(await Messages.InsertAsync([Envelope(new DeviceAddress(bob.Id, 1), 11, alice, 1), Envelope(bob2, 22, alice, 2)], Ct));

        Assert.True(await Accounts.DeleteAsync(bob.Id, Ct));

        Assert.Null(await Accounts.FindByUsernameAsync("bob", Ct));
        Assert.Empty(await Accounts.GetDevicesAsync(bob.Id, Ct));
        Assert.Equal(0, await Messages.CountAsync(bob2, Ct));
        Assert.Empty(await PreKeys.TakeBundlesAsync(bob.Id, null, Ct));
        Assert.False(await Accounts.DeleteAsync(bob.Id, Ct));
        await CreateAccountAsync("bob");
    }

    [Fact]
    public async Task EveryReadSeesAChangeAsSoonAsTheChangingCallReturns()
    {
        // Providers may keep accounts and devices in memory (the SQLite one does): whatever was read before a change
        // must not be served after the change's call has returned.
        var bob = await CreateAccountAsync("bob");
        async Task ReadEverythingAsync()
        {
            await Accounts.FindAsync(bob.Id, Ct);
            await Accounts.FindByUsernameAsync("bob", Ct);
            await Accounts.FindDeviceAsync("bob", 1, Ct);
            await Accounts.FindDeviceAsync("bob", 2, Ct);
            await Accounts.GetDevicesAsync(bob.Id, Ct);
        }

        await ReadEverythingAsync();
        var bob2 = await LinkDeviceAsync(bob, 22);
        Assert.Equal(22, (await Accounts.FindDeviceAsync("bob", 2, Ct))!.Device.RegistrationId);
        Assert.Equal([1u, 2u], (await Accounts.GetDevicesAsync(bob.Id, Ct)).Select(d => d.Address.DeviceId));

        await ReadEverythingAsync();
        Assert.True(await Accounts.RemoveDeviceAsync(bob2, Ct));
        Assert.Null(await Accounts.FindDeviceAsync("bob", 2, Ct));
        Assert.Equal([1u], (await Accounts.GetDevicesAsync(bob.Id, Ct)).Select(d => d.Address.DeviceId));

        await ReadEverythingAsync();
        Assert.True(await Accounts.ReRegisterAsync(new DeviceAddress(bob.Id, 1), EcKey(0x77), 1234, FullKeys(), Ct));
        Assert.Equal(EcKey(0x77), (await Accounts.FindByUsernameAsync("bob", Ct))!.IdentityKey);
        Assert.Equal(EcKey(0x77), (await Accounts.FindAsync(bob.Id, Ct))!.IdentityKey);
        Assert.Equal(1234, (await Accounts.FindDeviceAsync("bob", 1, Ct))!.Device.RegistrationId);
        Assert.Equal(1234, Assert.Single(await Accounts.GetDevicesAsync(bob.Id, Ct)).RegistrationId);

        await ReadEverythingAsync();
        Assert.True(await Accounts.DeleteAsync(bob.Id, Ct));
        Assert.Null(await Accounts.FindAsync(bob.Id, Ct));
        Assert.Null(await Accounts.FindByUsernameAsync("bob", Ct));
        Assert.Null(await Accounts.FindDeviceAsync("bob", 1, Ct));
        Assert.Empty(await Accounts.GetDevicesAsync(bob.Id, Ct));
    }
}
