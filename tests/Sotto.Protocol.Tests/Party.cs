using Microsoft.Extensions.Time.Testing;
using Sotto.Crypto;
using Sotto.Protocol.Storage;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests;

/// <summary>One device in a test: its stores, its cipher, and a way to publish prekey bundles.</summary>
internal sealed class Party
{
    private uint _nextId = 1;

    public Party(string name, IRandom random, FakeTimeProvider? time = null, uint deviceId = 1, IdentityKeyPair? identity = null)
    {
        Random = random;
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        Address = new ProtocolAddress(name, deviceId);
        Store = new InMemoryProtocolStore(identity ?? IdentityKeyPair.Generate(random), (uint)(1 + (name.GetHashCode(StringComparison.Ordinal) & 0x3FFF)));
        Cipher = new SessionCipher(Store, Address, Time, random);
    }

    public IRandom Random { get; }

    public FakeTimeProvider Time { get; }

    public ProtocolAddress Address { get; }

    public InMemoryProtocolStore Store { get; }

    public SessionCipher Cipher { get; }

    public IdentityKey IdentityKey => Store.Identities.GetIdentityKeyPairAsync().AsTask().Result.IdentityKey;

    /// <summary>A bundle with fresh prekeys saved in the store (a one-time EC prekey unless <paramref name="oneTime"/> is false).</summary>
    public PreKeyBundle CreateBundle(bool oneTime = true, bool lastResortKyber = false)
    {
        var identity = Store.Identities.GetIdentityKeyPairAsync().AsTask().Result;
        uint id = _nextId++;
        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(id), identity, Time.GetUtcNow(), Random);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(id), identity, Time.GetUtcNow(), Random);
        Store.SignedPreKeys.SaveSignedPreKeyAsync(signed.Id, signed).AsTask().Wait();
        if (lastResortKyber)
        {
            Store.KyberPreKeys.SaveLastResortKyberPreKey(kyber.Id, kyber);
        }
        else
        {
            Store.KyberPreKeys.SaveKyberPreKeyAsync(kyber.Id, kyber).AsTask().Wait();
        }

        PreKeyRecord? preKey = null;
        if (oneTime)
        {
            preKey = PreKeyRecord.Generate(new PreKeyId(id), Random);
            Store.PreKeys.SavePreKeyAsync(preKey.Id, preKey).AsTask().Wait();
        }

        return new PreKeyBundle(
            Store.Identities.GetLocalRegistrationIdAsync().AsTask().Result,
            Address.DeviceId,
            preKey?.Id,
            preKey?.PublicKey,
            signed.Id,
            signed.PublicKey,
            signed.Signature,
            identity.IdentityKey,
            kyber.Id,
            kyber.PublicKey,
            kyber.Signature);
    }

    /// <summary>Everything in every store, serialized: equal snapshots mean nothing changed.</summary>
    public string Snapshot()
    {
        var parts = new List<string>();
        foreach (var address in Store.Sessions.Addresses.OrderBy(a => a.ToString(), StringComparer.Ordinal))
        {
            var record = Store.Sessions.LoadSessionAsync(address).AsTask().Result!;
            parts.Add($"session {address}: {Hex.Encode(record.Serialize())}");
        }

        foreach (var (address, key) in Store.Identities.KnownIdentities.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            parts.Add($"identity {address}: {key}");
        }

        parts.Add("prekeys " + string.Join(",", Store.PreKeys.Ids.OrderBy(i => i.Value)));
        parts.Add("signed " + string.Join(",", Store.SignedPreKeys.Ids.OrderBy(i => i.Value)));
        parts.Add("kyber " + string.Join(",", Store.KyberPreKeys.Ids.OrderBy(i => i.Value)));
        parts.Add("kyber base keys seen " + Store.KyberPreKeys.BaseKeysSeenCount);
        return string.Join("\n", parts);
    }
}

/// <summary>Helpers for driving two parties.</summary>
internal static class Conversation
{
    public static async Task<CiphertextMessage> SendAsync(Party from, Party to, string text) =>
        await from.Cipher.EncryptAsync(to.Address, System.Text.Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);

    public static async Task<string> ReceiveAsync(Party to, Party from, CiphertextMessage message)
    {
        // Round-trip through bytes, as a transport would.
        var parsed = CiphertextMessage.Deserialize(message.Type, message.Serialized.Span);
        return System.Text.Encoding.UTF8.GetString(await to.Cipher.DecryptAsync(from.Address, parsed, TestContext.Current.CancellationToken));
    }

    /// <summary>Alice processes Bob's bundle and they exchange one message each way.</summary>
    public static async Task EstablishAsync(Party alice, Party bob)
    {
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), TestContext.Current.CancellationToken);
        Assert.Equal("hello", await ReceiveAsync(bob, alice, await SendAsync(alice, bob, "hello")));
        Assert.Equal("hi", await ReceiveAsync(alice, bob, await SendAsync(bob, alice, "hi")));
    }
}
