using System.Text;
using Microsoft.Data.Sqlite;
using Sotto.Client;
using Sotto.Client.Storage;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>People chat end to end through the real server, driven through the SDK (issue 3, "Proven end to end").</summary>
public sealed class ChatTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AliceAndBobChatBothWays()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");

        var sent = await alice.SendTextAsync("bob", "Hello Bob", Ct);
        Assert.Equal(1, sent.Devices);
        var atBob = Assert.Single(await bob.ReceiveAllAsync());
        var message = Assert.IsType<MessageReceived>(atBob);
        Assert.Equal(("alice", 1u, "alice", sent.Id, sent.Timestamp, "Hello Bob"), (message.From, message.FromDevice, message.Conversation, message.Id, message.Timestamp, message.Text));

        var reply = await bob.SendTextAsync("alice", "Hi Alice", Ct);
        var atAlice = Assert.IsType<MessageReceived>(Assert.Single(await alice.ReceiveAllAsync()));
        Assert.Equal(("bob", reply.Id, "Hi Alice"), (atAlice.From, atAlice.Id, atAlice.Text));

        var aliceHistory = await alice.GetHistoryAsync("bob", Ct);
        // Bob's device sent a delivery receipt for "Hello Bob" once it was stored.
        Assert.Equal(
            [("alice", true, "Hello Bob", DeliveryStatus.Delivered), ("bob", false, "Hi Alice", DeliveryStatus.Received)],
            aliceHistory.Select(h => (h.From, h.Outgoing, h.Text, h.Status)));
        var bobHistory = await bob.GetHistoryAsync("alice", Ct);
        Assert.Equal([sent.Id, reply.Id], bobHistory.Select(h => h.Id));
        Assert.Equal([false, true], bobHistory.Select(h => h.Outgoing));
    }

    [Fact]
    public async Task LinkedSecondDeviceReceivesWhatFollows()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendTextAsync("bob", "before the laptop", Ct);
        await bob.ReceiveAllAsync();

        var bobLaptop = await server.LinkAsync(bob, "bob-laptop");
        var laptop = await bobLaptop.GetAccountAsync(Ct);
        Assert.Equal(("bob", 2u), (laptop!.Username, laptop.DeviceId));
        var devices = await bob.GetDevicesAsync(Ct);
        Assert.Equal([(1u, true, (string?)null), (2u, false, "bob-laptop")], devices.Select(d => (d.DeviceId, d.IsThisDevice, d.Name)));

        var sent = await alice.SendTextAsync("bob", "to every device", Ct);
        Assert.Equal(2, sent.Devices);
        foreach (var device in new[] { bob, bobLaptop })
        {
            var received = Assert.IsType<MessageReceived>(Assert.Single(await device.ReceiveAllAsync()));
            Assert.Equal((sent.Id, "to every device"), (received.Id, received.Text));
        }

        Assert.Equal(["to every device"], (await bobLaptop.GetHistoryAsync("alice", Ct)).Select(h => h.Text));
    }

    [Fact]
    public async Task PhoneMessageAppearsInLaptopHistoryAsSyncTranscript()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alicePhone = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var aliceLaptop = await server.LinkAsync(alicePhone, "alice-laptop");

        var sent = await alicePhone.SendTextAsync("bob", "sent from the phone", Ct);
        var transcript = Assert.IsType<MessageSent>(Assert.Single(await aliceLaptop.ReceiveAllAsync()));
        Assert.Equal(("bob", 1u, sent.Id, "sent from the phone"), (transcript.To, transcript.FromDevice, transcript.Id, transcript.Text));

        var laptopHistory = Assert.Single(await aliceLaptop.GetHistoryAsync("bob", Ct));
        Assert.Equal((sent.Id, "alice", 1u, true, "sent from the phone", DeliveryStatus.Sent), (laptopHistory.Id, laptopHistory.From, laptopHistory.FromDevice, laptopHistory.Outgoing, laptopHistory.Text, laptopHistory.Status));

        // Bob answers: both of alice's devices get it, and the laptop's conversation now has both messages.
        await bob.SendTextAsync("alice", "answer", Ct);
        Assert.IsType<MessageReceived>(Assert.Single(await alicePhone.ReceiveAllAsync()));
        Assert.IsType<MessageReceived>(Assert.Single(await aliceLaptop.ReceiveAllAsync()));
        Assert.Equal(["sent from the phone", "answer"], (await aliceLaptop.GetHistoryAsync("bob", Ct)).Select(h => h.Text));
    }

    [Fact]
    public async Task OfflineRecipientReceivesAllHundredMessagesInOrder()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");

        var ids = new List<Guid>();
        for (int i = 0; i < 100; i++)
        {
            ids.Add((await alice.SendTextAsync("bob", $"message {i}", Ct)).Id);
        }

        var received = (await bob.ReceiveAllAsync()).Cast<MessageReceived>().ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"message {i}"), received.Select(m => m.Text));
        Assert.Equal(ids, received.Select(m => m.Id));
        Assert.Equal(ids, (await bob.GetHistoryAsync("alice", Ct)).Select(h => h.Id));

        // Everything was acknowledged: a second connection finds the queue empty.
        Assert.Empty(await bob.ReceiveAllAsync());
    }

    [Fact]
    public async Task ReRegisteredIdentityBlocksSendingUntilTrust()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendTextAsync("bob", "first", Ct);
        await bob.ReceiveAllAsync();
        var before = await alice.GetSafetyNumberAsync("bob", Ct);

        await bob.ReRegisterAsync(Ct);

        var refused = await Assert.ThrowsAsync<SottoClientException>(() => alice.SendTextAsync("bob", "must not arrive", Ct));
        Assert.Equal((ClientError.IdentityChanged, "bob"), (refused.Code, refused.Username));
        Assert.Empty(await bob.ReceiveAllAsync());
        await Assert.ThrowsAsync<SottoClientException>(() => alice.SendTextAsync("bob", "still refused", Ct));

        var after = await alice.GetSafetyNumberAsync("bob", Ct);
        Assert.False(after.Trusted);
        Assert.NotEqual(before.Digits, after.Digits);

        await alice.TrustAsync("bob", Ct);
        Assert.True((await alice.GetSafetyNumberAsync("bob", Ct)).Trusted);
        var sent = await alice.SendTextAsync("bob", "after trust", Ct);
        var received = Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync()));
        Assert.Equal((sent.Id, "after trust"), (received.Id, received.Text));

        // Both sides compute the same safety number for the new identity.
        Assert.Equal((await bob.GetSafetyNumberAsync("alice", Ct)).Digits, after.Digits);
    }

    [Fact]
    public async Task MessageFromChangedIdentityIsReceivedWithWarningButReplyIsBlocked()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendTextAsync("bob", "first", Ct);
        await bob.ReceiveAllAsync();

        await bob.ReRegisterAsync(Ct);
        await bob.SendTextAsync("alice", "new phone, who dis", Ct);
        var events = await alice.ReceiveAllAsync();
        Assert.Equal([typeof(IdentityChanged), typeof(MessageReceived)], events.Select(e => e.GetType()));
        Assert.Equal("bob", ((IdentityChanged)events[0]).Username);
        Assert.Equal([HistoryKind.Message, HistoryKind.IdentityChanged, HistoryKind.Message], (await alice.GetHistoryAsync("bob", Ct)).Select(h => h.Kind));

        var refused = await Assert.ThrowsAsync<SottoClientException>(() => alice.SendTextAsync("bob", "blocked", Ct));
        Assert.Equal(ClientError.IdentityChanged, refused.Code);
    }

    [Fact]
    public async Task ServerDatabaseContainsNoPlaintext()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        const string secret = "the eagle lands at midnight 7f3c9a";
        await alice.SendTextAsync("bob", secret, Ct);
        await bob.SendTextAsync("alice", secret + " reply", Ct);

        // Both messages are queued (nobody received yet): the ciphertext is in the database, the plaintext is not.
        SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(server.DataDirectory);
        Assert.Contains(files, f => f.EndsWith(".db", StringComparison.Ordinal));
        long envelopeBytes = 0;
        foreach (var file in files)
        {
            var bytes = await ReadSharedAsync(file);
            envelopeBytes += bytes.Length;
            foreach (var needle in new[] { secret, "eagle", "midnight" })
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)));
            }
        }

        Assert.True(envelopeBytes > 0);
        Assert.Equal(secret, Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync())).Text);
    }

    [Fact]
    public async Task SendingToUnknownUserFailsWithUnknownUser()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var error = await Assert.ThrowsAsync<SottoClientException>(() => alice.SendTextAsync("nobody", "hello?", Ct));
        Assert.Equal((ClientError.UnknownUser, "nobody"), (error.Code, error.Username));
        Assert.Empty(await alice.GetHistoryAsync("nobody", Ct));
    }

    [Fact]
    public async Task RegisteringTakenUsernameIsRefusedAndLeavesProfileEmpty()
    {
        await using var server = await LoopbackServer.StartAsync();
        await server.RegisterAsync("alice");
        var second = server.NewClient("alice-again");
        var error = await Assert.ThrowsAsync<SottoClientException>(() => second.RegisterAsync("alice", cancellationToken: Ct));
        Assert.Equal((ClientError.ServerRejected, 409, "username_taken"), (error.Code, error.HttpStatus, error.ServerCode));
        Assert.Null(await second.GetAccountAsync(Ct));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }
}
