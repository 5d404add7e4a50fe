using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sotto.Client.Storage.Sqlite;

/// <summary>
/// A profile's state in one SQLite file (<c>sotto.db</c> in the profile directory): the <see cref="IClientStore"/>
/// of Sotto.Client. One connection; each unit of work is one <c>BEGIN IMMEDIATE</c> … <c>COMMIT</c> transaction, so
/// units of work of this process and of other processes on the same profile are serialized by SQLite itself.
/// </summary>
/// <remarks>
/// The file holds the identity private key, device password, sessions and history: it is created with mode 0600
/// (SQLite gives its <c>-wal</c> and <c>-shm</c> files the same mode) inside a 0700 profile directory.
/// <c>journal_mode=WAL</c>, <c>synchronous=FULL</c> (a committed envelope survives power loss before it is
/// acknowledged), <c>secure_delete=ON</c> (deleted rows are overwritten, which disappearing messages rely on).
/// </remarks>
public sealed class SqliteClientStore : IClientStore
{
    public const string FileName = "sotto.db";

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private int _disposed;

    private SqliteClientStore(SqliteConnection connection, TimeProvider time, string path)
    {
        _connection = connection;
        _time = time;
        DatabasePath = path;
    }

    public string DatabasePath { get; }

    /// <summary>The schema version this code writes.</summary>
    public static int SchemaVersion => Schema.Migrations.Length;

    /// <summary>Opens (creating when missing) <c>sotto.db</c> in <paramref name="profileDirectory"/> and migrates it.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer client, or cannot be opened.</exception>
    public static SqliteClientStore Open(string profileDirectory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileDirectory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Directory.CreateDirectory(profileDirectory);
        var path = Path.Combine(profileDirectory, FileName);
        CreatePrivateFile(path);

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = FULL;");
            Execute(connection, "PRAGMA secure_delete = ON;");
            Execute(connection, "PRAGMA foreign_keys = ON;");
            Migrate(connection);
            return new SqliteClientStore(connection, timeProvider, path);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException("Cannot open the profile database (SQLite error " + ex.SqliteErrorCode.ToString(CultureInfo.InvariantCulture) + ").", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async ValueTask<IClientTransaction> BeginAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = _connection.BeginTransaction(deferred: false);
            return new SqliteClientTransaction(_connection, transaction, _time, _gate);
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    public async ValueTask<bool> PurgeDeletedContentAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // secure_delete already zeroed the deleted rows in the pages; the WAL still holds older page images.
            return CheckpointAndTruncate(_connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    /// <summary>True when the WAL was checkpointed completely and truncated to zero bytes.</summary>
    private static bool CheckpointAndTruncate(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        using var reader = command.ExecuteReader();
        return reader.Read() && reader.GetInt64(0) == 0;
    }

    private static void CreatePrivateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        long version;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "PRAGMA user_version;";
            version = (long)command.ExecuteScalar()!;
        }

        if (version > Schema.Migrations.Length)
        {
            throw new InvalidOperationException("The profile database was written by a newer version of Sotto.");
        }

        for (long i = version; i < Schema.Migrations.Length; i++)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Schema.Migrations[i] + $"\nPRAGMA user_version = {i + 1};";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
