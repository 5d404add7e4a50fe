using Google.Protobuf;
using Sotto.Crypto;
using Sotto.Protocol.Storage;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Negative;

/// <summary>
/// Bad peer input: each case yields a <see cref="ProtocolException"/> with a specific code and leaves every store of
/// the receiver exactly as it was (the serialized snapshot of all stores is compared).
/// </summary>
public sealed class BadInputTests
{
    private const string AliceName = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    private const string BobName = "796abedb-ca4e-4f18-8803-1fab5a6a5d2d";
    private const string CarolName = "5f3c3b1e-93a4-4c8e-8a3b-2f7c1d2e3f40";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TamperedMacThrowsInvalidMacAndChangesNothing()
    {
        var (alice, bob) = await EstablishedAsync(1);
        var bytes = (await Conversation.SendAsync(alice, bob, "payload")).Serialize();
        bytes[^1] ^= 0x01;

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, bytes, ProtocolError.InvalidMac);
    }

    [Fact]
    public async Task TamperedCiphertextThrowsInvalidMacAndChangesNothing()
    {
        var (alice, bob) = await EstablishedAsync(2);
        var message = (SignalMessage)await Conversation.SendAsync(alice, bob, "payload that spans blocks");
        var bytes = message.Serialize();
        int body = bytes.AsSpan().IndexOf(message.Body);
        bytes[body + 3] ^= 0x80;

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, bytes, ProtocolError.InvalidMac);
    }

    [Fact]
    public async Task ForgedRatchetKeyIsRejectedWithoutTakingTheRatchetStep()
    {
        var (alice, bob) = await EstablishedAsync(3);
        var message = (SignalMessage)await Conversation.SendAsync(alice, bob, "payload");
        var forged = ReEncode(message, proto => proto.RatchetKey = ByteString.CopyFrom(ECKeyPair.Generate(new SeededRandom(99)).PublicKey.Serialized));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, forged, ProtocolError.InvalidMac);
        Assert.Equal("payload", await Conversation.ReceiveAsync(bob, alice, message));
    }

    [Fact]
    public async Task ReplayedMessageThrowsDuplicatedMessageAndChangesNothing()
    {
        var (alice, bob) = await EstablishedAsync(4);
        var message = await Conversation.SendAsync(alice, bob, "once");
        Assert.Equal("once", await Conversation.ReceiveAsync(bob, alice, message));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, message.Serialize(), ProtocolError.DuplicatedMessage);
    }

    [Fact]
    public async Task ReplayedSkippedMessageAndReplayedPreKeyMessageThrowDuplicatedMessage()
    {
        var random = new SeededRandom(5);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = await Conversation.SendAsync(alice, bob, "first");
        var skipped = await Conversation.SendAsync(alice, bob, "second");
        var third = await Conversation.SendAsync(alice, bob, "third");
        Assert.Equal("first", await Conversation.ReceiveAsync(bob, alice, preKey));
        Assert.Equal("third", await Conversation.ReceiveAsync(bob, alice, third));
        Assert.Equal("second", await Conversation.ReceiveAsync(bob, alice, skipped));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, skipped.Serialize(), ProtocolError.DuplicatedMessage);
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, preKey.Serialize(), ProtocolError.DuplicatedMessage);
    }

    [Fact]
    public async Task PreKeyMessageForAnotherIdentityFailsItsMacAndConsumesNoPrekeys()
    {
        var random = new SeededRandom(6);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        var bundle = bob.CreateBundle();
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, Ct);
        var message = await Conversation.SendAsync(alice, bob, "for bob");

        // Another device with the same prekeys but a different identity key.
        var impostor = new Party(BobName, random);
        await impostor.Store.SaveSignedPreKeyAsync(bundle.SignedPreKeyId, (await bob.Store.GetSignedPreKeyAsync(bundle.SignedPreKeyId, Ct))!, Ct);
        await impostor.Store.SavePreKeyAsync(bundle.PreKeyId!.Value, (await bob.Store.GetPreKeyAsync(bundle.PreKeyId.Value, Ct))!, Ct);
        await impostor.Store.SaveKyberPreKeyAsync(bundle.KyberPreKeyId, (await bob.Store.GetKyberPreKeyAsync(bundle.KyberPreKeyId, Ct))!, Ct);

        await AssertRejectedAsync(impostor, alice, CiphertextMessageType.PreKey, message.Serialize(), ProtocolError.InvalidMac);
        Assert.Equal("for bob", await Conversation.ReceiveAsync(bob, alice, message));
    }

    /// <summary>libsignal <c>prekey_message_failed_decryption_does_not_update_stores</c>.</summary>
    [Fact]
    public async Task PreKeyMessageWithABadInnerMessageUpdatesNoStore()
    {
        var random = new SeededRandom(7);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var message = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "hello");
        var inner = message.Message.Serialize();
        inner[^2] ^= 0x10;
        var bad = ReEncode(message, proto => proto.Message = ByteString.CopyFrom(inner));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, bad, ProtocolError.InvalidMac);
        Assert.Empty(bob.Store.Identities.KnownIdentities);
        Assert.Equal("hello", await Conversation.ReceiveAsync(bob, alice, message));
    }

    [Fact]
    public async Task SenderWhoseIdentityChangedIsUntrustedAndNothingChanges()
    {
        var (alice, bob) = await EstablishedAsync(8);
        var signal = await Conversation.SendAsync(alice, bob, "still me?");
        await bob.Store.SaveIdentityAsync(alice.Address, IdentityKeyPair.Generate(new SeededRandom(80)).IdentityKey, Ct);

        var error = await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, signal.Serialize(), ProtocolError.UntrustedIdentity);
        Assert.Equal(alice.Address, error.Address);
        var preKey = await NewSessionMessageAsync(alice, bob, "new session");
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, preKey.Serialize(), ProtocolError.UntrustedIdentity);
    }

    [Fact]
    public async Task EveryTruncationOfValidMessagesFailsWithAProtocolExceptionAndChangesNothing()
    {
        var random = new SeededRandom(9);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "prekey");
        var before = bob.Snapshot();
        await AssertAllPrefixesFailAsync(bob, alice, CiphertextMessageType.PreKey, preKey.Serialize());
        Assert.Equal(before, bob.Snapshot());

        Assert.Equal("prekey", await Conversation.ReceiveAsync(bob, alice, preKey));
        Assert.Equal("r", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, "r")));
        var signal = await Conversation.SendAsync(alice, bob, "signal message");
        before = bob.Snapshot();
        await AssertAllPrefixesFailAsync(bob, alice, CiphertextMessageType.Whisper, signal.Serialize());
        Assert.Equal(before, bob.Snapshot());
    }

    [Fact]
    public async Task OversizedInputsAreRefusedBeforeParsing()
    {
        var (alice, bob) = await EstablishedAsync(10);
        var huge = new byte[ProtocolLimits.MaxMessageLength + 1];
        huge[0] = 0x44;

        Assert.Equal(ProtocolError.MessageTooLarge, Assert.Throws<ProtocolException>(() => SignalMessage.Deserialize(huge)).Code);
        Assert.Equal(ProtocolError.MessageTooLarge, Assert.Throws<ProtocolException>(() => PreKeySignalMessage.Deserialize(huge)).Code);
        Assert.Equal(ProtocolError.MessageTooLarge, Assert.Throws<ProtocolException>(() => SessionRecord.Deserialize(new byte[ProtocolLimits.MaxSessionRecordLength + 1])).Code);

        var before = alice.Snapshot();
        await Assert.ThrowsAsync<ArgumentException>(async () => await alice.Cipher.EncryptAsync(bob.Address, new byte[ProtocolLimits.MaxPlaintextLength + 1], Ct));
        Assert.Equal(before, alice.Snapshot());
        var largest = await alice.Cipher.EncryptAsync(bob.Address, new byte[ProtocolLimits.MaxPlaintextLength], Ct);
        Assert.Equal(ProtocolLimits.MaxPlaintextLength, (await bob.Cipher.DecryptAsync(alice.Address, CiphertextMessage.Deserialize(largest.Type, largest.Serialized.Span), Ct)).Length);
    }

    [Theory]
    [InlineData("one-time", ProtocolError.InvalidPreKeyId)]
    [InlineData("signed", ProtocolError.InvalidSignedPreKeyId)]
    [InlineData("kyber", ProtocolError.InvalidKyberPreKeyId)]
    public async Task PreKeyMessageNamingAnUnknownPrekeyFailsAndChangesNothing(string missing, ProtocolError expected)
    {
        var random = new SeededRandom(11);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        var bundle = bob.CreateBundle();
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, Ct);
        var message = await Conversation.SendAsync(alice, bob, "hi");

        // Bob lost the key (a reinstall, or a key rotated out): a fresh store holding only the others.
        var bobAgain = new Party(BobName, random, identity: IdentityKeyPair.Deserialize((await bob.Store.GetIdentityKeyPairAsync(Ct)).Serialize()));
        if (missing != "one-time")
        {
            await bobAgain.Store.SavePreKeyAsync(bundle.PreKeyId!.Value, (await bob.Store.GetPreKeyAsync(bundle.PreKeyId.Value, Ct))!, Ct);
        }

        if (missing != "signed")
        {
            await bobAgain.Store.SaveSignedPreKeyAsync(bundle.SignedPreKeyId, (await bob.Store.GetSignedPreKeyAsync(bundle.SignedPreKeyId, Ct))!, Ct);
        }

        if (missing != "kyber")
        {
            await bobAgain.Store.SaveKyberPreKeyAsync(bundle.KyberPreKeyId, (await bob.Store.GetKyberPreKeyAsync(bundle.KyberPreKeyId, Ct))!, Ct);
        }

        await AssertRejectedAsync(bobAgain, alice, CiphertextMessageType.PreKey, message.Serialize(), expected);
    }

    /// <summary>
    /// Two limits apply, as in libsignal: the Double Ratchet counter may be at most MaxForwardJumps past the chain's
    /// next index, and the SPQR index at most MaxForwardJumps past the last one received; with both chains in step,
    /// the SPQR rule is the tighter one by one message.
    /// </summary>
    [Fact]
    public async Task CounterBeyondTheForwardLimitThrowsMessageTooFarInFutureAndTheLimitItselfDecrypts()
    {
        var (alice, bob) = await EstablishedAsync(12);
        Assert.Equal("a", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "a")));

        // MaxForwardJumps − 1 messages lost: the next one is at the limit.
        await AdvanceSendingChainAsync(alice, bob, ProtocolLimits.MaxForwardJumps - 1);
        Assert.Equal("at the limit", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "at the limit")));

        // MaxForwardJumps lost: the SPQR index is one too far.
        await AdvanceSendingChainAsync(alice, bob, ProtocolLimits.MaxForwardJumps);
        var beyond = await Conversation.SendAsync(alice, bob, "beyond");
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, beyond.Serialize(), ProtocolError.MessageTooFarInFuture);

        // One more: now the Double Ratchet counter is too far as well, and its check comes first.
        var further = await Conversation.SendAsync(alice, bob, "further");
        var bobState = (await bob.Store.LoadSessionAsync(alice.Address, Ct))!.Current!;
        var chain = bobState.ReceiverChains[bobState.FindReceiverChain(((SignalMessage)further).SenderRatchetKey)];
        Assert.Equal((uint)ProtocolLimits.MaxForwardJumps + 1, ((SignalMessage)further).Counter - chain.ChainKey.Index);
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, further.Serialize(), ProtocolError.MessageTooFarInFuture);
    }

    [Fact]
    public async Task SkippedKeysBeyondTheStoredLimitAreForgotten()
    {
        var (alice, bob) = await EstablishedAsync(13);
        var oldest = await Conversation.SendAsync(alice, bob, "oldest");
        var kept = await Conversation.SendAsync(alice, bob, "kept");
        await AdvanceSendingChainAsync(alice, bob, ProtocolLimits.MaxMessageKeys - 1);
        Assert.Equal("last", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "last")));

        Assert.Equal("kept", await Conversation.ReceiveAsync(bob, alice, kept));
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, oldest.Serialize(), ProtocolError.DuplicatedMessage);
    }

    /// <summary>
    /// A session keeps the receiving chains of the peer's last five ratchet keys: a late message from the fifth newest
    /// chain decrypts, one from the sixth cannot (its chain is gone, so it meets a fresh ratchet step and fails its MAC).
    /// </summary>
    [Fact]
    public async Task LateMessagesDecryptFromTheLastFiveReceivingChainsOnly()
    {
        var (alice, bob) = await EstablishedAsync(25);
        var late = new List<CiphertextMessage>();
        for (int i = 0; i < ProtocolLimits.MaxReceiverChains + 1; i++)
        {
            // Each round trip gives Alice a new ratchet key, so each late message sits on its own chain.
            late.Add(await Conversation.SendAsync(alice, bob, $"late {i}"));
            Assert.Equal($"now {i}", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, $"now {i}")));
            Assert.Equal($"reply {i}", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, $"reply {i}")));
        }

        var state = (await bob.Store.LoadSessionAsync(alice.Address, Ct))!.Current!;
        Assert.Equal(ProtocolLimits.MaxReceiverChains, state.ReceiverChains.Count);
        Assert.Equal(-1, state.FindReceiverChain(((SignalMessage)late[0]).SenderRatchetKey));
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, late[0].Serialize(), ProtocolError.InvalidMac);
        Assert.Equal("late 1", await Conversation.ReceiveAsync(bob, alice, late[1]));
    }

    [Theory]
    [InlineData(0x33, ProtocolError.LegacyVersion)]
    [InlineData(0x22, ProtocolError.LegacyVersion)]
    [InlineData(0x54, ProtocolError.UnrecognizedVersion)]
    public async Task MessagesOfOtherVersionsAreRejected(byte versionByte, ProtocolError expected)
    {
        var random = new SeededRandom(14);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "hi");

        var outer = preKey.Serialize();
        outer[0] = versionByte;
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, outer, expected);
        var inner = preKey.Message.Serialize();
        inner[0] = versionByte;
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, inner, expected);
    }

    [Fact]
    public async Task X3dhPreKeyMessageWithoutKyberIsRejected()
    {
        var random = new SeededRandom(15);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "hi");

        var x3dh = ReEncode(preKey, proto =>
        {
            proto.ClearKyberPreKeyId();
            proto.ClearKyberCiphertext();
        });
        x3dh[0] = 0x33;
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, x3dh, ProtocolError.LegacyVersion);

        x3dh[0] = 0x44;
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, x3dh, ProtocolError.MissingKyberPreKey);
    }

    [Fact]
    public async Task MessageWithoutTheSpqrFieldIsRejectedEvenWithAValidMac()
    {
        var (alice, bob) = await EstablishedAsync(16);

        // What a pre-SPQR sender would send: message keys without the SPQR salt, no pq_ratchet field, a correct MAC.
        var record = (await alice.Store.LoadSessionAsync(bob.Address, Ct))!;
        var state = record.Current!;
        var seed = new byte[32];
        state.Sender!.ChainKey.MessageKeySeed(seed);
        var keys = new byte[MessageKeys.Length];
        MessageKeys.Derive(seed, default, keys);
        var ciphertext = AesCbc.Encrypt(MessageKeys.CipherKey(keys), MessageKeys.Iv(keys), "no spqr"u8);
        var message = SignalMessage.Create(4, MessageKeys.MacKey(keys), null, state.Sender.RatchetKey, state.Sender.ChainKey.Index, state.PreviousCounter, ciphertext, state.LocalIdentity, state.RemoteIdentity, []);

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, message.Serialize(), ProtocolError.MissingPqRatchet);
    }

    [Theory]
    [InlineData("02010100")] // SPQR version 2
    [InlineData("01000100")] // epoch 0
    [InlineData("01020100")] // epoch 2: needs the braid
    [InlineData("010101")] // no message type
    [InlineData("01010107")] // unknown message type
    [InlineData("0101010105")] // a header chunk cut short
    [InlineData("01ffffffffffffffffffff01")] // an overlong varint
    public async Task MalformedSpqrFieldIsRejected(string pqRatchet)
    {
        var (alice, bob) = await EstablishedAsync(17);
        var message = (SignalMessage)await Conversation.SendAsync(alice, bob, "payload");
        var bad = ReEncode(message, proto => proto.PqRatchet = ByteString.CopyFrom(Hex.Decode(pqRatchet)));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, bad, ProtocolError.InvalidPqRatchet);
    }

    [Theory]
    [InlineData("050000000000000000000000000000000000000000000000000000000000000000")] // u = 0: small order
    [InlineData("05ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p − 1: no Edwards image
    [InlineData("05edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // u = p: not canonical
    public async Task NonCanonicalBaseKeyIsRejectedBeforeAnyAgreement(string baseKey)
    {
        var random = new SeededRandom(18);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "hi");
        var bad = ReEncode(preKey, proto => proto.BaseKey = ByteString.CopyFrom(Hex.Decode(baseKey)));

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, bad, ProtocolError.InvalidBaseKey);
    }

    [Fact]
    public async Task TorsionedBaseKeyIsRejected()
    {
        var random = new SeededRandom(19);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (PreKeySignalMessage)await Conversation.SendAsync(alice, bob, "hi");

        // An honest key with a small-order component added.
        var torsioned = Torsioned(preKey.BaseKey);
        var bad = ReEncode(preKey, proto => proto.BaseKey = ByteString.CopyFrom(torsioned));
        await AssertRejectedAsync(bob, alice, CiphertextMessageType.PreKey, bad, ProtocolError.InvalidBaseKey);
    }

    [Fact]
    public async Task PreKeyMessageWithAnotherSendersAddressesFieldIsRejected()
    {
        var random = new SeededRandom(20);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        var carol = new Party(CarolName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var message = await Conversation.SendAsync(alice, bob, "from alice");

        // The transport claims the message came from Carol: the authenticated addresses say Alice.
        await AssertRejectedAsync(bob, carol, CiphertextMessageType.PreKey, message.Serialize(), ProtocolError.AddressMismatch);
    }

    [Fact]
    public async Task BundleWithABadSignatureIsRejectedAndChangesNothing()
    {
        var random = new SeededRandom(21);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        var good = bob.CreateBundle();
        var badSignature = good.SignedPreKeySignature.ToArray();
        badSignature[5] ^= 1;
        var badKyberSignature = good.KyberPreKeySignature.ToArray();
        badKyberSignature[5] ^= 1;

        var before = alice.Snapshot();
        foreach (var bundle in new[]
        {
            new PreKeyBundle(good.RegistrationId, good.DeviceId, good.PreKeyId, good.PreKeyPublic, good.SignedPreKeyId, good.SignedPreKeyPublic, badSignature, good.IdentityKey, good.KyberPreKeyId, good.KyberPreKeyPublic, good.KyberPreKeySignature.Span),
            new PreKeyBundle(good.RegistrationId, good.DeviceId, good.PreKeyId, good.PreKeyPublic, good.SignedPreKeyId, good.SignedPreKeyPublic, good.SignedPreKeySignature.Span, good.IdentityKey, good.KyberPreKeyId, good.KyberPreKeyPublic, badKyberSignature),
        })
        {
            var error = await Assert.ThrowsAsync<ProtocolException>(async () => await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, Ct));
            Assert.Equal(ProtocolError.InvalidSignature, error.Code);
        }

        Assert.Equal(before, alice.Snapshot());
    }

    [Fact]
    public async Task ReplayedPreKeyMessageOnALastResortKeyAfterItsSessionIsGoneThrowsReusedBaseKey()
    {
        var random = new SeededRandom(22);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(oneTime: false, lastResortKyber: true), Ct);
        var message = await Conversation.SendAsync(alice, bob, "once");
        Assert.Equal("once", await Conversation.ReceiveAsync(bob, alice, message));

        // Bob's session store lost the session; the prekeys remain.
        var cipher = new SessionCipher(new InMemorySessionStore(), bob.Store, bob.Store, bob.Store, bob.Store, bob.Address, bob.Time, random);
        var before = bob.Snapshot();
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await cipher.DecryptAsync(alice.Address, CiphertextMessage.Deserialize(message.Type, message.Serialized.Span), Ct));
        Assert.Equal(ProtocolError.ReusedBaseKey, error.Code);
        Assert.Equal(before, bob.Snapshot());
    }

    [Fact]
    public async Task RandomCorruptionsOfValidMessagesNeverDecryptAndNeverChangeState()
    {
        var random = new SeededRandom(23);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), Ct);
        var preKey = (await Conversation.SendAsync(alice, bob, "prekey")).Serialize();
        var before = bob.Snapshot();
        await AssertCorruptionsFailAsync(bob, alice, CiphertextMessageType.PreKey, preKey, random, 150);
        Assert.Equal(before, bob.Snapshot());

        Assert.Equal("prekey", await Conversation.ReceiveAsync(bob, alice, CiphertextMessage.Deserialize(CiphertextMessageType.PreKey, preKey)));
        Assert.Equal("r", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, "r")));
        var signal = (await Conversation.SendAsync(alice, bob, "signal")).Serialize();
        before = bob.Snapshot();
        await AssertCorruptionsFailAsync(bob, alice, CiphertextMessageType.Whisper, signal, random, 500);
        Assert.Equal(before, bob.Snapshot());
    }

    [Fact]
    public async Task MessageMatchingNoArchivedSessionWithoutACurrentOneThrowsDecryptionFailed()
    {
        var (alice, bob) = await EstablishedAsync(24);
        var bytes = (await Conversation.SendAsync(alice, bob, "payload")).Serialize();
        bytes[^1] ^= 0x01;
        var record = (await bob.Store.LoadSessionAsync(alice.Address, Ct))!;
        record.ArchiveCurrentState();
        await bob.Store.StoreSessionAsync(alice.Address, record, Ct);

        await AssertRejectedAsync(bob, alice, CiphertextMessageType.Whisper, bytes, ProtocolError.DecryptionFailed);
        bytes[^1] ^= 0x01;
        Assert.Equal("payload", await Conversation.ReceiveAsync(bob, alice, CiphertextMessage.Deserialize(CiphertextMessageType.Whisper, bytes)));
    }

    [Fact]
    public void CorruptStoredRecordsThrowInvalidSessionState()
    {
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => SessionRecord.Deserialize([0x0A, 0x05, 0x01])).Code);
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => SessionRecord.Deserialize([0x0A, 0x02, 0x08, 0x03])).Code);
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => PreKeyRecord.Deserialize([0x12, 0x01, 0x05])).Code);
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => SignedPreKeyRecord.Deserialize([0xFF])).Code);
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => KyberPreKeyRecord.Deserialize([0x12, 0x01, 0x08])).Code);
        Assert.Equal(ProtocolError.InvalidSessionState, Assert.Throws<ProtocolException>(() => IdentityKeyPair.Deserialize([0x12, 0x01, 0x00])).Code);
    }

    private static async Task<(Party Alice, Party Bob)> EstablishedAsync(ulong seed)
    {
        var random = new SeededRandom(seed);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await Conversation.EstablishAsync(alice, bob);
        return (alice, bob);
    }

    /// <summary>Decrypting <paramref name="bytes"/> fails with <paramref name="expected"/> and changes no store of <paramref name="receiver"/>.</summary>
    private static async Task<ProtocolException> AssertRejectedAsync(Party receiver, Party sender, CiphertextMessageType type, byte[] bytes, ProtocolError expected)
    {
        var before = receiver.Snapshot();
        var error = await Assert.ThrowsAsync<ProtocolException>(async () =>
            await receiver.Cipher.DecryptAsync(sender.Address, CiphertextMessage.Deserialize(type, bytes), Ct));
        Assert.Equal(expected, error.Code);
        Assert.Equal(before, receiver.Snapshot());
        return error;
    }

    private static async Task AssertAllPrefixesFailAsync(Party receiver, Party sender, CiphertextMessageType type, byte[] bytes)
    {
        for (int length = 0; length < bytes.Length; length++)
        {
            await Assert.ThrowsAsync<ProtocolException>(async () =>
                await receiver.Cipher.DecryptAsync(sender.Address, CiphertextMessage.Deserialize(type, bytes.AsSpan(0, length)), Ct));
        }
    }

    private static async Task AssertCorruptionsFailAsync(Party receiver, Party sender, CiphertextMessageType type, byte[] valid, SeededRandom random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var bytes = (byte[])valid.Clone();
            int flips = 1 + random.Next(3);
            for (int f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            await Assert.ThrowsAsync<ProtocolException>(async () =>
                await receiver.Cipher.DecryptAsync(sender.Address, CiphertextMessage.Deserialize(type, bytes), Ct));
        }
    }

    /// <summary>As if <paramref name="count"/> messages had been sent and lost: steps the sender's chain (and SPQR chain).</summary>
    private static async Task AdvanceSendingChainAsync(Party sender, Party receiver, int count)
    {
        var record = (await sender.Store.LoadSessionAsync(receiver.Address, Ct))!;
        var state = record.Current!;
        var chainKey = state.Sender!.ChainKey;
        var key = new byte[32];
        for (int i = 0; i < count; i++)
        {
            chainKey = chainKey.Next();
            state.Spqr.Apply(state.Spqr.PrepareSend(key));
        }

        state.Sender = state.Sender with { ChainKey = chainKey };
        await sender.Store.StoreSessionAsync(receiver.Address, record, Ct);
    }

    /// <summary>A PreKey message of a brand-new session from <paramref name="sender"/> (a second bundle of the receiver).</summary>
    private static async Task<CiphertextMessage> NewSessionMessageAsync(Party sender, Party receiver, string text)
    {
        await sender.Cipher.ProcessPreKeyBundleAsync(receiver.Address, receiver.CreateBundle(), Ct);
        return await Conversation.SendAsync(sender, receiver, text);
    }

    private static byte[] ReEncode(SignalMessage message, Action<Proto.Wire.SignalMessage> change)
    {
        var bytes = message.Serialize();
        var proto = Proto.Wire.SignalMessage.Parser.ParseFrom(bytes.AsSpan(1, bytes.Length - 1 - SignalMessage.MacLength));
        change(proto);
        return [bytes[0], .. proto.ToByteArray(), .. bytes.AsSpan(bytes.Length - SignalMessage.MacLength)];
    }

    private static byte[] ReEncode(PreKeySignalMessage message, Action<Proto.Wire.PreKeySignalMessage> change)
    {
        var bytes = message.Serialize();
        var proto = Proto.Wire.PreKeySignalMessage.Parser.ParseFrom(bytes.AsSpan(1));
        change(proto);
        return [bytes[0], .. proto.ToByteArray()];
    }

    /// <summary>
    /// An honest key plus the point of order 2 at u = 0: on a Montgomery curve u(P + (0, 0)) = 1/u(P). The result is
    /// on the curve and of order 2L, so it is not torsion-free.
    /// </summary>
    private static byte[] Torsioned(ECPublicKey honest)
    {
        var p = (System.Numerics.BigInteger.One << 255) - 19;
        var u = new System.Numerics.BigInteger(honest.PublicKeyBytes, isUnsigned: true, isBigEndian: false);
        var inverse = System.Numerics.BigInteger.ModPow(u, p - 2, p);
        var bytes = new byte[33];
        bytes[0] = 0x05;
        inverse.TryWriteBytes(bytes.AsSpan(1), out _, isUnsigned: true, isBigEndian: false);
        return bytes;
    }
}
