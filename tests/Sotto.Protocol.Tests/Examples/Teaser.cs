using Microsoft.Extensions.Time.Testing;
using Sotto.Crypto;
using Sotto.Protocol.Storage;

// The snippet is the documentation's, which does not pass a test's cancellation token.
#pragma warning disable xUnit1051

namespace Sotto.Protocol.Tests.Examples;

/// <summary>The example of docs/protocol.md, compiled and run (NSec <c>tests/Examples/Teaser.cs</c>).</summary>
public sealed class Teaser
{
    [Fact]
    public async Task AliceAndBobExchangeMessages()
    {
        IRandom random = SystemRandom.Instance;
        TimeProvider clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));

        #region docs/protocol.md
        // Each device: an identity, a registration id, stores, and a SessionCipher bound to its own address.
        var aliceAddress = new ProtocolAddress("9d0652a3-dcc3-4d11-975f-74d61598733f", 1);
        var bobAddress = new ProtocolAddress("796abedb-ca4e-4f18-8803-1fab5a6a5d2d", 1);
        var aliceStore = new InMemoryProtocolStore(IdentityKeyPair.Generate(random), registrationId: 1111);
        var bobStore = new InMemoryProtocolStore(IdentityKeyPair.Generate(random), registrationId: 2222);
        var alice = new SessionCipher(aliceStore, aliceAddress, clock, random);
        var bob = new SessionCipher(bobStore, bobAddress, clock, random);

        // Bob publishes prekeys (the server hands the public halves out as a bundle).
        var bobIdentity = await bobStore.GetIdentityKeyPairAsync();
        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(1), bobIdentity, clock.GetUtcNow(), random);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(1), bobIdentity, clock.GetUtcNow(), random);
        var oneTime = PreKeyRecord.Generate(new PreKeyId(1), random);
        await bobStore.SaveSignedPreKeyAsync(signed.Id, signed);
        await bobStore.SaveKyberPreKeyAsync(kyber.Id, kyber);
        await bobStore.SavePreKeyAsync(oneTime.Id, oneTime);
        var bundle = new PreKeyBundle(
            registrationId: 2222, bobAddress.DeviceId,
            oneTime.Id, oneTime.PublicKey,
            signed.Id, signed.PublicKey, signed.Signature,
            bobIdentity.IdentityKey,
            kyber.Id, kyber.PublicKey, kyber.Signature);

        // Alice starts a session and sends; the transport carries (type, bytes).
        await alice.ProcessPreKeyBundleAsync(bobAddress, bundle);
        CiphertextMessage outgoing = await alice.EncryptAsync(bobAddress, "Hello, Bob"u8.ToArray());
        (CiphertextMessageType type, byte[] bytes) = (outgoing.Type, outgoing.Serialize());

        // Bob parses and decrypts. Bad input throws ProtocolException (with a Code) and changes nothing.
        byte[] plaintext = await bob.DecryptAsync(aliceAddress, CiphertextMessage.Deserialize(type, bytes));

        // Both can compare safety numbers.
        var safetyNumber = Fingerprint.ForServiceIds(
            ServiceId.Parse(bobAddress.Name), bobIdentity.IdentityKey,
            ServiceId.Parse(aliceAddress.Name), (await bobStore.GetIdentityAsync(aliceAddress))!);
        #endregion

        Assert.Equal("Hello, Bob"u8.ToArray(), plaintext);
        Assert.Equal(CiphertextMessageType.PreKey, type);
        Assert.Equal(60, safetyNumber.DisplayString.Length);
    }
}
