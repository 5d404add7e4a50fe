using Sotto.Protocol;
using Sotto.Wire;

namespace Sotto.Client;

// Safety numbers, trust and history (docs/client.md, "Identity and trust").
public sealed partial class SottoClient
{
    /// <summary>
    /// The safety number of this account and <paramref name="username"/>'s current identity key (as the server
    /// publishes it): 60 digits both users see alike when no one is in the middle. Records the key as seen; the
    /// first key ever seen for a user is trusted (trust on first use).
    /// </summary>
    public async Task<SafetyNumber> GetSafetyNumberAsync(string username, CancellationToken cancellationToken = default)
    {
        username = NormalizeUsername(username);
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var (accountId, identity) = await FetchIdentityAsync(api, username, cancellationToken).ConfigureAwait(false);
        bool trusted;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.SaveRecipientAsync(accountId, username, cancellationToken).ConfigureAwait(false);
            var recipient = await tx.GetRecipientAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (recipient?.TrustedIdentity is null)
            {
                await tx.TrustIdentityAsync(accountId, identity, cancellationToken).ConfigureAwait(false);
                trusted = true;
            }
            else
            {
                if (!identity.Equals(recipient.CurrentIdentity))
                {
                    await tx.SaveSeenIdentityAsync(accountId, identity, cancellationToken).ConfigureAwait(false);
                }

                trusted = identity.Equals(recipient.TrustedIdentity);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        using var own = IdentityKeyPair.Deserialize(account.IdentityKeyPair);
        var fingerprint = Fingerprint.ForServiceIds(
            ServiceId.Parse(AccountName(account.AccountId)), own.IdentityKey, ServiceId.Parse(accountId), identity);
        return new SafetyNumber(username, fingerprint.DisplayString, trusted);
    }

    /// <summary>
    /// Accepts <paramref name="username"/>'s current identity key (after the user compared safety numbers): sending
    /// to them works again. Sessions made with an older key are dropped; new ones start from fresh bundles.
    /// </summary>
    public async Task TrustAsync(string username, CancellationToken cancellationToken = default)
    {
        username = NormalizeUsername(username);
        var (_, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var (accountId, identity) = await FetchIdentityAsync(api, username, cancellationToken).ConfigureAwait(false);
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.SaveRecipientAsync(accountId, username, cancellationToken).ConfigureAwait(false);
        await tx.TrustIdentityAsync(accountId, identity, cancellationToken).ConfigureAwait(false);
        foreach (uint deviceId in await tx.GetSessionDeviceIdsAsync(accountId, cancellationToken).ConfigureAwait(false))
        {
            var address = new ProtocolAddress(accountId, deviceId);
            var record = await tx.LoadSessionAsync(address, cancellationToken).ConfigureAwait(false);
            if (record?.RemoteIdentityKey is { } key && !key.Equals(identity))
            {
                await tx.DeleteSessionAsync(address, cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The conversation with <paramref name="username"/> as stored on this device, oldest first (expired messages are
    /// deleted first). Showing it to the user counts as seeing it: call <see cref="MarkSeenAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<HistoryItem>> GetHistoryAsync(string username, CancellationToken cancellationToken = default)
    {
        username = NormalizeUsername(username);
        var (account, _) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        await DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        using var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is not { } recipient)
        {
            return [];
        }

        var entries = await tx.GetHistoryAsync(recipient.AccountId, cancellationToken).ConfigureAwait(false);
        var reactions = (await tx.GetReactionsAsync(recipient.AccountId, cancellationToken).ConfigureAwait(false)).ToLookup(r => r.MessageId);
        string ownId = AccountName(account.AccountId);
        string Name(string accountId) => accountId == ownId ? account.Username : username;
        return [.. entries.Select(e => new HistoryItem(
            username,
            e.MessageId,
            e.Kind,
            Name(e.Author),
            e.AuthorDevice,
            e.Outgoing,
            e.SentAt,
            e.ReceivedAt,
            e.Text,
            e.Status,
            e.ExpireTimerSeconds == 0 ? null : e.ExpireTimerSeconds)
        {
            ExpiresAt = e.ExpiresAt,
            ReplyTo = e.QuoteId,
            EditedAt = e.EditedAt,
            Deleted = e.Deleted,
            Reactions = [.. reactions[e.MessageId].Select(r => (Name(r.Reactor), r.Emoji))],
        })];
    }

    private static async Task<(string AccountId, IdentityKey Identity)> FetchIdentityAsync(Http.ServerApi api, string username, CancellationToken cancellationToken)
    {
        AccountResponse response;
        try
        {
            response = await api.GetAccountAsync(username, cancellationToken).ConfigureAwait(false);
        }
        catch (SottoClientException ex) when (ex.HttpStatus == 404)
        {
            throw new SottoClientException(ClientError.UnknownUser, "There is no account with this username.", ex) { Username = username };
        }

        try
        {
            return (AccountName(response.AccountId), IdentityKey.Deserialize(response.IdentityKey));
        }
        catch (ProtocolException ex)
        {
            throw new SottoClientException(ClientError.BadServerResponse, "The server returned a malformed identity key.", ex);
        }
    }
}
