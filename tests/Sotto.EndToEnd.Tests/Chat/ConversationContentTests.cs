using Microsoft.Extensions.Time.Testing;
using Sotto.Client;
using Sotto.Client.Storage;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>Replies, reactions, edits, delete for everyone, receipts and typing through the real server (issue 4).</summary>
public sealed class ConversationContentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplyReactionEditAndDeleteReachEveryHistory()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var aliceLaptop = await server.LinkAsync(alice, "alice-laptop");

        var question = await alice.SendTextAsync("bob", "lunch?", Ct);
        await bob.ReceiveAllAsync();
        var answer = await bob.SendReplyAsync("alice", question.Id, "yes, 12:30", Ct);
        var received = Assert.IsType<MessageReceived>(Assert.Single(await alice.ReceiveAllAsync()));
        Assert.Equal(answer.Id, received.Id);

        await alice.ReactAsync("bob", answer.Id, "👍", cancellationToken: Ct);
        await bob.ReactAsync("alice", question.Id, "🎉", cancellationToken: Ct);
        await bob.ReactAsync("alice", question.Id, "❤️", cancellationToken: Ct);
        await alice.EditAsync("bob", question.Id, "lunch at noon?", Ct);
        var typo = await alice.SendTextAsync("bob", "tpyo", Ct);
        await alice.DeleteForEveryoneAsync("bob", typo.Id, Ct);

        var atBob = await bob.ReceiveAllAsync();
        Assert.Equal(
            [typeof(ReactionReceived), typeof(MessageEdited), typeof(MessageReceived), typeof(MessageDeleted)],
            atBob.Select(e => e.GetType()));
        await alice.ReceiveAllAsync();
        await aliceLaptop.ReceiveAllAsync();

        foreach (var (client, peer) in new[] { (alice, "bob"), (bob, "alice"), (aliceLaptop, "bob") })
        {
            var history = await client.GetHistoryAsync(peer, Ct);
            Assert.Equal([question.Id, answer.Id, typo.Id], history.Select(h => h.Id));
            var q = history[0];
            Assert.Equal("lunch at noon?", q.Text);
            Assert.NotNull(q.EditedAt);
            Assert.Equal([("bob", "❤️")], q.Reactions);
            Assert.Equal(question.Id, history[1].ReplyTo);
            Assert.Equal([("alice", "👍")], history[1].Reactions);
            Assert.True(history[2].Deleted);
            Assert.Null(history[2].Text);
        }
    }

    [Fact]
    public async Task ReactionCanBeTakenBack()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var sent = await alice.SendTextAsync("bob", "hi", Ct);
        await bob.ReceiveAllAsync();
        await bob.ReactAsync("alice", sent.Id, "👋", cancellationToken: Ct);
        await bob.ReactAsync("alice", sent.Id, "👋", remove: true, Ct);
        var events = (await alice.ReceiveAllAsync()).Cast<ReactionReceived>().ToList();
        Assert.Equal([false, true], events.Select(e => e.Removed));
        Assert.Empty(Assert.Single(await alice.GetHistoryAsync("bob", Ct)).Reactions);
        Assert.Empty(Assert.Single(await bob.GetHistoryAsync("alice", Ct)).Reactions);
    }

    [Fact]
    public async Task RefusedChangesSendNothingAndChangeNothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var alice = await server.RegisterAsync("alice", clock);
        var bob = await server.RegisterAsync("bob");
        var mine = await alice.SendTextAsync("bob", "original", Ct);
        var theirs = await bob.SendTextAsync("alice", "bob's words", Ct);
        await alice.ReceiveAllAsync();
        await bob.ReceiveAllAsync();

        var unknown = await Assert.ThrowsAsync<SottoClientException>(() => alice.ReactAsync("bob", Guid.NewGuid(), "👍", cancellationToken: Ct));
        Assert.Equal(ClientError.UnknownMessage, unknown.Code);
        Assert.Equal(ClientError.NotAllowed, (await Assert.ThrowsAsync<SottoClientException>(() => alice.EditAsync("bob", theirs.Id, "forged", Ct))).Code);
        Assert.Equal(ClientError.NotAllowed, (await Assert.ThrowsAsync<SottoClientException>(() => alice.DeleteForEveryoneAsync("bob", theirs.Id, Ct))).Code);
        Assert.Equal(ClientError.UnknownMessage, (await Assert.ThrowsAsync<SottoClientException>(() => alice.SendReplyAsync("bob", Guid.NewGuid(), "?", Ct))).Code);

        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        var late = await Assert.ThrowsAsync<SottoClientException>(() => alice.EditAsync("bob", mine.Id, "too late", Ct));
        Assert.Equal(ClientError.NotAllowed, late.Code);

        Assert.Empty(await bob.ReceiveAllAsync());
        Assert.Equal(["original", "bob's words"], (await alice.GetHistoryAsync("bob", Ct)).Select(h => h.Text));
        Assert.Equal(["bob's words", "original"], (await bob.GetHistoryAsync("alice", Ct)).Select(h => h.Text));
    }

    [Fact]
    public async Task DeliveryAndReadReceiptsUpdateTheSendersHistory()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        var first = await alice.SendTextAsync("bob", "one", Ct);
        var second = await alice.SendTextAsync("bob", "two", Ct);
        Assert.All(await alice.GetHistoryAsync("bob", Ct), h => Assert.Equal(DeliveryStatus.Sent, h.Status));

        await bob.ReceiveAllAsync();
        var delivered = Assert.IsType<ReceiptReceived>(Assert.Single(await alice.ReceiveAllAsync(all: true)));
        Assert.Equal((ReceiptKind.Delivery, "bob"), (delivered.Kind, delivered.From));
        Assert.Equal([first.Id, second.Id], delivered.MessageIds);
        Assert.All(await alice.GetHistoryAsync("bob", Ct), h => Assert.Equal(DeliveryStatus.Delivered, h.Status));

        Assert.Equal(1, await bob.MarkSeenAsync("alice", [first.Id], Ct));
        Assert.Equal(0, await bob.MarkSeenAsync("alice", [first.Id], Ct));
        var read = Assert.IsType<ReceiptReceived>(Assert.Single(await alice.ReceiveAllAsync(all: true)));
        Assert.Equal((ReceiptKind.Read, first.Id), (read.Kind, Assert.Single(read.MessageIds)));
        Assert.Equal([DeliveryStatus.Read, DeliveryStatus.Delivered], (await alice.GetHistoryAsync("bob", Ct)).Select(h => h.Status));

        // With read receipts off, seeing a message tells the sender nothing.
        await bob.SetReadReceiptsAsync(false, Ct);
        Assert.False(await bob.GetReadReceiptsAsync(Ct));
        Assert.Equal(1, await bob.MarkSeenAsync("alice", [second.Id], Ct));
        Assert.Empty(await alice.ReceiveAllAsync(all: true));
        Assert.Equal(DeliveryStatus.Delivered, (await alice.GetHistoryAsync("bob", Ct))[1].Status);
    }

    [Fact]
    public async Task TypingIsDeliveredButNeverStored()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await alice.SendTypingAsync("bob", started: true, Ct);
        await alice.SendTypingAsync("bob", started: false, Ct);
        var typing = (await bob.ReceiveAllAsync(all: true)).Cast<TypingReceived>().ToList();
        Assert.Equal([true, false], typing.Select(t => t.Started));
        Assert.All(typing, t => Assert.Equal(("alice", "alice"), (t.From, t.Conversation)));
        Assert.Empty(await bob.GetHistoryAsync("alice", Ct));
        Assert.Empty(await alice.GetHistoryAsync("bob", Ct));
    }
}
