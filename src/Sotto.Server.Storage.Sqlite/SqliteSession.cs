using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// One open connection with a cache of prepared commands (Microsoft.Data.Sqlite prepares per command object, so
/// reusing the objects avoids re-parsing hot statements). A session is used by one thread at a time: the writer
/// owns one; readers rent them from <see cref="SqliteDatabase"/>.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _raw = new(StringComparer.Ordinal);

    public SqliteSession(SqliteConnection connection)
    {
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The transaction commands run in (set by the writer for the duration of a batch).</summary>
    public SqliteTransaction? Transaction { get; set; }

    /// <summary>A cached command for <paramref name="sql"/> with its parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        command.Transaction = Transaction;
        return command;
    }

    /// <summary>A cached <see cref="RawStatement"/> for <paramref name="sql"/> (positional parameters <c>?1</c>, <c>?2</c> …).</summary>
    public RawStatement Raw(string sql)
    {
        if (!_raw.TryGetValue(sql, out var statement))
        {
            statement = new RawStatement(Connection, sql);
            _raw.Add(sql, statement);
        }

        return statement;
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql);
        Bind(command, parameters);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql);
        Bind(command, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public SqliteDataReader Query(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql);
        Bind(command, parameters);
        return command.ExecuteReader();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        foreach (var statement in _raw.Values)
        {
            statement.Dispose();
        }

        _raw.Clear();
        Connection.Dispose();
    }

    private static void Bind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }
}

/// <summary>Conversions between store records and SQLite values.</summary>
internal static class Sql
{
    public static byte[] Id(Guid id) => id.ToByteArray(bigEndian: true);

    public static Guid Id(SqliteDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal), bigEndian: true);

    public static long Time(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(SqliteDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static byte[] Blob(SqliteDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    public static byte[]? NullableBlob(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal);

    public static uint UInt(SqliteDataReader reader, int ordinal) => checked((uint)reader.GetInt64(ordinal));
}
