using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Sessions;

public sealed class SessionCipherTests
{
    private const string AliceName = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    private const string BobName = "796abedb-ca4e-4f18-8803-1fab5a6a5d2d";

    [Fact]
    public async Task InitiatorSendsPreKeyMessagesUntilTheFirstReplyThenSignalMessages()
    {
        var random = new SeededRandom(1);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), TestContext.Current.CancellationToken);

        var m1 = await Conversation.SendAsync(alice, bob, "one");
        var m2 = await Conversation.SendAsync(alice, bob, "two");
        Assert.IsType<PreKeySignalMessage>(m1);
        Assert.IsType<PreKeySignalMessage>(m2);
        Assert.Equal("one", await Conversation.ReceiveAsync(bob, alice, m1));
        Assert.Equal("two", await Conversation.ReceiveAsync(bob, alice, m2));

        var r1 = await Conversation.SendAsync(bob, alice, "reply");
        Assert.IsType<SignalMessage>(r1);
        Assert.Equal("reply", await Conversation.ReceiveAsync(alice, bob, r1));
        Assert.IsType<SignalMessage>(await Conversation.SendAsync(alice, bob, "three"));
    }

    [Fact]
    public async Task PreKeyMessageConsumesTheOneTimePrekeysAndKeepsTheSignedPrekey()
    {
        var random = new SeededRandom(2);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        var bundle = bob.CreateBundle();
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, TestContext.Current.CancellationToken);

        await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "hi"));

        Assert.Empty(bob.Store.PreKeys.Ids);
        Assert.Empty(bob.Store.KyberPreKeys.Ids);
        Assert.Equal([bundle.SignedPreKeyId], bob.Store.SignedPreKeys.Ids);
    }

    [Fact]
    public async Task LastResortKyberPrekeyStaysAfterUseAndSessionsWithoutOneTimePrekeysWork()
    {
        var random = new SeededRandom(3);
        var alice = new Party(AliceName, random);
        var carol = new Party("5f3c3b1e-93a4-4c8e-8a3b-2f7c1d2e3f40", random);
        var bob = new Party(BobName, random);
        var bundle = bob.CreateBundle(oneTime: false, lastResortKyber: true);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, TestContext.Current.CancellationToken);
        await carol.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, TestContext.Current.CancellationToken);

        Assert.Equal("from alice", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "from alice")));
        Assert.Equal("from carol", await Conversation.ReceiveAsync(bob, carol, await Conversation.SendAsync(carol, bob, "from carol")));
        Assert.Equal([bundle.KyberPreKeyId], bob.Store.KyberPreKeys.Ids);
        Assert.Equal(2, bob.Store.KyberPreKeys.BaseKeysSeenCount);
    }

    [Fact]
    public async Task OutOfOrderMessagesAcrossRatchetStepsAllDecryptOnce()
    {
        var random = new SeededRandom(4);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await Conversation.EstablishAsync(alice, bob);

        var first = new List<CiphertextMessage>();
        for (int i = 0; i < 5; i++)
        {
            first.Add(await Conversation.SendAsync(alice, bob, $"a{i}"));
        }

        // Bob hears a4 first, replies (a ratchet step on both sides), then Alice sends more.
        Assert.Equal("a4", await Conversation.ReceiveAsync(bob, alice, first[4]));
        Assert.Equal("b0", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, "b0")));
        var second = await Conversation.SendAsync(alice, bob, "a5");
        Assert.Equal("a5", await Conversation.ReceiveAsync(bob, alice, second));
        foreach (int i in new[] { 2, 0, 3, 1 })
        {
            Assert.Equal($"a{i}", await Conversation.ReceiveAsync(bob, alice, first[i]));
        }
    }

    [Fact]
    public async Task LateMessageFromAnArchivedSessionDecryptsAndPromotesThatSession()
    {
        var random = new SeededRandom(5);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await Conversation.EstablishAsync(alice, bob);
        var late = await Conversation.SendAsync(alice, bob, "late");

        // Alice starts a new session (e.g. after reinstalling); Bob archives the old one when it arrives.
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), TestContext.Current.CancellationToken);
        Assert.Equal("new", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "new")));
        var record = await bob.Store.LoadSessionAsync(alice.Address, TestContext.Current.CancellationToken);
        Assert.Equal(1, record!.ArchivedSessionCount);

        Assert.Equal("late", await Conversation.ReceiveAsync(bob, alice, late));
        record = await bob.Store.LoadSessionAsync(alice.Address, TestContext.Current.CancellationToken);
        Assert.Equal(1, record!.ArchivedSessionCount);
        Assert.Equal("more", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, "more")));
    }

    [Fact]
    public async Task ArchivedSessionsAreCappedAtForty()
    {
        var random = new SeededRandom(6);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        for (int i = 0; i < ProtocolLimits.ArchivedStatesMaxLength + 3; i++)
        {
            await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(oneTime: false), TestContext.Current.CancellationToken);
        }

        var record = await alice.Store.LoadSessionAsync(bob.Address, TestContext.Current.CancellationToken);
        Assert.Equal(ProtocolLimits.ArchivedStatesMaxLength, record!.ArchivedSessionCount);
        Assert.True(record.HasCurrentSession);
    }

    [Fact]
    public async Task ChangedIdentityIsUntrustedUntilTheCallerSavesItThenWorks()
    {
        var random = new SeededRandom(7);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await Conversation.EstablishAsync(alice, bob);

        // Bob reinstalls: same address, new identity.
        var newBob = new Party(BobName, random);
        var bundle = newBob.CreateBundle();
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, TestContext.Current.CancellationToken));
        Assert.Equal(ProtocolError.UntrustedIdentity, error.Code);
        Assert.Equal(bob.Address, error.Address);

        Assert.Equal(Sotto.Protocol.Storage.IdentityChange.ReplacedExisting, await alice.Store.SaveIdentityAsync(bob.Address, newBob.IdentityKey, TestContext.Current.CancellationToken));
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bundle, TestContext.Current.CancellationToken);
        Assert.Equal("again", await Conversation.ReceiveAsync(newBob, alice, await Conversation.SendAsync(alice, newBob, "again")));
    }

    [Fact]
    public async Task UnacknowledgedSessionOlderThanThirtyDaysCannotEncrypt()
    {
        var random = new SeededRandom(8);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), TestContext.Current.CancellationToken);
        alice.Time.Advance(ProtocolLimits.MaxUnacknowledgedSessionAge + TimeSpan.FromSeconds(1));

        var record = await alice.Store.LoadSessionAsync(bob.Address, TestContext.Current.CancellationToken);
        Assert.False(record!.HasUsableSenderChain(alice.Time.GetUtcNow()));
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await Conversation.SendAsync(alice, bob, "too late"));
        Assert.Equal(ProtocolError.SessionNotFound, error.Code);
    }

    [Fact]
    public async Task SessionRecordSurvivesSerializationMidConversation()
    {
        var random = new SeededRandom(9);
        var alice = new Party(AliceName, random);
        var bob = new Party(BobName, random);
        await Conversation.EstablishAsync(alice, bob);
        var skipped = await Conversation.SendAsync(alice, bob, "skipped");
        Assert.Equal("next", await Conversation.ReceiveAsync(bob, alice, await Conversation.SendAsync(alice, bob, "next")));

        var record = await bob.Store.LoadSessionAsync(alice.Address, TestContext.Current.CancellationToken);
        var restored = SessionRecord.Deserialize(record!.Serialize());
        Assert.Equal(record.Serialize(), restored.Serialize());
        await bob.Store.StoreSessionAsync(alice.Address, restored, TestContext.Current.CancellationToken);

        Assert.Equal("skipped", await Conversation.ReceiveAsync(bob, alice, skipped));
        Assert.Equal("back", await Conversation.ReceiveAsync(alice, bob, await Conversation.SendAsync(bob, alice, "back")));
    }

    [Fact]
    public async Task NamesThatAreNotServiceIdsWorkWithoutTheAddressesField()
    {
        var random = new SeededRandom(10);
        var alice = new Party("alice", random);
        var bob = new Party("bob", random);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.CreateBundle(), TestContext.Current.CancellationToken);
        var message = Assert.IsType<PreKeySignalMessage>(await Conversation.SendAsync(alice, bob, "plain names"));
        Assert.False(message.Message.HasAddresses);
        Assert.Equal("plain names", await Conversation.ReceiveAsync(bob, alice, message));
    }

    [Fact]
    public async Task TwoDevicesOfOneAccountTalkWithoutAForwardJumpLimit()
    {
        var random = new SeededRandom(11);
        using var identity = IdentityKeyPair.Generate(random);
        var shared = IdentityKeyPair.Deserialize(identity.Serialize());
        var device1 = new Party(AliceName, random, identity: identity);
        var device2 = new Party(AliceName, random, deviceId: 2, identity: shared);
        await Conversation.EstablishAsync(device1, device2);

        CiphertextMessage? last = null;
        for (int i = 0; i <= ProtocolLimits.MaxForwardJumps + 1; i++)
        {
            last = await device1.Cipher.EncryptAsync(device2.Address, new byte[1], TestContext.Current.CancellationToken);
        }

        Assert.Single(await device2.Cipher.DecryptAsync(device1.Address, last!, TestContext.Current.CancellationToken));
    }
}
