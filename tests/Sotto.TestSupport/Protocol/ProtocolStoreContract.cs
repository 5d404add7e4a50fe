using Microsoft.Extensions.Time.Testing;
using Sotto.Protocol;
using Sotto.Protocol.Storage;
using Xunit;

namespace Sotto.TestSupport.Protocol;

/// <summary>
/// The contract every implementation of Sotto.Protocol's stores (<see cref="IProtocolStore"/>) must meet, as tests
/// (STYLE.md §8: one abstract contract, run against the in-memory stores here and against SQLite and PostgreSQL in
/// their own test projects). A concrete test class derives from it and says how to create a store.
/// </summary>
public abstract class ProtocolStoreContract
{
    private const string AliceName = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    private const string BobName = "796abedb-ca4e-4f18-8803-1fab5a6a5d2d";
    private readonly SeededRandom _random = new("protocol-store-contract");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store for the device with this identity and registration id.</summary>
    protected abstract IProtocolStore CreateStore(IdentityKeyPair identity, uint registrationId);

    /// <summary>Saves a last-resort Kyber prekey (not part of <see cref="IKyberPreKeyStore"/>: how a store learns it is the store's business).</summary>
    protected abstract ValueTask SaveLastResortKyberPreKeyAsync(IProtocolStore store, KyberPreKeyId id, KyberPreKeyRecord record);

    [Fact]
    public async Task IdentityKeyPairAndRegistrationIdAreTheOnesGiven()
    {
        var identity = IdentityKeyPair.Generate(_random);
        var store = CreateStore(identity, 4242);

        Assert.Equal(identity.IdentityKey, (await store.GetIdentityKeyPairAsync(Ct)).IdentityKey);
        Assert.Equal(4242u, await store.GetLocalRegistrationIdAsync(Ct));
    }

    [Fact]
    public async Task FirstIdentityIsTrustedThenOnlyThatOneUntilAnotherIsSaved()
    {
        var store = CreateStore(IdentityKeyPair.Generate(_random), 1);
        var bob = new ProtocolAddress(BobName, 1);
        var first = IdentityKeyPair.Generate(_random).IdentityKey;
        var second = IdentityKeyPair.Generate(_random).IdentityKey;

        Assert.Null(await store.GetIdentityAsync(bob, Ct));
        Assert.True(await store.IsTrustedIdentityAsync(bob, first, Direction.Sending, Ct));
        Assert.Equal(IdentityChange.NewOrUnchanged, await store.SaveIdentityAsync(bob, first, Ct));
        Assert.Equal(IdentityChange.NewOrUnchanged, await store.SaveIdentityAsync(bob, first, Ct));
        Assert.Equal(first, await store.GetIdentityAsync(bob, Ct));
        Assert.True(await store.IsTrustedIdentityAsync(bob, first, Direction.Receiving, Ct));
        Assert.False(await store.IsTrustedIdentityAsync(bob, second, Direction.Sending, Ct));
        Assert.False(await store.IsTrustedIdentityAsync(bob, second, Direction.Receiving, Ct));
        Assert.True(await store.IsTrustedIdentityAsync(new ProtocolAddress(BobName, 2), second, Direction.Sending, Ct));

        Assert.Equal(IdentityChange.ReplacedExisting, await store.SaveIdentityAsync(bob, second, Ct));
        Assert.True(await store.IsTrustedIdentityAsync(bob, second, Direction.Sending, Ct));
        Assert.False(await store.IsTrustedIdentityAsync(bob, first, Direction.Sending, Ct));
    }

    [Fact]
    public async Task PrekeysRoundTripByIdAndUnknownIdsAreNull()
    {
        var identity = IdentityKeyPair.Generate(_random);
        var store = CreateStore(identity, 1);
        var preKey = PreKeyRecord.Generate(new PreKeyId(7), _random);
        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(8), identity, _time.GetUtcNow(), _random);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(9), identity, _time.GetUtcNow(), _random);
        await store.SavePreKeyAsync(preKey.Id, preKey, Ct);
        await store.SaveSignedPreKeyAsync(signed.Id, signed, Ct);
        await store.SaveKyberPreKeyAsync(kyber.Id, kyber, Ct);

        Assert.Equal(preKey.Serialize(), (await store.GetPreKeyAsync(new PreKeyId(7), Ct))!.Serialize());
        Assert.Equal(signed.Serialize(), (await store.GetSignedPreKeyAsync(new SignedPreKeyId(8), Ct))!.Serialize());
        Assert.Equal(kyber.Serialize(), (await store.GetKyberPreKeyAsync(new KyberPreKeyId(9), Ct))!.Serialize());
        Assert.Null(await store.GetPreKeyAsync(new PreKeyId(8), Ct));
        Assert.Null(await store.GetSignedPreKeyAsync(new SignedPreKeyId(7), Ct));
        Assert.Null(await store.GetKyberPreKeyAsync(new KyberPreKeyId(7), Ct));

        await store.RemovePreKeyAsync(new PreKeyId(7), Ct);
        await store.RemovePreKeyAsync(new PreKeyId(7), Ct);
        Assert.Null(await store.GetPreKeyAsync(new PreKeyId(7), Ct));
    }

    [Fact]
    public async Task UsedOneTimeKyberPrekeyIsRemoved()
    {
        var identity = IdentityKeyPair.Generate(_random);
        var store = CreateStore(identity, 1);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(3), identity, _time.GetUtcNow(), _random);
        await store.SaveKyberPreKeyAsync(kyber.Id, kyber, Ct);

        await store.MarkKyberPreKeyUsedAsync(kyber.Id, new SignedPreKeyId(1), IdentityKeyPair.Generate(_random).PublicKey, Ct);
        Assert.Null(await store.GetKyberPreKeyAsync(kyber.Id, Ct));
    }

    [Fact]
    public async Task LastResortKyberPrekeyStaysAndRefusesABaseKeyItHasSeen()
    {
        var identity = IdentityKeyPair.Generate(_random);
        var store = CreateStore(identity, 1);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(4), identity, _time.GetUtcNow(), _random);
        await SaveLastResortKyberPreKeyAsync(store, kyber.Id, kyber);
        var baseKey = IdentityKeyPair.Generate(_random).PublicKey;

        await store.MarkKyberPreKeyUsedAsync(kyber.Id, new SignedPreKeyId(1), baseKey, Ct);
        await store.MarkKyberPreKeyUsedAsync(kyber.Id, new SignedPreKeyId(2), baseKey, Ct);
        await store.MarkKyberPreKeyUsedAsync(kyber.Id, new SignedPreKeyId(1), IdentityKeyPair.Generate(_random).PublicKey, Ct);
        Assert.NotNull(await store.GetKyberPreKeyAsync(kyber.Id, Ct));
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await store.MarkKyberPreKeyUsedAsync(kyber.Id, new SignedPreKeyId(1), baseKey, Ct));
        Assert.Equal(ProtocolError.ReusedBaseKey, error.Code);
    }

    [Fact]
    public async Task SessionRecordsRoundTripAndALoadedRecordIsTheCallersToChange()
    {
        var (alice, aliceStore, bob, _) = await ConversationAsync();
        var record = (await aliceStore.LoadSessionAsync(bob, Ct))!;
        var serialized = record.Serialize();

        record.ArchiveCurrentState();
        Assert.Equal(serialized, (await aliceStore.LoadSessionAsync(bob, Ct))!.Serialize());
        await aliceStore.StoreSessionAsync(bob, record, Ct);
        Assert.False((await aliceStore.LoadSessionAsync(bob, Ct))!.HasCurrentSession);
        Assert.Null(await aliceStore.LoadSessionAsync(new ProtocolAddress(BobName, 2), Ct));
        Assert.Equal(alice.LocalAddress, new ProtocolAddress(AliceName, 1));
    }

    [Fact]
    public async Task AConversationRunsOnTheStoresAndSurvivesTheirRecords()
    {
        var (alice, aliceStore, bob, bobCipher) = await ConversationAsync();
        for (int i = 0; i < 5; i++)
        {
            var message = await alice.EncryptAsync(bob, new byte[] { (byte)i }, Ct);
            Assert.Equal([(byte)i], await bobCipher.DecryptAsync(alice.LocalAddress, CiphertextMessage.Deserialize(message.Type, message.Serialized.Span), Ct));
            var reply = await bobCipher.EncryptAsync(alice.LocalAddress, new byte[] { (byte)(i + 100) }, Ct);
            Assert.Equal([(byte)(i + 100)], await alice.DecryptAsync(bob, CiphertextMessage.Deserialize(reply.Type, reply.Serialized.Span), Ct));
        }

        Assert.NotNull(await aliceStore.LoadSessionAsync(bob, Ct));
    }

    private async Task<(SessionCipher Alice, IProtocolStore AliceStore, ProtocolAddress Bob, SessionCipher BobCipher)> ConversationAsync()
    {
        var aliceAddress = new ProtocolAddress(AliceName, 1);
        var bobAddress = new ProtocolAddress(BobName, 1);
        var aliceStore = CreateStore(IdentityKeyPair.Generate(_random), 1111);
        var bobIdentity = IdentityKeyPair.Generate(_random);
        var bobStore = CreateStore(bobIdentity, 2222);
        var alice = new SessionCipher(aliceStore, aliceAddress, _time, _random);
        var bob = new SessionCipher(bobStore, bobAddress, _time, _random);

        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(1), bobIdentity, _time.GetUtcNow(), _random);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(1), bobIdentity, _time.GetUtcNow(), _random);
        var preKey = PreKeyRecord.Generate(new PreKeyId(1), _random);
        await bobStore.SaveSignedPreKeyAsync(signed.Id, signed, Ct);
        await bobStore.SaveKyberPreKeyAsync(kyber.Id, kyber, Ct);
        await bobStore.SavePreKeyAsync(preKey.Id, preKey, Ct);
        await alice.ProcessPreKeyBundleAsync(bobAddress, new PreKeyBundle(2222, bobAddress.DeviceId, preKey.Id, preKey.PublicKey, signed.Id, signed.PublicKey, signed.Signature, bobIdentity.IdentityKey, kyber.Id, kyber.PublicKey, kyber.Signature), Ct);
        var first = await alice.EncryptAsync(bobAddress, "hello"u8.ToArray(), Ct);
        Assert.Equal("hello"u8.ToArray(), await bob.DecryptAsync(aliceAddress, CiphertextMessage.Deserialize(first.Type, first.Serialized.Span), Ct));
        Assert.Null(await bobStore.GetPreKeyAsync(preKey.Id, Ct));
        return (alice, aliceStore, bobAddress, bob);
    }
}
