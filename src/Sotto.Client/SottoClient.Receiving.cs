using System.Runtime.CompilerServices;
using Google.Protobuf;

using Sotto.Client.Delivery;
using Sotto.Client.Storage;
using Sotto.Protocol;
using Sotto.Wire;

namespace Sotto.Client;

// Receiving (docs/client.md, "Receiving"; docs/server-api.md, "WebSocket delivery"):
//
//   connect ──► envelopes of the stored queue … QueueEmpty ──► live envelopes …
//   per envelope, one unit of work:
//     seen this envelope id before?  ── yes → commit nothing new, acknowledge (a redelivery after a crash)
//     decrypt (session, prekeys, identity)  +  history entry  +  envelope id   → COMMIT
//   then acknowledge to the server, then report the events.
//   A crash before the commit: nothing was written, the server delivers the envelope again.
//   A crash after the commit, before the ack: the redelivered copy is recognized by its id and only acknowledged.
public sealed partial class SottoClient
{
    /// <summary>How long processed envelope ids are remembered (longer than any envelope lives on the server).</summary>
    private static readonly TimeSpan ProcessedEnvelopeRetention = TimeSpan.FromDays(15);

    /// <summary>
    /// Connects to the server's delivery WebSocket and reports what arrives: first everything queued while this
    /// device was away (then <see cref="QueueDrained"/>), then live messages, until <paramref name="options"/>' idle
    /// timeout or cancellation. Each envelope is decrypted and committed to the store together with its history
    /// entry before it is acknowledged, so none is lost or processed twice, whatever crashes when.
    /// </summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.DeviceRemoved"/> when the server removed this device; <see cref="ClientError.Network"/>
    /// when the connection broke (receive again to resume: nothing is lost).
    /// </exception>
    public async IAsyncEnumerable<ClientEvent> ReceiveAsync(ReceiveOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ReceiveOptions();
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _receiving);
        try
        {
            var backoff = TimeSpan.FromMilliseconds(250);
            while (true)
            {
                var events = ReceiveCoreAsync(account, api, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                try
                {
                    while (true)
                    {
                        bool moved;
                        try
                        {
                            moved = await events.MoveNextAsync().ConfigureAwait(false);
                        }
                        catch (SottoClientException ex) when (options.Reconnect && ex.IsTransient)
                        {
                            Log.Reconnecting(_logger, backoff.TotalMilliseconds);
                            break;
                        }

                        if (!moved)
                        {
                            yield break;
                        }

                        backoff = TimeSpan.FromMilliseconds(250);
                        yield return events.Current;
                    }
                }
                finally
                {
                    await events.DisposeAsync().ConfigureAwait(false);
                }

                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
        finally
        {
            Interlocked.Decrement(ref _receiving);
        }
    }

    private async IAsyncEnumerable<ClientEvent> ReceiveCoreAsync(LocalAccount account, Http.ServerApi api, ReceiveOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var socket = await DeliverySocket.ConnectAsync(api.Server, api.AuthorizationHeader!, _handler is null ? null : new HttpMessageInvoker(_handler, disposeHandler: false), cancellationToken).ConfigureAwait(false);
        await using var socketScope = socket.ConfigureAwait(false);
        bool drained = false;
        while (true)
        {
            ServerFrame? frame;
            if (drained && options.IdleTimeout is { } idle)
            {
                if (idle <= TimeSpan.Zero)
                {
                    await FlushReceiptsAsync(cancellationToken).ConfigureAwait(false);
                    yield break;
                }

                using var idleCts = new CancellationTokenSource(idle, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idleCts.Token);
                frame = await ReceiveFrameOrIdleAsync(socket, linked.Token, cancellationToken).ConfigureAwait(false);
                if (frame is null && idleCts.IsCancellationRequested && socket.CloseStatus is null)
                {
                    await FlushReceiptsAsync(cancellationToken).ConfigureAwait(false);
                    yield break;
                }
            }
            else
            {
                frame = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }

            if (frame is null)
            {
                ThrowClosed(socket);
                yield break;
            }

            switch (frame.FrameCase)
            {
                case ServerFrame.FrameOneofCase.Envelope:
                    var events = await ProcessEnvelopeAsync(account, frame.Envelope, cancellationToken).ConfigureAwait(false);
                    if (events is not null)
                    {
                        await socket.AckAsync([frame.Envelope.Id], cancellationToken).ConfigureAwait(false);
                        foreach (var received in events.OfType<MessageReceived>())
                        {
                            QueueReceipt(received.Conversation, ReceiptKind.Delivery, [received.Id]);
                        }

                        WakeExpiry();
                        if (drained)
                        {
                            await FlushReceiptsAsync(cancellationToken).ConfigureAwait(false);
                        }

                        foreach (var e in events)
                        {
                            // Attachments are fetched after the message is stored and acknowledged: a download
                            // that fails leaves the message, with the attachment marked as refused.
                            yield return e switch
                            {
                                MessageReceived { Attachments.Count: > 0 } m => m with { Attachments = await DownloadAttachmentsAsync(m.Conversation, m.Id, cancellationToken).ConfigureAwait(false) },
                                MessageSent { Attachments.Count: > 0 } m => m with { Attachments = await DownloadAttachmentsAsync(m.Conversation, m.Id, cancellationToken).ConfigureAwait(false) },
                                _ => e,
                            };
                        }
                    }

                    break;

                case ServerFrame.FrameOneofCase.QueueEmpty:
                    drained = true;
                    await FlushReceiptsAsync(cancellationToken).ConfigureAwait(false);
                    await MaintainAfterDrainAsync(cancellationToken).ConfigureAwait(false);
                    yield return new QueueDrained();
                    break;

                default:
                    // Pong, or a frame kind a newer server added: nothing to do.
                    break;
            }
        }
    }

    private static async Task<ServerFrame?> ReceiveFrameOrIdleAsync(DeliverySocket socket, CancellationToken linked, CancellationToken caller)
    {
        try
        {
            return await socket.ReceiveAsync(linked).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            return null;
        }
    }

    private static void ThrowClosed(DeliverySocket socket)
    {
        int? status = (int?)socket.CloseStatus;
        if (status == DeliverySocket.DeviceRemovedCloseCode)
        {
            throw new SottoClientException(ClientError.DeviceRemoved, "The server removed this device.");
        }

        throw new SottoClientException(ClientError.Network, status == DeliverySocket.SupersededCloseCode
            ? "Another connection of this device replaced this one."
            : "The server closed the delivery connection.") { IsTransient = true };
    }

    private async Task MaintainAfterDrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshPreKeysAsync(cancellationToken).ConfigureAwait(false);
            using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
            await tx.PruneProcessedEnvelopesAsync(_time.GetUtcNow() - ProcessedEnvelopeRetention, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SottoClientException ex) when (ex.IsTransient || ex.Code == ClientError.ServerRejected)
        {
            // Upkeep is retried after the next drain; receiving goes on.
            Log.MaintenanceFailed(_logger, ex.Code, ex.HttpStatus);
        }
    }

    /// <summary>
    /// Decrypts and stores one envelope in one unit of work. Returns the events to report once the envelope is
    /// acknowledged, or <see langword="null"/> when it must not be acknowledged (an id the server would refuse).
    /// </summary>
    internal async Task<IReadOnlyList<ClientEvent>?> ProcessEnvelopeAsync(LocalAccount account, Envelope envelope, CancellationToken cancellationToken)
    {
        if (!EnvelopeIds.TryParse(envelope.Id, out var envelopeId))
        {
            Log.MalformedEnvelopeId(_logger);
            return null;
        }

        string from = IsValidUsername(envelope.SourceUsername) ? envelope.SourceUsername : "(unknown)";
        uint fromDevice = envelope.SourceDeviceId;
        ProtocolError? failure;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await tx.WasEnvelopeProcessedAsync(envelopeId, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            if (!Guid.TryParseExact(envelope.SourceAccountId, "D", out var sourceAccount)
                || fromDevice is 0 or > DeviceId.MaxValue
                || envelope.Type is not (EnvelopeType.Whisper or EnvelopeType.PreKey)
                || !IsValidUsername(envelope.SourceUsername))
            {
                failure = ProtocolError.InvalidEncoding;
            }
            else
            {
                string sourceName = AccountName(sourceAccount);
                var address = new ProtocolAddress(sourceName, fromDevice);
                var before = await tx.GetRecipientAsync(sourceName, cancellationToken).ConfigureAwait(false);
                byte[]? plaintext = null;
                try
                {
                    var message = CiphertextMessage.Deserialize((CiphertextMessageType)(int)envelope.Type, envelope.Content.Span);
                    plaintext = await Cipher(tx, account).DecryptAsync(address, message, cancellationToken).ConfigureAwait(false);
                    failure = null;
                }
                catch (ProtocolException ex)
                {
                    failure = ex.Code;
                }

                if (plaintext is not null)
                {
                    var events = new List<ClientEvent>();
                    bool own = sourceAccount == account.AccountId;
                    if (!own)
                    {
                        await tx.SaveRecipientAsync(sourceName, envelope.SourceUsername, cancellationToken).ConfigureAwait(false);
                        var after = await tx.GetRecipientAsync(sourceName, cancellationToken).ConfigureAwait(false);
                        if (before?.CurrentIdentity is { } previous && after?.CurrentIdentity is { } current && !previous.Equals(current))
                        {
                            await AddNoticeAsync(tx, sourceName, HistoryKind.IdentityChanged, sourceName, fromDevice, cancellationToken).ConfigureAwait(false);
                            events.Add(new IdentityChanged(envelope.SourceUsername));
                        }
                    }

                    var applied = await ApplyContentAsync(tx, account, own, sourceName, envelope, plaintext, cancellationToken).ConfigureAwait(false);
                    if (applied is null)
                    {
                        // Decrypted, but not Sotto content: the session advanced (committed), the message is reported.
                        events.Add(new DecryptionFailed(from, fromDevice, ProtocolError.InvalidEncoding));
                    }
                    else
                    {
                        events.AddRange(applied);
                    }

                    await tx.MarkEnvelopeProcessedAsync(envelopeId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return events;
                }
            }
        }

        // Bad input changed nothing (the cipher commits nothing when it throws); record the id so that the envelope is
        // acknowledged once, and tell the user unless it was a replay.
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.MarkEnvelopeProcessedAsync(envelopeId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (failure == ProtocolError.DuplicatedMessage)
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return [];
            }

            if (Guid.TryParseExact(envelope.SourceAccountId, "D", out var sourceAccount) && sourceAccount != account.AccountId && IsValidUsername(envelope.SourceUsername))
            {
                string sourceName = AccountName(sourceAccount);
                await tx.SaveRecipientAsync(sourceName, envelope.SourceUsername, cancellationToken).ConfigureAwait(false);
                await AddNoticeAsync(tx, sourceName, HistoryKind.DecryptionFailed, sourceName, fromDevice, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.DecryptionFailed(_logger, failure);
        return [new DecryptionFailed(from, fromDevice, failure)];
    }

    private async Task AddNoticeAsync(IClientTransaction tx, string conversation, HistoryKind kind, string author, uint authorDevice, CancellationToken cancellationToken)
    {
        long now = NowMilliseconds;
        await tx.AddHistoryEntryAsync(
            new HistoryEntry
            {
                Conversation = conversation,
                MessageId = Guid.CreateVersion7(_time.GetUtcNow()),
                Kind = kind,
                Author = author,
                AuthorDevice = authorDevice,
                SentAt = now,
                ReceivedAt = now,
                Status = DeliveryStatus.Received,
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies decrypted content inside the envelope's unit of work. Returns the events, or <see langword="null"/>
    /// when the plaintext is not valid content.
    /// </summary>
    private async Task<IReadOnlyList<ClientEvent>?> ApplyContentAsync(IClientTransaction tx, LocalAccount account, bool own, string sourceName, Envelope envelope, byte[] plaintext, CancellationToken cancellationToken)
    {
        if (ParseContent(plaintext) is not { } content)
        {
            return null;
        }

        if (own)
        {
            // From another device of this account: only sync transcripts are meaningful.
            if (content.KindCase != Sotto.Client.Content.Content.KindOneofCase.Sent)
            {
                return [];
            }

            var sent = content.Sent;
            if (sent.Content is null
                || !Guid.TryParseExact(sent.DestinationAccountId, "D", out var destination)
                || destination == account.AccountId
                || !IsValidUsername(sent.DestinationUsername)
                || sent.Content.KindCase == Sotto.Client.Content.Content.KindOneofCase.Sent)
            {
                return null;
            }

            string conversation = AccountName(destination);
            await tx.SaveRecipientAsync(conversation, sent.DestinationUsername, cancellationToken).ConfigureAwait(false);
            return await ApplyKindAsync(tx, account, sent.Content, conversation, sent.DestinationUsername, outgoing: true, AccountName(account.AccountId), account.Username, envelope.SourceDeviceId, cancellationToken).ConfigureAwait(false);
        }

        return await ApplyKindAsync(tx, account, content, sourceName, envelope.SourceUsername, outgoing: false, sourceName, envelope.SourceUsername, envelope.SourceDeviceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The decrypted content of a peer's message, or <see langword="null"/> when it is not a valid Content protobuf.</summary>
    internal static Sotto.Client.Content.Content? ParseContent(ReadOnlySpan<byte> plaintext)
    {
        try
        {
            return Sotto.Client.Content.Content.Parser.ParseFrom(plaintext);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>Applies one kind of content to the conversation with <paramref name="conversation"/> (an account id).</summary>
    private async Task<IReadOnlyList<ClientEvent>?> ApplyKindAsync(
        IClientTransaction tx,
        LocalAccount account,
        Sotto.Client.Content.Content content,
        string conversation,
        string conversationName,
        bool outgoing,
        string author,
        string authorName,
        uint authorDevice,
        CancellationToken cancellationToken)
    {
        _ = account;
        if (content.KindCase == Sotto.Client.Content.Content.KindOneofCase.Sent)
        {
            // A transcript is only meaningful from one's own device, and never nested.
            return null;
        }

        if (content.Id.Length != 16)
        {
            return content.KindCase == Sotto.Client.Content.Content.KindOneofCase.None ? [new UnknownContentSkipped(authorName, authorDevice)] : null;
        }

        var id = new Guid(content.Id.Span, bigEndian: true);
        long timestamp = (long)Math.Min(content.Timestamp, (ulong)long.MaxValue);
        uint? expires = content.ExpireTimerSeconds == 0 ? null : content.ExpireTimerSeconds;
        switch (content.KindCase)
        {
            case Sotto.Client.Content.Content.KindOneofCase.Message:
                if (await tx.FindHistoryEntryAsync(conversation, id, cancellationToken).ConfigureAwait(false) is not null)
                {
                    // The same message again (a sender's retry after a lost response): already shown.
                    return [];
                }

                if (!DisappearingTimer.IsValid(content.ExpireTimerSeconds))
                {
                    return null;
                }

                long now = NowMilliseconds;
                long? expiresAt = content.ExpireTimerSeconds == 0
                    ? null
                    : outgoing
                        ? timestamp + (content.ExpireTimerSeconds * 1000L)
                        : now + (long)DisappearingTimer.UnseenLifetime.TotalMilliseconds;
                await tx.AddHistoryEntryAsync(
                    new HistoryEntry
                    {
                        Conversation = conversation,
                        MessageId = id,
                        Kind = HistoryKind.Message,
                        Author = author,
                        AuthorDevice = authorDevice,
                        Outgoing = outgoing,
                        SentAt = timestamp,
                        ReceivedAt = now,
                        Text = content.Message.Text,
                        Status = outgoing ? DeliveryStatus.Sent : DeliveryStatus.Received,
                        ExpireTimerSeconds = content.ExpireTimerSeconds,
                        ExpiresAt = expiresAt,
                        QuoteId = content.Message.QuoteId.Length == 16 ? new Guid(content.Message.QuoteId.Span, bigEndian: true) : null,
                    },
                    cancellationToken).ConfigureAwait(false);
                await SaveAttachmentPointersAsync(tx, conversation, id, content.Message, cancellationToken).ConfigureAwait(false);
                IReadOnlyList<AttachmentInfo> pending = [.. content.Message.Attachments.Take(32).Select(a => new AttachmentInfo(SafeFileName(a.FileName, 0), a.ContentType, (long)Math.Min(a.Size, (ulong)long.MaxValue), null, null))];
                return outgoing
                    ? [new MessageSent(conversationName, authorDevice, conversationName, id, timestamp, content.Message.Text, expires) { Attachments = pending }]
                    : [new MessageReceived(authorName, authorDevice, conversationName, id, timestamp, content.Message.Text, expires) { Attachments = pending }];

            case Sotto.Client.Content.Content.KindOneofCase.None:
                return [new UnknownContentSkipped(authorName, authorDevice)];

            default:
                // Receipts and typing from one's own devices carry nothing for this device.
                if (outgoing && content.KindCase is Sotto.Client.Content.Content.KindOneofCase.Receipt or Sotto.Client.Content.Content.KindOneofCase.Typing)
                {
                    return [];
                }

                var change = await ApplyChangeAsync(tx, content, conversation, conversationName, author, authorName, authorDevice, cancellationToken).ConfigureAwait(false);
                if (change is null)
                {
                    Log.ContentRefused(_logger, content.KindCase.ToString());
                }

                return change is null ? [] : [change];
        }
    }
}
