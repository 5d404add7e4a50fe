using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

internal sealed class SqliteMessageStore(SqliteDatabase database) : IMessageStore
{
    public ValueTask<IReadOnlyList<StoredEnvelope>?> InsertAsync(IReadOnlyList<NewEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        return database.WriteAsync<IReadOnlyList<StoredEnvelope>?>(session =>
        {
            // Check every destination first so that a refusal changes nothing.
            foreach (var envelope in envelopes)
            {
                var registration = session.Scalar(
                    "SELECT registration_id FROM devices WHERE account_id = $account AND device_id = $device;",
                    ("$account", Sql.Id(envelope.Destination.AccountId)), ("$device", (long)envelope.Destination.DeviceId));
                if (registration is not long current || current != envelope.DestinationRegistrationId)
                {
                    return null;
                }
            }

            var stored = new List<StoredEnvelope>(envelopes.Count);
            foreach (var e in envelopes)
            {
                var deviceSequence = (long)session.Scalar(
                    "UPDATE devices SET last_envelope_seq = last_envelope_seq + 1 WHERE account_id = $account AND device_id = $device RETURNING last_envelope_seq;",
                    ("$account", Sql.Id(e.Destination.AccountId)), ("$device", (long)e.Destination.DeviceId))!;
                var sequence = (long)session.Scalar(
                    """
                    INSERT INTO envelopes (id, account_id, device_id, type, source_account_id, source_username, source_device_id,
                                           client_timestamp, server_timestamp, deadline, content, device_seq)
                    VALUES ($id, $account, $device, $type, $source_account, $source_username, $source_device,
                            $client_timestamp, $server_timestamp, $deadline, $content, $device_seq)
                    RETURNING seq;
                    """,
                    ("$device_seq", deviceSequence),
                    ("$id", Sql.Id(e.Id)), ("$account", Sql.Id(e.Destination.AccountId)), ("$device", (long)e.Destination.DeviceId),
                    ("$type", (long)e.Type), ("$source_account", Sql.Id(e.SourceAccountId)), ("$source_username", e.SourceUsername),
                    ("$source_device", (long)e.SourceDeviceId), ("$client_timestamp", e.ClientTimestamp),
                    ("$server_timestamp", Sql.Time(e.ServerTimestamp)), ("$deadline", Sql.Time(e.Deadline)), ("$content", e.Content))!;
                stored.Add(new StoredEnvelope(
                    sequence, deviceSequence, e.Id, e.Destination, e.Type, e.SourceAccountId, e.SourceUsername, e.SourceDeviceId,
                    e.ClientTimestamp, Trim(e.ServerTimestamp), Trim(e.Deadline), e.Content));
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
                SELECT seq, id, type, source_account_id, source_username, source_device_id, client_timestamp, server_timestamp, deadline, content, device_seq
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

        return database.WriteAsync(session =>
        {
            var account = Sql.Id(device.AccountId);
            int deleted = 0;
            foreach (var id in ids)
            {
                deleted += session.Execute(
                    "DELETE FROM envelopes WHERE id = $id AND account_id = $account AND device_id = $device;",
                    ("$id", Sql.Id(id)), ("$account", account), ("$device", (long)device.DeviceId));
            }

            return deleted;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return database.WriteAsync(session => session.Execute(
            "DELETE FROM envelopes WHERE seq IN (SELECT seq FROM envelopes WHERE deadline <= $now ORDER BY deadline LIMIT $limit);",
            ("$now", Sql.Time(now)), ("$limit", (long)limit)), cancellationToken);
    }

    public ValueTask<long> CountAsync(DeviceAddress device, CancellationToken cancellationToken = default) =>
        database.ReadAsync(session => (long)session.Scalar(
            "SELECT count(*) FROM envelopes WHERE account_id = $account AND device_id = $device;",
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId))!, cancellationToken);

    private static DateTimeOffset Trim(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static StoredEnvelope Read(SqliteDataReader reader, DeviceAddress device) =>
        new(
            reader.GetInt64(0),
            reader.GetInt64(10),
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
