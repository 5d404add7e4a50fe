namespace Sotto.Server.Storage.Sqlite;

internal sealed class SqliteLinkRequestStore(SqliteDatabase database) : ILinkRequestStore
{
    private const string Columns = "code, token_hash, public_key, created, expires, account_id, approved_by, provisioning_message, approved";

    public ValueTask<bool> TryCreateAsync(LinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return database.WriteAsync(session =>
        {
            // An expired request with the same code is dead: make room for the new one.
            session.Execute("DELETE FROM link_requests WHERE code = $code AND expires <= $now;", ("$code", request.Code), ("$now", Sql.Time(request.Created)));
            return session.Execute(
                """
                INSERT OR IGNORE INTO link_requests (code, token_hash, public_key, created, expires)
                VALUES ($code, $token, $public, $created, $expires);
                """,
                ("$code", request.Code), ("$token", request.TokenHash), ("$public", request.PublicKey),
                ("$created", Sql.Time(request.Created)), ("$expires", Sql.Time(request.Expires))) == 1;
        }, cancellationToken);
    }

    public ValueTask<LinkRequest?> FindAsync(string code, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        return database.ReadAsync(session => Find(session, code, now), cancellationToken);
    }

    public ValueTask<LinkApprovalOutcome> TryApproveAsync(string code, LinkApproval approval, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(approval);
        return database.WriteAsync(session =>
        {
            var request = Find(session, code, now);
            if (request is null)
            {
                return LinkApprovalOutcome.NotFound;
            }

            if (request.Approval is not null)
            {
                return LinkApprovalOutcome.AlreadyApproved;
            }

            session.Execute(
                "UPDATE link_requests SET account_id = $account, approved_by = $by, provisioning_message = $message, approved = $approved WHERE code = $code;",
                ("$account", Sql.Id(approval.AccountId)), ("$by", (long)approval.ApprovedBy), ("$message", approval.ProvisioningMessage),
                ("$approved", Sql.Time(approval.Approved)), ("$code", code));
            return LinkApprovalOutcome.Approved;
        }, cancellationToken);
    }

    public async ValueTask<LinkCompletion> TryCompleteAsync(string code, NewDevice device, PreKeyUpdate keys, int maxDevices, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDevices, 1);
        var completion = await database.WriteAsync(session =>
        {
            var request = Find(session, code, now);
            if (request is null)
            {
                return new LinkCompletion(LinkCompletionStatus.NotFound, default);
            }

            if (request.Approval is not { } approval)
            {
                return new LinkCompletion(LinkCompletionStatus.NotApproved, default);
            }

            var used = new SortedSet<uint>();
            using (var reader = session.Query("SELECT device_id FROM devices WHERE account_id = $account;", ("$account", Sql.Id(approval.AccountId))))
            {
                while (reader.Read())
                {
                    used.Add(Sql.UInt(reader, 0));
                }
            }

            if (used.Count == 0)
            {
                // The approving account was deleted meanwhile.
                session.Execute("DELETE FROM link_requests WHERE code = $code;", ("$code", code));
                return new LinkCompletion(LinkCompletionStatus.NotFound, default);
            }

            if (used.Count >= maxDevices)
            {
                return new LinkCompletion(LinkCompletionStatus.DeviceLimitReached, default);
            }

            uint id = 2;
            while (used.Contains(id))
            {
                id++;
            }

            var address = new DeviceAddress(approval.AccountId, id);
            SqliteAccountStore.InsertDevice(session, address, device);
            KeyRows.Apply(session, address, keys);
            session.Execute("DELETE FROM link_requests WHERE code = $code;", ("$code", code));
            return new LinkCompletion(LinkCompletionStatus.Completed, address);
        }, cancellationToken).ConfigureAwait(false);
        if (completion.Status == LinkCompletionStatus.Completed)
        {
            database.KnownAccounts.Invalidate();
        }

        return completion;
    }

    public ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            session => session.Execute("DELETE FROM link_requests WHERE expires <= $now;", ("$now", Sql.Time(now))),
            cancellationToken);

    private static LinkRequest? Find(SqliteSession session, string code, DateTimeOffset now)
    {
        using var reader = session.Query($"SELECT {Columns} FROM link_requests WHERE code = $code AND expires > $now;", ("$code", code), ("$now", Sql.Time(now)));
        if (!reader.Read())
        {
            return null;
        }

        LinkApproval? approval = reader.IsDBNull(5)
            ? null
            : new LinkApproval(Sql.Id(reader, 5), Sql.UInt(reader, 6), Sql.Blob(reader, 7), Sql.Time(reader, 8));
        return new LinkRequest(reader.GetString(0), Sql.Blob(reader, 1), Sql.Blob(reader, 2), Sql.Time(reader, 3), Sql.Time(reader, 4), approval);
    }
}
