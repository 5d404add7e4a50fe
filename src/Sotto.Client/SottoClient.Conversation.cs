using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Sotto.Client.Content;
using Sotto.Client.Storage;

namespace Sotto.Client;

// Conversation content beyond text (issue 4, docs/client.md "Conversation content"): the disappearing-messages
// timer, replies, reactions, edits, delete for everyone, receipts and typing. Every change travels as typed Content
// inside the encryption; this device applies its own changes only after the server accepted them.
public sealed partial class SottoClient
{
    /// <summary>How long after sending the author may edit a message.</summary>
    public static readonly TimeSpan EditWindow = TimeSpan.FromMinutes(15);

    private const string ReadReceiptsSetting = "receipts.read";
    private readonly ConcurrentDictionary<(string Username, ReceiptKind Kind), ConcurrentQueue<Guid>> _pendingReceipts = new();
    private int _receiving;

    /// <summary>
    /// Sets (or with 0 clears) the disappearing-messages timer of the conversation with <paramref name="username"/>
    /// (0, or 5 … 86,400 seconds): an end-to-end encrypted control message every participant's history shows.
    /// Messages sent afterwards carry the timer.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.InvalidTimer"/> outside 0 and 5 s … 24 h.</exception>
    public async Task SetTimerAsync(string username, uint seconds, CancellationToken cancellationToken = default)
    {
        if (!DisappearingTimer.IsValid(seconds))
        {
            throw new SottoClientException(ClientError.InvalidTimer, "Timers are off or 5 seconds to 24 hours.");
        }

        var content = NewContent();
        content.ExpireTimerSeconds = seconds;
        content.TimerUpdate = new TimerUpdate { Seconds = seconds };
        await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The conversation's current disappearing-messages timer in seconds (0 = off).</summary>
    public async Task<uint> GetTimerAsync(string username, CancellationToken cancellationToken = default)
    {
        username = NormalizeUsername(username);
        await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        var recipient = await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false);
        return recipient is null ? 0 : await GetTimerAsync(tx, recipient.AccountId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a reply: <paramref name="text"/> quoting the message <paramref name="replyTo"/> of the conversation.</summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.UnknownMessage"/> when the conversation has no such message.</exception>
    public async Task<SentMessage> SendReplyAsync(string username, Guid replyTo, string text, CancellationToken cancellationToken = default)
    {
        await FindMessageAsync(username, replyTo, cancellationToken).ConfigureAwait(false);
        ArgumentException.ThrowIfNullOrEmpty(text);
        var content = NewContent();
        content.Message = new Message { Text = text, QuoteId = ByteString.CopyFrom(replyTo.ToByteArray(bigEndian: true)) };
        return await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reacts to a message of the conversation with <paramref name="emoji"/> (replacing this account's earlier
    /// reaction to it), or with <paramref name="remove"/> takes the reaction back.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.UnknownMessage"/>.</exception>
    public async Task ReactAsync(string username, Guid messageId, string emoji, bool remove = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(emoji);
        if (emoji.Length > 32)
        {
            throw new ArgumentException("A reaction is one emoji.", nameof(emoji));
        }

        var target = await FindMessageAsync(username, messageId, cancellationToken).ConfigureAwait(false);
        var content = NewContent();
        content.Reaction = new Reaction { TargetId = ByteString.CopyFrom(messageId.ToByteArray(bigEndian: true)), TargetAuthor = target.Author, Emoji = emoji, Remove = remove };
        await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the text of one of this account's messages, at most 15 minutes after it was sent.</summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.UnknownMessage"/>; <see cref="ClientError.NotAllowed"/> for someone else's message, a deleted one, or after 15 minutes.
    /// </exception>
    public async Task EditAsync(string username, Guid messageId, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var target = await FindMessageAsync(username, messageId, cancellationToken).ConfigureAwait(false);
        var (account, _) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        if (target.Author != AccountName(account.AccountId) || target.Deleted)
        {
            throw new SottoClientException(ClientError.NotAllowed, "Only the author can edit a message, and not after deleting it.");
        }

        if (NowMilliseconds - target.SentAt > (long)EditWindow.TotalMilliseconds)
        {
            throw new SottoClientException(ClientError.NotAllowed, "Messages can be edited for 15 minutes after sending.");
        }

        var content = NewContent();
        content.Edit = new Edit { TargetId = ByteString.CopyFrom(messageId.ToByteArray(bigEndian: true)), Text = text };
        await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes one of this account's messages for everyone: every device removes its text.</summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.UnknownMessage"/>; <see cref="ClientError.NotAllowed"/> for someone else's message.</exception>
    public async Task DeleteForEveryoneAsync(string username, Guid messageId, CancellationToken cancellationToken = default)
    {
        var target = await FindMessageAsync(username, messageId, cancellationToken).ConfigureAwait(false);
        var (account, _) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        if (target.Author != AccountName(account.AccountId))
        {
            throw new SottoClientException(ClientError.NotAllowed, "Only the author can delete a message for everyone.");
        }

        var content = NewContent();
        content.Delete = new Delete { TargetId = ByteString.CopyFrom(messageId.ToByteArray(bigEndian: true)) };
        await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells <paramref name="username"/> that this user started (or stopped) typing. Never stored.</summary>
    public async Task SendTypingAsync(string username, bool started, CancellationToken cancellationToken = default)
    {
        var content = NewContent();
        content.Typing = new Typing { Started = started };
        await SendContentAsync(username, content, sync: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns read receipts on or off (delivery receipts are always sent).</summary>
    public async Task SetReadReceiptsAsync(bool enabled, CancellationToken cancellationToken = default)
    {
        await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.SetSettingAsync(ReadReceiptsSetting, enabled ? "on" : "off", cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether read receipts are sent (default on).</summary>
    public async Task<bool> GetReadReceiptsAsync(CancellationToken cancellationToken = default)
    {
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        return await tx.GetSettingAsync(ReadReceiptsSetting, cancellationToken).ConfigureAwait(false) != "off";
    }

    /// <summary>
    /// Marks received messages of the conversation as seen by the user: a disappearing message's countdown starts now
    /// (DESIGN.md §5), and a read receipt goes to the author when read receipts are on. Returns how many were newly seen.
    /// </summary>
    public async Task<int> MarkSeenAsync(string username, IEnumerable<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        username = NormalizeUsername(username);
        await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var seen = new List<Guid>();
        bool readReceipts;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            readReceipts = await tx.GetSettingAsync(ReadReceiptsSetting, cancellationToken).ConfigureAwait(false) != "off";
            if (await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is not { } recipient)
            {
                return 0;
            }

            long now = NowMilliseconds;
            foreach (var id in messageIds.Distinct())
            {
                if (await tx.FindHistoryEntryAsync(recipient.AccountId, id, cancellationToken).ConfigureAwait(false) is not { Kind: HistoryKind.Message, Outgoing: false, SeenAt: null } entry)
                {
                    continue;
                }

                long? expiresAt = entry.ExpiresAt;
                if (entry.ExpireTimerSeconds > 0)
                {
                    long countdown = now + (entry.ExpireTimerSeconds * 1000L);
                    expiresAt = expiresAt is { } cap ? Math.Min(cap, countdown) : countdown;
                }

                await tx.UpdateHistoryEntryAsync(entry with { SeenAt = now, ExpiresAt = expiresAt }, cancellationToken).ConfigureAwait(false);
                seen.Add(id);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        WakeExpiry();
        if (readReceipts && seen.Count > 0)
        {
            QueueReceipt(username, ReceiptKind.Read, seen);
            if (Volatile.Read(ref _receiving) == 0)
            {
                await FlushReceiptsAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return seen.Count;
    }

    private void QueueReceipt(string username, ReceiptKind kind, IEnumerable<Guid> ids)
    {
        var queue = _pendingReceipts.GetOrAdd((username, kind), _ => new ConcurrentQueue<Guid>());
        foreach (var id in ids)
        {
            queue.Enqueue(id);
        }
    }

    /// <summary>Sends the queued delivery and read receipts, one message per user and kind. Failures are logged, not thrown.</summary>
    private async Task FlushReceiptsAsync(CancellationToken cancellationToken)
    {
        foreach (var ((username, kind), queue) in _pendingReceipts)
        {
            var ids = new List<Guid>();
            while (ids.Count < 500 && queue.TryDequeue(out var id))
            {
                ids.Add(id);
            }

            if (ids.Count == 0)
            {
                continue;
            }

            var content = NewContent();
            content.Receipt = new Receipt { Type = kind == ReceiptKind.Read ? Receipt.Types.Type.Read : Receipt.Types.Type.Delivery };
            content.Receipt.MessageIds.Add(ids.Select(i => ByteString.CopyFrom(i.ToByteArray(bigEndian: true))));
            try
            {
                await SendContentAsync(username, content, sync: false, cancellationToken).ConfigureAwait(false);
            }
            catch (SottoClientException ex)
            {
                Log.ReceiptFailed(_logger, ex.Code);
            }
        }
    }

    private async Task<HistoryEntry> FindMessageAsync(string username, Guid messageId, CancellationToken cancellationToken)
    {
        username = NormalizeUsername(username);
        await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is { } recipient
            && await tx.FindHistoryEntryAsync(recipient.AccountId, messageId, cancellationToken).ConfigureAwait(false) is { Kind: HistoryKind.Message } entry)
        {
            return entry;
        }

        throw new SottoClientException(ClientError.UnknownMessage, "The conversation has no message with this id.") { Username = username };
    }

    private static async Task<uint> GetTimerAsync(IClientTransaction tx, string conversation, CancellationToken cancellationToken) =>
        await tx.GetSettingAsync(TimerSetting(conversation), cancellationToken).ConfigureAwait(false) is { } text
        && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint seconds)
            ? seconds
            : 0;

    private static string TimerSetting(string conversation) => "timer." + conversation;

    /// <summary>
    /// Applies a content kind other than a new message to the conversation (inside the receiving unit of work, or
    /// after this device's own send). Returns the event, or null when the content is refused (unknown target, not
    /// the author, edit window over): refused content changes nothing.
    /// </summary>
    private async Task<ClientEvent?> ApplyChangeAsync(
        IClientTransaction tx,
        Sotto.Client.Content.Content content,
        string conversation,
        string conversationName,
        string author,
        string authorName,
        uint authorDevice,
        CancellationToken cancellationToken)
    {
        long timestamp = (long)Math.Min(content.Timestamp, (ulong)long.MaxValue);
        switch (content.KindCase)
        {
            case Sotto.Client.Content.Content.KindOneofCase.TimerUpdate:
            {
                uint seconds = content.TimerUpdate.Seconds;
                if (!DisappearingTimer.IsValid(seconds))
                {
                    return null;
                }

                await tx.SetSettingAsync(TimerSetting(conversation), seconds.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
                await tx.AddHistoryEntryAsync(
                    new HistoryEntry
                    {
                        Conversation = conversation,
                        MessageId = new Guid(content.Id.Span, bigEndian: true),
                        Kind = HistoryKind.TimerChanged,
                        Author = author,
                        AuthorDevice = authorDevice,
                        Outgoing = author != conversation,
                        SentAt = timestamp,
                        ReceivedAt = NowMilliseconds,
                        Status = author != conversation ? DeliveryStatus.Sent : DeliveryStatus.Received,
                        ExpireTimerSeconds = seconds,
                    },
                    cancellationToken).ConfigureAwait(false);
                return new TimerChanged(authorName, authorDevice, conversationName, seconds == 0 ? null : seconds);
            }

            case Sotto.Client.Content.Content.KindOneofCase.Reaction:
            {
                var reaction = content.Reaction;
                if (reaction.TargetId.Length != 16 || reaction.Emoji.Length is 0 or > 32)
                {
                    return null;
                }

                var target = new Guid(reaction.TargetId.Span, bigEndian: true);
                if (await tx.FindHistoryEntryAsync(conversation, target, cancellationToken).ConfigureAwait(false) is not { Kind: HistoryKind.Message })
                {
                    return null;
                }

                await tx.SetReactionAsync(conversation, target, author, reaction.Remove ? null : reaction.Emoji, timestamp, cancellationToken).ConfigureAwait(false);
                return new ReactionReceived(authorName, authorDevice, conversationName, target, reaction.Emoji, reaction.Remove);
            }

            case Sotto.Client.Content.Content.KindOneofCase.Edit:
            {
                var edit = content.Edit;
                if (edit.TargetId.Length != 16 || edit.Text.Length == 0)
                {
                    return null;
                }

                var targetId = new Guid(edit.TargetId.Span, bigEndian: true);
                if (await tx.FindHistoryEntryAsync(conversation, targetId, cancellationToken).ConfigureAwait(false) is not { Kind: HistoryKind.Message, Deleted: false } target
                    || target.Author != author
                    || timestamp - target.SentAt > (long)EditWindow.TotalMilliseconds
                    || timestamp < target.SentAt)
                {
                    return null;
                }

                await tx.UpdateHistoryEntryAsync(target with { Text = edit.Text, EditedAt = timestamp }, cancellationToken).ConfigureAwait(false);
                return new MessageEdited(authorName, authorDevice, conversationName, targetId, edit.Text);
            }

            case Sotto.Client.Content.Content.KindOneofCase.Delete:
            {
                if (content.Delete.TargetId.Length != 16)
                {
                    return null;
                }

                var targetId = new Guid(content.Delete.TargetId.Span, bigEndian: true);
                if (await tx.FindHistoryEntryAsync(conversation, targetId, cancellationToken).ConfigureAwait(false) is not { Kind: HistoryKind.Message } target
                    || target.Author != author)
                {
                    return null;
                }

                await tx.UpdateHistoryEntryAsync(target with { Text = null, Deleted = true }, cancellationToken).ConfigureAwait(false);
                foreach (var reaction in (await tx.GetReactionsAsync(conversation, cancellationToken).ConfigureAwait(false)).Where(r => r.MessageId == targetId))
                {
                    await tx.SetReactionAsync(conversation, targetId, reaction.Reactor, null, timestamp, cancellationToken).ConfigureAwait(false);
                }

                _purgePending = true;
                return new MessageDeleted(authorName, authorDevice, conversationName, targetId);
            }

            case Sotto.Client.Content.Content.KindOneofCase.Receipt:
            {
                var kind = content.Receipt.Type switch
                {
                    Receipt.Types.Type.Delivery => ReceiptKind.Delivery,
                    Receipt.Types.Type.Read => ReceiptKind.Read,
                    _ => (ReceiptKind?)null,
                };
                if (kind is null || content.Receipt.MessageIds.Count > 1000)
                {
                    return null;
                }

                var status = kind == ReceiptKind.Read ? DeliveryStatus.Read : DeliveryStatus.Delivered;
                var ids = new List<Guid>();
                foreach (var raw in content.Receipt.MessageIds)
                {
                    if (raw.Length != 16)
                    {
                        continue;
                    }

                    var id = new Guid(raw.Span, bigEndian: true);
                    if (await tx.FindHistoryEntryAsync(conversation, id, cancellationToken).ConfigureAwait(false) is { Kind: HistoryKind.Message, Outgoing: true } entry)
                    {
                        ids.Add(id);
                        if (Rank(entry.Status) < Rank(status))
                        {
                            await tx.UpdateHistoryEntryAsync(entry with { Status = status }, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                return new ReceiptReceived(authorName, authorDevice, conversationName, kind.Value, ids);
            }

            case Sotto.Client.Content.Content.KindOneofCase.Typing:
                return new TypingReceived(authorName, authorDevice, conversationName, content.Typing.Started);

            default:
                return new UnknownContentSkipped(authorName, authorDevice);
        }
    }

    private static int Rank(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Read => 3,
        DeliveryStatus.Delivered => 2,
        DeliveryStatus.Sent => 1,
        _ => 0,
    };
}
