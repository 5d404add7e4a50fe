using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

internal sealed class SqliteAttachmentStore(SqliteDatabase database) : IAttachmentStore
{
    private const string Columns = "id, account_id, size, created, deadline";

    public ValueTask<bool> TryCreateAsync(AttachmentRecord attachment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return database.WriteAsync(session =>
        {
            if (session.Scalar("SELECT 1 FROM attachments WHERE id = $id;", ("$id", attachment.Id)) is not null)
            {
                return false;
            }

            session.Execute(
                "INSERT INTO attachments (id, account_id, size, created, deadline) VALUES ($id, $account, $size, $created, $deadline);",
                ("$id", attachment.Id), ("$account", Sql.Id(attachment.AccountId)), ("$size", attachment.Size),
                ("$created", Sql.Time(attachment.Created)), ("$deadline", Sql.Time(attachment.Deadline)));
            return true;
        }, cancellationToken);
    }

    public ValueTask<AttachmentRecord?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return database.ReadAsync(session =>
        {
            using var reader = session.Query(
                $"SELECT {Columns} FROM attachments WHERE id = $id AND deadline > $now;", ("$id", id), ("$now", Sql.Time(now)));
            return reader.Read() ? Read(reader) : null;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<AttachmentRecord>> FindExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return database.ReadAsync<IReadOnlyList<AttachmentRecord>>(session =>
        {
            using var reader = session.Query(
                $"SELECT {Columns} FROM attachments WHERE deadline <= $now ORDER BY deadline LIMIT $limit;",
                ("$now", Sql.Time(now)), ("$limit", (long)limit));
            var expired = new List<AttachmentRecord>();
            while (reader.Read())
            {
                expired.Add(Read(reader));
            }

            return expired;
        }, cancellationToken);
    }

    public ValueTask<int> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return ValueTask.FromResult(0);
        }

        return database.WriteAsync(session =>
        {
            int deleted = 0;
            foreach (var id in ids)
            {
                deleted += session.Execute("DELETE FROM attachments WHERE id = $id;", ("$id", id));
            }

            return deleted;
        }, cancellationToken);
    }

    private static AttachmentRecord Read(SqliteDataReader reader) =>
        new(reader.GetString(0), Sql.Id(reader, 1), reader.GetInt64(2), Sql.Time(reader, 3), Sql.Time(reader, 4));
}
