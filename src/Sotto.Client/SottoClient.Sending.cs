using Google.Protobuf;
using Sotto.Client.Content;
using Sotto.Client.Storage;
using Sotto.Protocol;
using Sotto.Wire;

namespace Sotto.Client;

// Sending (docs/client.md, "Sending"; docs/server-api.md, "Messages"):
//
//   resolve the username → account id (GET /v1/accounts/{u} once) ─ blocked if its identity changed
//   devices without a session → GET /v1/keys/{u}/* (or /{d}) → PQXDH (ProcessPreKeyBundle)
//   one unit of work: encrypt for every device + the history entry → commit     (never reuse a message key)
//   PUT /v1/messages/{u} ── 200 → Sent
//                        ── 409 → bundles for missingDevices, forget extraDevices, again
//                        ── 410 → forget staleDevices' sessions, new bundles, again
//   then the same to this account's other devices with a SentTranscript (sync).
public sealed partial class SottoClient
{
    /// <summary>The content schema version this client writes.</summary>
    internal const uint ContentVersion = 1;

    /// <summary>
    /// Sends <paramref name="text"/> to every device of <paramref name="username"/>, stores it in the conversation's
    /// history, and sends a sync transcript to this account's other devices.
    /// </summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.IdentityChanged"/> when the user's identity changed and was not accepted with
    /// <see cref="TrustAsync"/> (nothing is sent); <see cref="ClientError.UnknownUser"/>;
    /// <see cref="ClientError.ServerRejected"/>; <see cref="ClientError.Network"/>.
    /// </exception>
    public async Task<SentMessage> SendTextAsync(string username, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new ArgumentException("The text is empty.", nameof(text));
        }

        var content = NewContent();
        content.Message = new Message { Text = text };
        if (content.CalculateSize() > ProtocolLimits.MaxPlaintextLength - 1024)
        {
            throw new ArgumentException("The text is too long for one message.", nameof(text));
        }

        return await SendContentAsync(username, content, cancellationToken).ConfigureAwait(false);
    }

    private Sotto.Client.Content.Content NewContent()
    {
        var id = Guid.CreateVersion7(_time.GetUtcNow());
        Span<byte> random = stackalloc byte[16];
        _random.Fill(random);
        var idBytes = id.ToByteArray(bigEndian: true);

        // Version 7 keeps the time order; its random part comes from the injected IRandom.
        random[..10].CopyTo(idBytes.AsSpan(6));
        idBytes[6] = (byte)(0x70 | (idBytes[6] & 0x0F));
        idBytes[8] = (byte)(0x80 | (idBytes[8] & 0x3F));
        return new Sotto.Client.Content.Content
        {
            Version = ContentVersion,
            Id = ByteString.CopyFrom(idBytes),
            Timestamp = (ulong)NowMilliseconds,
        };
    }

    private async Task<SentMessage> SendContentAsync(string username, Sotto.Client.Content.Content content, CancellationToken cancellationToken) =>
        await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends one content to every device of <paramref name="username"/>; then applies it to this device's history
    /// (new messages are stored before sending, as <see cref="DeliveryStatus.Sending"/>; changes such as edits only
    /// after the server accepted them) and, with <paramref name="sync"/>, sends a transcript to this account's other devices.
    /// </summary>
    private async Task<SentMessage> SendContentAsync(string username, Sotto.Client.Content.Content content, bool sync, CancellationToken cancellationToken)
    {
        username = NormalizeUsername(username);
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        if (username == account.Username)
        {
            throw new ArgumentException("Sending to oneself is not supported; use another account.", nameof(username));
        }

        var recipient = await ResolveRecipientAsync(api, username, cancellationToken).ConfigureAwait(false);
        if (recipient.IdentityChanged)
        {
            throw IdentityChangedError(username);
        }

        bool isMessage = content.KindCase == Sotto.Client.Content.Content.KindOneofCase.Message;
        if (content.KindCase != Sotto.Client.Content.Content.KindOneofCase.TimerUpdate)
        {
            using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
            content.ExpireTimerSeconds = await GetTimerAsync(tx, recipient.AccountId, cancellationToken).ConfigureAwait(false);
        }

        var messageId = new Guid(content.Id.Span, bigEndian: true);
        long timestamp = (long)content.Timestamp;
        var entry = isMessage
            ? new HistoryEntry
            {
                Conversation = recipient.AccountId,
                MessageId = messageId,
                Kind = HistoryKind.Message,
                Author = AccountName(account.AccountId),
                AuthorDevice = account.DeviceId,
                Outgoing = true,
                SentAt = timestamp,
                ReceivedAt = NowMilliseconds,
                Text = content.Message.Text,
                Status = DeliveryStatus.Sending,
                ExpireTimerSeconds = content.ExpireTimerSeconds,
                ExpiresAt = content.ExpireTimerSeconds == 0 ? null : timestamp + (content.ExpireTimerSeconds * 1000L),
                QuoteId = content.Message.QuoteId.Length == 16 ? new Guid(content.Message.QuoteId.Span, bigEndian: true) : null,
            }
            : null;

        int devices;
        try
        {
            (_, devices, entry) = await DeliverAsync(account, api, recipient.AccountId, username, content.ToByteArray(), self: false, timestamp, entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (entry is { Seq: > 0 })
        {
            await UpdateStatusAsync(entry, DeliveryStatus.Failed, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (entry is not null)
        {
            await UpdateStatusAsync(entry, DeliveryStatus.Sent, cancellationToken).ConfigureAwait(false);
        }
        else if (sync)
        {
            // A change (timer, reaction, edit, delete): this device applies it now that the server accepted it.
            using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
            await ApplyChangeAsync(tx, content, recipient.AccountId, username, AccountName(account.AccountId), account.Username, account.DeviceId, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        WakeExpiry();
        if (sync)
        {
            // The sync transcript: this account's other devices show the message (or change) too.
            var transcript = new Sotto.Client.Content.Content
            {
                Version = ContentVersion,
                Id = content.Id,
                Timestamp = content.Timestamp,
                ExpireTimerSeconds = content.ExpireTimerSeconds,
                Sent = new SentTranscript { DestinationAccountId = recipient.AccountId, DestinationUsername = username, Content = content },
            };
            await DeliverAsync(account, api, AccountName(account.AccountId), account.Username, transcript.ToByteArray(), self: true, timestamp, null, cancellationToken).ConfigureAwait(false);
        }

        return new SentMessage(messageId, timestamp, devices);
    }

    private async Task UpdateStatusAsync(HistoryEntry entry, DeliveryStatus status, CancellationToken cancellationToken)
    {
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.UpdateHistoryEntryAsync(entry with { Status = status }, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recipient for a username: from the store, or looked up on the server (consuming no prekeys).</summary>
    private async Task<Recipient> ResolveRecipientAsync(Http.ServerApi api, string username, CancellationToken cancellationToken)
    {
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is { } known)
            {
                return known;
            }
        }

        AccountResponse response;
        try
        {
            response = await api.GetAccountAsync(username, cancellationToken).ConfigureAwait(false);
        }
        catch (SottoClientException ex) when (ex.HttpStatus == 404)
        {
            throw new SottoClientException(ClientError.UnknownUser, "There is no account with this username.", ex) { Username = username };
        }

        var accountId = AccountName(response.AccountId);
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.SaveRecipientAsync(accountId, response.Username, cancellationToken).ConfigureAwait(false);
            var recipient = await tx.GetRecipientAsync(accountId, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return recipient!;
        }
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for every device of <paramref name="accountId"/> (for this account: every
    /// other device) and sends it, correcting the device list on 409/410 and retrying.
    /// </summary>
    /// <returns>The server's answer, the number of devices, and the stored history entry (when one was given).</returns>
    private async Task<(SendMessagesResponse Response, int Devices, HistoryEntry? Entry)> DeliverAsync(
        Storage.LocalAccount account,
        Http.ServerApi api,
        string accountId,
        string username,
        byte[] plaintext,
        bool self,
        long timestamp,
        HistoryEntry? entry,
        CancellationToken cancellationToken)
    {
        var fetch = new HashSet<uint>();
        bool fetchAll = false;
        if (!self)
        {
            using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
            fetchAll = (await tx.GetSessionDeviceIdsAsync(accountId, cancellationToken).ConfigureAwait(false)).Count == 0;
        }

        for (int attempt = 0; attempt < _options.MaxSendAttempts; attempt++)
        {
            if (fetchAll || fetch.Count > 0)
            {
                await FetchAndProcessBundlesAsync(account, api, accountId, username, self, fetchAll ? null : fetch, cancellationToken).ConfigureAwait(false);
                fetchAll = false;
                fetch.Clear();
            }

            var messages = new List<OutgoingMessage>();
            using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
            {
                var cipher = Cipher(tx, account);
                foreach (uint deviceId in await tx.GetSessionDeviceIdsAsync(accountId, cancellationToken).ConfigureAwait(false))
                {
                    if (self && deviceId == account.DeviceId)
                    {
                        continue;
                    }

                    var address = new ProtocolAddress(accountId, deviceId);
                    var record = await tx.LoadSessionAsync(address, cancellationToken).ConfigureAwait(false);
                    if (record?.RemoteRegistrationId is not { } registrationId || !record.HasUsableSenderChain(_time.GetUtcNow()))
                    {
                        fetch.Add(deviceId);
                        continue;
                    }

                    CiphertextMessage ciphertext;
                    try
                    {
                        ciphertext = await cipher.EncryptAsync(address, plaintext, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ProtocolException ex) when (ex.Code == ProtocolError.UntrustedIdentity)
                    {
                        throw IdentityChangedError(username, ex);
                    }
                    catch (ProtocolException ex) when (ex.Code == ProtocolError.SessionNotFound)
                    {
                        fetch.Add(deviceId);
                        continue;
                    }

                    messages.Add(new OutgoingMessage
                    {
                        Type = ciphertext.Type == CiphertextMessageType.PreKey ? EnvelopeType.PreKey : EnvelopeType.Whisper,
                        DestinationDeviceId = deviceId,
                        DestinationRegistrationId = (int)registrationId,
                        Content = ciphertext.Serialize(),
                    });
                }

                if (fetch.Count > 0)
                {
                    // Some sessions need new bundles first; nothing of this round is kept (no message key was spent
                    // on the wire, and the ratchet simply skips the spent keys).
                    continue;
                }

                if (entry is { Seq: 0 })
                {
                    entry = await tx.AddHistoryEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }

                // Committed before the ciphertext leaves: a message key is never used twice, even after a crash.
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var response = await api.SendMessagesAsync(username, new SendMessagesRequest { Timestamp = timestamp, Messages = messages }, cancellationToken).ConfigureAwait(false);
                return (response, messages.Count, entry);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 409 && ex.ServerCode == ProblemCodes.MismatchedDevices)
            {
                foreach (uint missing in ex.Problem?.MissingDevices ?? [])
                {
                    fetch.Add(missing);
                }

                await ForgetSessionsAsync(accountId, ex.Problem?.ExtraDevices, archiveOnly: false, cancellationToken).ConfigureAwait(false);
                Log.DeviceListCorrected(_logger, ex.Problem?.MissingDevices?.Count ?? 0, ex.Problem?.ExtraDevices?.Count ?? 0, 0);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 410 && ex.ServerCode == ProblemCodes.StaleDevices)
            {
                foreach (uint stale in ex.Problem?.StaleDevices ?? [])
                {
                    fetch.Add(stale);
                }

                await ForgetSessionsAsync(accountId, ex.Problem?.StaleDevices, archiveOnly: true, cancellationToken).ConfigureAwait(false);
                Log.DeviceListCorrected(_logger, 0, 0, ex.Problem?.StaleDevices?.Count ?? 0);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 404)
            {
                throw new SottoClientException(ClientError.UnknownUser, "There is no account with this username any more.", ex) { Username = username };
            }
        }

        throw new SottoClientException(ClientError.DeviceListUnstable, "The recipient's devices kept changing while sending; try again.") { Username = username };
    }

    /// <summary>
    /// Stale devices (re-created, 410) keep their record with the current session archived, so late messages from the
    /// old session still decrypt; removed devices (409 extra, 404) lose their record.
    /// </summary>
    private async Task ForgetSessionsAsync(string accountId, IReadOnlyList<uint>? devices, bool archiveOnly, CancellationToken cancellationToken)
    {
        if (devices is null || devices.Count == 0)
        {
            return;
        }

        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        foreach (uint deviceId in devices)
        {
            if (deviceId is < 1 or > DeviceId.MaxValue)
            {
                continue;
            }

            var address = new ProtocolAddress(accountId, deviceId);
            if (!archiveOnly)
            {
                await tx.DeleteSessionAsync(address, cancellationToken).ConfigureAwait(false);
            }
            else if (await tx.LoadSessionAsync(address, cancellationToken).ConfigureAwait(false) is { } record)
            {
                record.ArchiveCurrentState();
                await tx.StoreSessionAsync(address, record, cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches bundles (of every device when <paramref name="devices"/> is null) and starts sessions from them.</summary>
    private async Task FetchAndProcessBundlesAsync(Storage.LocalAccount account, Http.ServerApi api, string accountId, string username, bool self, IReadOnlyCollection<uint>? devices, CancellationToken cancellationToken)
    {
        var responses = new List<PreKeyBundleResponse>();
        try
        {
            if (devices is null)
            {
                responses.Add(await api.GetBundlesAsync(username, null, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                foreach (uint deviceId in devices)
                {
                    if (self && deviceId == account.DeviceId)
                    {
                        continue;
                    }

                    try
                    {
                        responses.Add(await api.GetBundlesAsync(username, deviceId, cancellationToken).ConfigureAwait(false));
                    }
                    catch (SottoClientException ex) when (ex.HttpStatus == 404)
                    {
                        // That device (or the account) is gone: stop addressing it. If the account is gone, the
                        // next send attempt reports it.
                        await ForgetSessionsAsync(accountId, [deviceId], archiveOnly: false, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (SottoClientException ex) when (ex.HttpStatus == 404 && devices is null)
        {
            throw new SottoClientException(ClientError.UnknownUser, "There is no account with this username.", ex) { Username = username };
        }

        foreach (var response in responses)
        {
            if (!string.Equals(AccountName(response.AccountId), accountId, StringComparison.Ordinal))
            {
                throw new SottoClientException(ClientError.BadServerResponse, "The server returned bundles of another account.");
            }

            IdentityKey identity;
            try
            {
                identity = IdentityKey.Deserialize(response.IdentityKey);
            }
            catch (ProtocolException ex)
            {
                throw new SottoClientException(ClientError.BadServerResponse, "The server returned a malformed identity key.", ex);
            }

            using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
            var cipher = Cipher(tx, account);
            foreach (var device in response.Devices)
            {
                if ((self && device.DeviceId == account.DeviceId) || device.DeviceId is 0 or > DeviceId.MaxValue)
                {
                    continue;
                }

                var address = new ProtocolAddress(accountId, device.DeviceId);
                try
                {
                    await cipher.ProcessPreKeyBundleAsync(address, ToBundle(identity, device), cancellationToken).ConfigureAwait(false);
                }
                catch (ProtocolException ex) when (ex.Code == ProtocolError.UntrustedIdentity)
                {
                    // Remember the new key (safety-number and trust show it); nothing else of this round is kept.
                    tx.Dispose();
                    await RecordSeenIdentityAsync(accountId, identity, cancellationToken).ConfigureAwait(false);
                    throw IdentityChangedError(username, ex);
                }
                catch (ProtocolException ex)
                {
                    throw new SottoClientException(ClientError.BadServerResponse, "The server returned an invalid prekey bundle.", ex);
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecordSeenIdentityAsync(string accountId, IdentityKey identity, CancellationToken cancellationToken)
    {
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.SaveSeenIdentityAsync(accountId, identity, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static PreKeyBundle ToBundle(IdentityKey identity, DevicePreKeyBundle device) => new(
        (uint)device.RegistrationId,
        new DeviceId(device.DeviceId),
        device.PreKey is null ? null : new PreKeyId(device.PreKey.KeyId),
        device.PreKey is null ? null : ECPublicKey.Deserialize(device.PreKey.PublicKey),
        new SignedPreKeyId(device.SignedPreKey.KeyId),
        ECPublicKey.Deserialize(device.SignedPreKey.PublicKey),
        device.SignedPreKey.Signature,
        identity,
        new KyberPreKeyId(device.PqPreKey.KeyId),
        KemPublicKey.Deserialize(device.PqPreKey.PublicKey),
        device.PqPreKey.Signature);

    private static SottoClientException IdentityChangedError(string username, Exception? inner = null) =>
        new(ClientError.IdentityChanged, "The user's safety number changed; compare it and accept the new one before sending.", inner) { Username = username };
}
