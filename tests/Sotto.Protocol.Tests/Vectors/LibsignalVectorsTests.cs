using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Sotto.Protocol.Proto.Storage;
using Sotto.Protocol.Storage;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Vectors;

/// <summary>
/// The libsignal 0.103 conversation in <c>tests/vectors/libsignal/</c>, replayed as Bob through production code
/// (libsignal never exports Alice's base key, so Alice's side cannot be replayed; the kit's README explains).
/// </summary>
public sealed class LibsignalVectorsTests
{
    private readonly LibsignalVectors _v = LibsignalVectors.Load();

    [Fact]
    public void BobsLibsignalStorageRecordsLoadAndMatchHisBundle()
    {
        using var identity = IdentityKeyPair.Deserialize(LibsignalVectors.Bytes(_v.Bob, "identityKeyPair"));
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "identityPublic"), identity.IdentityKey.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "identityPrivate"), identity.PrivateKey.Serialize());

        var signed = SignedPreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "signedPreKeyRecord"));
        var oneTime = PreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "oneTimePreKeyRecord"));
        var kyber = KyberPreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "kyberPreKeyRecord"));

        Assert.Equal(42u, signed.Id.Value);
        Assert.Equal(LibsignalVectors.Bytes(_v.Bundle, "signedPreKeyPublic"), signed.PublicKey.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bundle, "signedPreKeySignature"), signed.Signature.ToArray());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "signedPreKeyPrivate"), signed.GetPrivateKey().Serialize());
        Assert.Equal(31337u, oneTime.Id.Value);
        Assert.Equal(LibsignalVectors.Bytes(_v.Bundle, "preKeyPublic"), oneTime.PublicKey.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "oneTimePreKeyPrivate"), oneTime.GetPrivateKey().Serialize());
        Assert.Equal(777u, kyber.Id.Value);
        Assert.Equal(LibsignalVectors.Bytes(_v.Bundle, "kyberPreKeyPublic"), kyber.PublicKey.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "kyberPreKeySecret"), kyber.GetSecretKey().Serialize());

        // Our serialization of a libsignal record is the same bytes.
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "signedPreKeyRecord"), signed.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "oneTimePreKeyRecord"), oneTime.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "kyberPreKeyRecord"), kyber.Serialize());
        Assert.Equal(LibsignalVectors.Bytes(_v.Bob, "identityKeyPair"), identity.Serialize());
    }

    [Fact]
    public void BundleSignaturesVerifyOverTheSerializedKeysIncludingTheirTypeBytes()
    {
        var identity = IdentityKey.Deserialize(LibsignalVectors.Bytes(_v.Bundle, "identityKey"));
        var signedPreKey = LibsignalVectors.Bytes(_v.Bundle, "signedPreKeyPublic");
        var kyberPreKey = LibsignalVectors.Bytes(_v.Bundle, "kyberPreKeyPublic");

        Assert.True(identity.PublicKey.VerifySignature(signedPreKey, LibsignalVectors.Bytes(_v.Bundle, "signedPreKeySignature")));
        Assert.True(identity.PublicKey.VerifySignature(kyberPreKey, LibsignalVectors.Bytes(_v.Bundle, "kyberPreKeySignature")));
        Assert.False(identity.PublicKey.VerifySignature(kyberPreKey.AsSpan(1), LibsignalVectors.Bytes(_v.Bundle, "kyberPreKeySignature")));
        Assert.False(identity.PublicKey.VerifySignature(signedPreKey.AsSpan(1), LibsignalVectors.Bytes(_v.Bundle, "signedPreKeySignature")));
    }

    [Fact]
    public void PqxdhAsTheRecipientReproducesTheDerivedRootChainAndSpqrKeys()
    {
        using var identity = IdentityKeyPair.Deserialize(LibsignalVectors.Bytes(_v.Bob, "identityKeyPair"));
        var m1 = PreKeySignalMessage.Deserialize(LibsignalVectors.Bytes(_v.Message("m1"), "wireHex"));
        using var kyber = KyberPreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "kyberPreKeyRecord")).GetSecretKey();
        var okm = new byte[96];

        Pqxdh.Accept(
            identity,
            LibsignalVectors.Bytes(_v.Bob, "signedPreKeyPrivate"),
            LibsignalVectors.Bytes(_v.Bob, "oneTimePreKeyPrivate"),
            kyber,
            m1.IdentityKey,
            m1.BaseKey,
            m1.KyberCiphertext,
            okm);

        var pqxdh = _v.Derived.GetProperty("pqxdh");
        Assert.Equal(LibsignalVectors.Text(pqxdh, "aliceBaseKey"), m1.BaseKey.ToString());
        Assert.Equal(LibsignalVectors.Text(pqxdh, "rootKey"), Hex.Encode(okm.AsSpan(0, 32)));
        Assert.Equal(LibsignalVectors.Text(pqxdh, "chainKey"), Hex.Encode(okm.AsSpan(32, 32)));
        Assert.Equal(LibsignalVectors.Text(pqxdh, "spqrAuthKey"), Hex.Encode(okm.AsSpan(64, 32)));
        Assert.Equal(pqxdh.GetProperty("kyberCiphertextLen").GetInt32(), m1.KyberCiphertext.Length);
    }

    [Fact]
    public void PreKeyMessagesCarryTheAddressesFieldAndSignalMessagesDoNot()
    {
        var expected = SignalMessage.SerializeAddresses(_v.AliceAddress, _v.BobAddress);
        Assert.Equal(LibsignalVectors.Text(_v.Derived.GetProperty("messages").GetProperty("m1"), "addressesHex"), Hex.Encode(expected));
        foreach (var id in new[] { "m1", "m2" })
        {
            var message = PreKeySignalMessage.Deserialize(LibsignalVectors.Bytes(_v.Message(id), "wireHex"));
            Assert.True(message.Message.HasAddresses);
            Assert.Equal(expected, message.Message.Addresses.ToArray());
            Assert.Equal(1111u, message.RegistrationId);
            Assert.Equal(new PreKeyId(31337), message.PreKeyId);
            Assert.Equal(new SignedPreKeyId(42), message.SignedPreKeyId);
            Assert.Equal(new KyberPreKeyId(777), message.KyberPreKeyId);
        }

        foreach (var id in new[] { "r1", "r2", "m3", "m4", "m5", "r3", "m6" })
        {
            Assert.False(SignalMessage.Deserialize(LibsignalVectors.Bytes(_v.Message(id), "wireHex")).HasAddresses);
        }
    }

    /// <summary>
    /// Bob's whole conversation: every Alice message decrypts to its recorded plaintext; Bob's replies r1 and r2 come
    /// out byte for byte as libsignal sent them (r3 differs only in its SPQR braid chunk, so its body is compared);
    /// every derived key matches; and after every step Bob's session state equals libsignal's snapshot in every
    /// field except the SPQR state.
    /// </summary>
    [Fact]
    public async Task PlayingBobReproducesTheConversationStepByStep()
    {
        var alice = _v.AliceAddress;
        var bob = _v.BobAddress;
        var store = new InMemoryProtocolStore(IdentityKeyPair.Deserialize(LibsignalVectors.Bytes(_v.Bob, "identityKeyPair")), 2222);
        var signed = SignedPreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "signedPreKeyRecord"));
        var oneTime = PreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "oneTimePreKeyRecord"));
        var kyber = KyberPreKeyRecord.Deserialize(LibsignalVectors.Bytes(_v.Bob, "kyberPreKeyRecord"));
        await store.SaveSignedPreKeyAsync(signed.Id, signed, TestContext.Current.CancellationToken);
        await store.SavePreKeyAsync(oneTime.Id, oneTime, TestContext.Current.CancellationToken);
        await store.SaveKyberPreKeyAsync(kyber.Id, kyber, TestContext.Current.CancellationToken);

        // Bob's fresh ratchet keys, in the order libsignal generated them (read from his session snapshots).
        var ratchetKeys = BobRatchetPrivateKeys();
        var random = new FixedRandom([.. ratchetKeys]);
        var cipher = new SessionCipher(store, bob, new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_764_197_105_860)), random);
        var derived = _v.Derived.GetProperty("messages");
        int bobSteps = 0;

        foreach (var step in _v.Steps)
        {
            string action = LibsignalVectors.Text(step, "action");
            var parts = action.Split(' ');
            if (parts[0] != "bob")
            {
                continue;
            }

            bobSteps++;
            string id = parts[2];
            var vector = _v.Message(id);
            var keys = derived.GetProperty(id);
            var before = (await store.LoadSessionAsync(alice, TestContext.Current.CancellationToken))?.Current;
            if (parts[1] == "decrypts")
            {
                var message = CiphertextMessage.Deserialize((CiphertextMessageType)vector.GetProperty("type").GetInt32(), LibsignalVectors.Bytes(vector, "wireHex"));
                var inner = message is PreKeySignalMessage preKey ? preKey.Message : (SignalMessage)message;
                before ??= SessionSetup.RecipientSession(
                    await store.GetIdentityKeyPairAsync(TestContext.Current.CancellationToken), signed, oneTime, kyber, (PreKeySignalMessage)message, selfSession: false, 2222);
                AssertReceiveKeys(before, inner, keys, id);

                var plaintext = await cipher.DecryptAsync(alice, message, TestContext.Current.CancellationToken);
                Assert.Equal(LibsignalVectors.Bytes(vector, "plaintextHex"), plaintext);
            }
            else
            {
                Assert.NotNull(before);
                AssertSendKeys(before, keys, id);
                var message = await cipher.EncryptAsync(alice, LibsignalVectors.Bytes(vector, "plaintextHex"), TestContext.Current.CancellationToken);
                var sent = Assert.IsType<SignalMessage>(message);
                var expected = SignalMessage.Deserialize(LibsignalVectors.Bytes(vector, "wireHex"));
                Assert.Equal(expected.Counter, sent.Counter);
                Assert.Equal(expected.SenderRatchetKey, sent.SenderRatchetKey);
                Assert.Equal(LibsignalVectors.Text(vector, "bodyHex"), Hex.Encode(sent.Body));
                if (id is "r1" or "r2")
                {
                    Assert.Equal(LibsignalVectors.Text(vector, "wireHex"), Hex.Encode(sent.Serialized.Span));
                }
            }

            var ours = (await store.LoadSessionAsync(alice, TestContext.Current.CancellationToken))!.Serialize();
            Assert.Equal(WithoutSpqrState(LibsignalVectors.Bytes(step, "bobSessionRecord")), WithoutSpqrState(ours));
        }

        Assert.Equal(9, bobSteps);
        Assert.Throws<InvalidOperationException>(() => random.Fill(new byte[1])); // every recorded ratchet key was used
        Assert.Empty(store.PreKeys.Ids); // the one-time prekey was consumed
        Assert.Empty(store.KyberPreKeys.Ids); // the Kyber prekey was saved as one-time, so it was consumed too
    }

    /// <summary>The derived chain key, SPQR key and message keys of a message Bob receives, through production code.</summary>
    private static void AssertReceiveKeys(SessionState state, SignalMessage message, JsonElement keys, string id)
    {
        var (epoch, index) = LazySpqr.ParseMessage(message.PqRatchet);
        var field = keys.GetProperty("spqrField");
        Assert.Equal(field.GetProperty("epoch").GetUInt64(), epoch);
        Assert.Equal(field.GetProperty("index").GetUInt32(), index);
        Assert.Equal(keys.GetProperty("counter").GetUInt32(), message.Counter);
        Assert.Equal(keys.GetProperty("previousCounter").GetUInt32(), message.PreviousCounter);

        var derivedChainKey = LibsignalVectors.Bytes(keys, "chainKey");
        var seed = new byte[32];
        int chainIndex = state.FindReceiverChain(message.SenderRatchetKey);
        ChainKey chainKey = chainIndex >= 0
            ? state.ReceiverChains[chainIndex].ChainKey
            : RootKey.CreateChain(state.RootKey, message.SenderRatchetKey, state.Sender!.RatchetPrivateKey).ChainKey;
        if (message.Counter < chainKey.Index)
        {
            // A skipped message: Bob stored its seed, which must be HMAC(derived chain key, 0x01).
            new ChainKey(derivedChainKey, message.Counter).MessageKeySeed(seed);
            var stored = state.ReceiverChains[chainIndex].MessageKeys.Single(k => k.Index == message.Counter);
            Assert.Equal(Hex.Encode(seed), Hex.Encode(stored.Key));
        }
        else
        {
            while (chainKey.Index < message.Counter)
            {
                chainKey = chainKey.Next();
            }

            Assert.True(Hex.Encode(chainKey.Key) == Hex.Encode(derivedChainKey), $"{id}: chain key");
            chainKey.MessageKeySeed(seed);
        }

        var spqrKey = new byte[32];
        Assert.True(state.Spqr.Clone().PrepareReceive(message.PqRatchet, spqrKey, out _));
        Assert.Equal(LibsignalVectors.Text(keys, "spqrKey"), Hex.Encode(spqrKey));
        AssertMessageKeys(seed, spqrKey, keys, id);
    }

    /// <summary>The derived SPQR key and message keys of a message Bob sends, through production code.</summary>
    private static void AssertSendKeys(SessionState state, JsonElement keys, string id)
    {
        var spqrKey = new byte[32];
        var update = state.Spqr.Clone().PrepareSend(spqrKey);
        Assert.Equal(LibsignalVectors.Text(keys, "spqrKey"), Hex.Encode(spqrKey));
        Assert.Equal(keys.GetProperty("spqrField").GetProperty("index").GetUInt32(), update.Ctr);
        Assert.Equal(keys.GetProperty("counter").GetUInt32(), state.Sender!.ChainKey.Index);
        Assert.Equal(keys.GetProperty("previousCounter").GetUInt32(), state.PreviousCounter);
        var seed = new byte[32];
        state.Sender.ChainKey.MessageKeySeed(seed);
        AssertMessageKeys(seed, spqrKey, keys, id);
    }

    private static void AssertMessageKeys(byte[] seed, byte[] spqrKey, JsonElement keys, string id)
    {
        var okm = new byte[MessageKeys.Length];
        MessageKeys.Derive(seed, spqrKey, okm);
        Assert.True(LibsignalVectors.Text(keys, "cipherKey") == Hex.Encode(MessageKeys.CipherKey(okm)), $"{id}: cipher key");
        Assert.True(LibsignalVectors.Text(keys, "macKey") == Hex.Encode(MessageKeys.MacKey(okm)), $"{id}: MAC key");
        Assert.True(LibsignalVectors.Text(keys, "iv") == Hex.Encode(MessageKeys.Iv(okm)), $"{id}: IV");
    }

    /// <summary>The sending ratchet private keys in Bob's snapshots, first appearance order, without his signed prekey.</summary>
    private List<byte[]> BobRatchetPrivateKeys()
    {
        var seen = new HashSet<string> { LibsignalVectors.Text(_v.Bob, "signedPreKeyPrivate") };
        var keys = new List<byte[]>();
        foreach (var step in _v.Steps)
        {
            if (step.GetProperty("bobSessionRecord").ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var record = RecordStructure.Parser.ParseFrom(LibsignalVectors.Bytes(step, "bobSessionRecord"));
            var privateKey = record.CurrentSession.SenderChain.SenderRatchetKeyPrivate.ToByteArray();
            if (seen.Add(Hex.Encode(privateKey)))
            {
                keys.Add(privateKey);
            }
        }

        return keys;
    }

    /// <summary>A record with the SPQR state removed from every session (libsignal and Sotto store different SPQR formats).</summary>
    private static RecordStructure WithoutSpqrState(byte[] serialized)
    {
        var record = RecordStructure.Parser.ParseFrom(serialized);
        record.CurrentSession.PqRatchetState = ByteString.Empty;
        for (int i = 0; i < record.PreviousSessions.Count; i++)
        {
            var previous = SessionStructure.Parser.ParseFrom(record.PreviousSessions[i]);
            previous.PqRatchetState = ByteString.Empty;
            record.PreviousSessions[i] = previous.ToByteString();
        }

        return record;
    }
}
