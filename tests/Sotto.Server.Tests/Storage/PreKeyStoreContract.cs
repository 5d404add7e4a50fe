using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The <see cref="IPreKeyStore"/> contract.</summary>
public abstract class PreKeyStoreContract : StoreContract
{
    [Fact]
    public async Task TakeBundleHandsOutTheSignedKeyAndOneOfEachOneTimeKey()
    {
        var bob = await CreateAccountAsync("bob");

        var bundle = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));

        Assert.Equal(1u, bundle.DeviceId);
        Assert.Equal(11, bundle.RegistrationId);
        Assert.Equal(new SignedPreKeyRecord(1, EcKey(1), Bytes(64, 2)).KeyId, bundle.SignedPreKey.KeyId);
        Assert.Equal(EcKey(1), bundle.SignedPreKey.PublicKey);
        Assert.Equal(Bytes(64, 2), bundle.SignedPreKey.Signature);
        Assert.NotNull(bundle.OneTimeEcPreKey);
        Assert.False(bundle.KyberIsLastResort);
        Assert.Equal(new PreKeyCounts(2, 2), await PreKeys.CountAsync(new DeviceAddress(bob.Id, 1), Ct));
    }

    [Fact]
    public async Task ConcurrentFetchesNeverHandOutTheSameOneTimeKeyTwice()
    {
        var bob = await CreateAccountAsync("bob", keys: FullKeys(ecCount: 20, kyberCount: 20));

        var bundles = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => PreKeys.TakeBundlesAsync(bob.Id, 1, Ct).AsTask()));

        var ec = bundles.Select(b => Assert.Single(b).OneTimeEcPreKey).Where(k => k is not null).Select(k => k!.KeyId).ToList();
        var kyber = bundles.Select(b => Assert.Single(b)).Where(b => !b.KyberIsLastResort).Select(b => b.KyberPreKey.KeyId).ToList();
        Assert.Equal(20, ec.Count);
        Assert.Equal(20, ec.Distinct().Count());
        Assert.Equal(20, kyber.Count);
        Assert.Equal(20, kyber.Distinct().Count());
        Assert.Equal(10, bundles.Count(b => b[0].OneTimeEcPreKey is null));
        Assert.Equal(new PreKeyCounts(0, 0), await PreKeys.CountAsync(new DeviceAddress(bob.Id, 1), Ct));
    }

    [Fact]
    public async Task TakeBundleFallsBackToTheLastResortKyberKeyWithoutConsumingIt()
    {
        var bob = await CreateAccountAsync("bob", keys: FullKeys(ecCount: 0, kyberCount: 1));

        var first = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));
        var second = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));
        var third = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));

        Assert.False(first.KyberIsLastResort);
        Assert.Equal(201u, first.KyberPreKey.KeyId);
        Assert.True(second.KyberIsLastResort);
        Assert.Equal(1001u, second.KyberPreKey.KeyId);
        Assert.Equal(KyberKey(3), second.KyberPreKey.PublicKey);
        Assert.True(third.KyberIsLastResort);
        Assert.Null(first.OneTimeEcPreKey);
        Assert.Null(third.OneTimeEcPreKey);
    }

    [Fact]
    public async Task UpdateReplacesGivenPartsAndKeepsTheRest()
    {
        var bob = await CreateAccountAsync("bob");
        var device = new DeviceAddress(bob.Id, 1);

        Assert.True(await PreKeys.UpdateAsync(device, new PreKeyUpdate(null, null, [new EcPreKeyRecord(900, EcKey(90))], null), Ct));

        Assert.Equal(new PreKeyCounts(1, 3), await PreKeys.CountAsync(device, Ct));
        var bundle = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));
        Assert.Equal(900u, bundle.OneTimeEcPreKey!.KeyId);
        Assert.Equal(EcKey(90), bundle.OneTimeEcPreKey.PublicKey);
        Assert.Equal(1u, bundle.SignedPreKey.KeyId);

        Assert.True(await PreKeys.UpdateAsync(device, new PreKeyUpdate(new SignedPreKeyRecord(7, EcKey(70), Bytes(64, 71)), new KyberPreKeyRecord(8, KyberKey(80), Bytes(64, 81)), null, []), Ct));
        var after = Assert.Single(await PreKeys.TakeBundlesAsync(bob.Id, 1, Ct));
        Assert.Equal(7u, after.SignedPreKey.KeyId);
        Assert.True(after.KyberIsLastResort);
        Assert.Equal(8u, after.KyberPreKey.KeyId);
        Assert.Equal(Bytes(64, 81), after.KyberPreKey.Signature);
    }

    [Fact]
    public async Task UpdateOfUnknownDeviceReturnsFalse()
    {
        var bob = await CreateAccountAsync("bob");

        Assert.False(await PreKeys.UpdateAsync(new DeviceAddress(bob.Id, 3), FullKeys(), Ct));
        Assert.False(await PreKeys.UpdateAsync(new DeviceAddress(Guid.NewGuid(), 1), FullKeys(), Ct));
    }

    [Fact]
    public async Task TakeBundlesForAllDevicesReturnsOnePerDeviceInIdOrder()
    {
        var bob = await CreateAccountAsync("bob");
        await LinkDeviceAsync(bob, 22);
        await LinkDeviceAsync(bob, 33, FullKeys(firstId: 50));

        var bundles = await PreKeys.TakeBundlesAsync(bob.Id, null, Ct);

        Assert.Equal([1u, 2u, 3u], bundles.Select(b => b.DeviceId));
        Assert.Equal([11, 22, 33], bundles.Select(b => b.RegistrationId));
        Assert.Equal(50u, bundles[2].SignedPreKey.KeyId);
        Assert.Empty(await PreKeys.TakeBundlesAsync(bob.Id, 9, Ct));
        Assert.Empty(await PreKeys.TakeBundlesAsync(Guid.NewGuid(), null, Ct));
    }
}
