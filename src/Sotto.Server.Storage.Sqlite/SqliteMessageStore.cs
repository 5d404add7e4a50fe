using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// Envelope queues in one WITHOUT ROWID table keyed by (account, device, seq) (schema migration 4): <c>seq</c> is the
/// device's own counter (<c>devices.last_envelope_seq</c>), so <see cref="StoredEnvelope.Sequence"/> and
/// <see cref="StoredEnvelope.DeviceSequence"/> are the same number here, and a device's queue is a range of the key.
/// </summary>
internal sealed class SqliteMessageStore(SqliteDatabase database) : IMessageStore
{
    // The statements every message runs go through RawStatement (positional parameters).
    private const string NextSequence =
        "UPDATE devices SET last_envelope_seq = last_envelope_seq + 1 WHERE account_id = ?1 AND device_id = ?2 AND registration_id = ?3 RETURNING last_envelope_seq;";

    private const string GiveBackSequence =
        "UPDATE devices SET last_envelope_seq = last_envelope_seq - 1 WHERE account_id = ?1 AND device_id = ?2;";

    private const string Insert =
        """
        INSERT INTO envelopes (account_id, device_id, seq, id, type, source_account_id, source_username, source_device_id,
                               client_timestamp, server_timestamp, deadline, content)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);
        """;

    private const string DeleteByKey = "DELETE FROM envelopes WHERE account_id = ?1 AND device_id = ?2 AND seq = ?3 AND id = ?4;";

    public ValueTask<IReadOnlyList<StoredEnvelope>?> InsertAsync(IReadOnlyList<NewEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        return database.WriteAsync<IReadOnlyList<StoredEnvelope>?>(session =>
        {
            // Number every envelope first: the conditional UPDATE both checks the destination (it exists and has the
            // registration id the sender saw) and takes its next sequence. A refusal gives the numbers taken so far back
            // before anything is inserted, so it changes nothing and consumes no number.
            var sequences = new long[envelopes.Count];
            var next = session.Raw(NextSequence);
            for (int i = 0; i < envelopes.Count; i++)
            {
                var e = envelopes[i];
                if (next.Bind(1, e.Destination.AccountId).Bind(2, e.Destination.DeviceId).Bind(3, e.DestinationRegistrationId).ScalarInt64() is not { } sequence)
                {
                    var giveBack = session.Raw(GiveBackSequence);
                    for (int j = i - 1; j >= 0; j--)
                    {
                        giveBack.Bind(1, envelopes[j].Destination.AccountId).Bind(2, envelopes[j].Destination.DeviceId).Execute();
                    }

                    return null;
                }

                sequences[i] = sequence;
            }

            var stored = new StoredEnvelope[envelopes.Count];
            var insert = session.Raw(Insert);
            for (int i = 0; i < envelopes.Count; i++)
            {
                var e = envelopes[i];
                insert.Bind(1, e.Destination.AccountId).Bind(2, e.Destination.DeviceId).Bind(3, sequences[i])
                    .Bind(4, e.Id).Bind(5, e.Type).Bind(6, e.SourceAccountId).Bind(7, e.SourceUsername).Bind(8, e.SourceDeviceId)
                    .Bind(9, e.ClientTimestamp).Bind(10, Sql.Time(e.ServerTimestamp)).Bind(11, Sql.Time(e.Deadline)).Bind(12, e.Content)
                    .Execute();
                stored[i] = new StoredEnvelope(
                    sequences[i], sequences[i], e.Id, e.Destination, e.Type, e.SourceAccountId, e.SourceUsername, e.SourceDeviceId,
                    e.ClientTimestamp, Trim(e.ServerTimestamp), Trim(e.Deadline), e.Content);
            }

            return stored;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<StoredEnvelope>> ReadAsync(DeviceAddress device, long afterSequence, int limit, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return database.ReadAsync<IReadOnlyList<StoredEnvelope>>(session =>
        {
            using var reader = session.Query(
                """
                SELECT seq, id, type, source_account_id, source_username, source_device_id, client_timestamp, server_timestamp, deadline, content
                FROM envelopes
                WHERE account_id = $account AND device_id = $device AND seq > $after AND deadline > $now
                ORDER BY seq
                LIMIT $limit;
                """,
                ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId), ("$after", afterSequence),
                ("$now", Sql.Time(now)), ("$limit", (long)limit));
            var envelopes = new List<StoredEnvelope>();
            while (reader.Read())
            {
                envelopes.Add(Read(reader, device));
            }

            return envelopes;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteAsync(DeviceAddress device, IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return ValueTask.FromResult(0);
        }

        // Without the sequence the id is looked for among the device's envelopes (the id is not indexed): fine for the
        // rare acknowledgement of an envelope the connection did not push itself.
        return database.WriteAsync(session =>
        {
            var account = Sql.Id(device.AccountId);
            int deleted = 0;
            foreach (var id in ids)
            {
                deleted += session.Execute(
                    "DELETE FROM envelopes WHERE account_id = $account AND device_id = $device AND id = $id;",
                    ("$account", account), ("$device", (long)device.DeviceId), ("$id", Sql.Id(id)));
            }

            return deleted;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteAsync(DeviceAddress device, IReadOnlyList<EnvelopeKey> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        if (envelopes.Count == 0)
        {
            return ValueTask.FromResult(0);
        }

        return database.WriteAsync(session =>
        {
            var delete = session.Raw(DeleteByKey);
            int deleted = 0;
            foreach (var envelope in envelopes)
            {
                deleted += delete.Bind(1, device.AccountId).Bind(2, device.DeviceId).Bind(3, envelope.Sequence).Bind(4, envelope.Id).Execute();
            }

            return deleted;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteAsync(IReadOnlyList<AcknowledgedEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        if (envelopes.Count == 0)
        {
            return ValueTask.FromResult(0);
        }

        return database.WriteAsync(session =>
        {
            var delete = session.Raw(DeleteByKey);
            int deleted = 0;
            foreach (var (device, key) in envelopes)
            {
                deleted += delete.Bind(1, device.AccountId).Bind(2, device.DeviceId).Bind(3, key.Sequence).Bind(4, key.Id).Execute();
            }

            return deleted;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return database.WriteAsync(session => session.Execute(
            """
            DELETE FROM envelopes WHERE (account_id, device_id, seq) IN
                (SELECT account_id, device_id, seq FROM envelopes WHERE deadline <= $now ORDER BY deadline LIMIT $limit);
            """,
            ("$now", Sql.Time(now)), ("$limit", (long)limit)), cancellationToken);
    }

    public ValueTask<long> CountAsync(DeviceAddress device, CancellationToken cancellationToken = default) =>
        database.ReadAsync(session => (long)session.Scalar(
            "SELECT count(*) FROM envelopes WHERE account_id = $account AND device_id = $device;",
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId))!, cancellationToken);

    private static DateTimeOffset Trim(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static StoredEnvelope Read(SqliteDataReader reader, DeviceAddress device)
    {
        long sequence = reader.GetInt64(0);
        return new(
            sequence,
            sequence,
            Sql.Id(reader, 1),
            device,
            checked((int)reader.GetInt64(2)),
            Sql.Id(reader, 3),
            reader.GetString(4),
            Sql.UInt(reader, 5),
            reader.GetInt64(6),
            Sql.Time(reader, 7),
            Sql.Time(reader, 8),
            Sql.Blob(reader, 9));
    }
}
