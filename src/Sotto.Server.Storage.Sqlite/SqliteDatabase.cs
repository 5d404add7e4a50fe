using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// One SQLite database file: opens it in WAL mode, applies the migrations in <see cref="Schema"/>, owns the single
/// <see cref="SqliteWriter"/> and a pool of read sessions, and hands out the stores.
/// </summary>
/// <remarks>
/// Durability: <c>journal_mode=WAL</c> and, by default, <c>synchronous=FULL</c>: a commit returns only after the WAL
/// is fsynced, so an acknowledged send survives kill -9 and power loss. <see cref="SqliteSynchronous.Normal"/> skips
/// that fsync; WAL then still survives kill -9 (committed frames are in the OS page cache) but not power loss.
/// Group commit in the writer amortises the fsync over concurrent writes. <c>secure_delete=FAST</c> overwrites
/// deleted envelope content where that costs no extra I/O.
/// </remarks>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteWriter _writer;
    private readonly SqliteSession _writerSession;
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly int _maxIdleReaders = 64;
    private int _disposed;

    private SqliteDatabase(string connectionString, SqliteSession writerSession, int maxBatch)
    {
        _connectionString = connectionString;
        _writerSession = writerSession;
        _writer = new SqliteWriter(writerSession, maxBatch);
        Accounts = new SqliteAccountStore(this);
        PreKeys = new SqlitePreKeyStore(this);
        Messages = new SqliteMessageStore(this);
        LinkRequests = new SqliteLinkRequestStore(this);
        Attachments = new SqliteAttachmentStore(this);
    }

    public IAccountStore Accounts { get; }

    public IPreKeyStore PreKeys { get; }

    public IMessageStore Messages { get; }

    public ILinkRequestStore LinkRequests { get; }

    public IAttachmentStore Attachments { get; }

    /// <summary>The in-memory view of accounts and devices the stores share (see <see cref="AccountDirectory"/>).</summary>
    internal AccountDirectory KnownAccounts { get; } = new();

    /// <summary>The schema version this code writes (the number of migrations).</summary>
    public static int SchemaVersion => Schema.Migrations.Length;

    /// <summary>
    /// Opens (creating when missing) and migrates the database. Throws <see cref="StorageException"/> when the file
    /// cannot be opened or was written by a newer server.
    /// </summary>
    public static SqliteDatabase Open(SqliteStorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(settings.DatabasePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxWriteBatch, 1);

        var path = Path.GetFullPath(settings.DatabasePath);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(settings.BusyTimeout.TotalSeconds),
        }.ToString();

        SqliteSession? writer = null;
        try
        {
            writer = new SqliteSession(new SqliteConnection(connectionString));
            writer.Connection.Open();
            writer.Execute("PRAGMA journal_mode = WAL;");
            writer.Execute(settings.Synchronous == SqliteSynchronous.Full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            writer.Execute("PRAGMA foreign_keys = ON;");
            writer.Execute("PRAGMA secure_delete = FAST;");
            Migrate(writer);
            return new SqliteDatabase(connectionString, writer, settings.MaxWriteBatch);
        }
        catch (SqliteException ex)
        {
            writer?.Dispose();
            throw new StorageException("Cannot open the SQLite database (error " + ex.SqliteErrorCode.ToString(CultureInfo.InvariantCulture) + ").", isTransient: false, ex);
        }
        catch
        {
            writer?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writer.Dispose();
        _writerSession.Dispose();
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    internal ValueTask<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken) =>
        new(_writer.WriteAsync(work, cancellationToken));

    /// <summary>
    /// Runs a read on a pooled read session. Reads are synchronous (SQLite has no asynchronous I/O; Microsoft.Data.Sqlite's
    /// async methods are synchronous too) and never block on the writer in WAL mode.
    /// </summary>
    internal ValueTask<T> ReadAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        SqliteSession session;
        try
        {
            session = RentReader();
        }
        catch (SqliteException ex)
        {
            return ValueTask.FromException<T>(new StorageException("Cannot open a read connection.", isTransient: true, ex));
        }

        try
        {
            var result = work(session);
            ReturnReader(session);
            return ValueTask.FromResult(result);
        }
        catch (SqliteException ex)
        {
            session.Dispose();
            return ValueTask.FromException<T>(new StorageException(
                "SQLite error " + ex.SqliteErrorCode.ToString(CultureInfo.InvariantCulture) + ".", isTransient: ex.SqliteErrorCode is 5 or 6 or 10, ex));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private SqliteSession RentReader()
    {
        if (_readers.TryTake(out var session))
        {
            return session;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            var created = new SqliteSession(connection);
            created.Execute("PRAGMA foreign_keys = ON;");
            created.Execute("PRAGMA query_only = ON;");
            return created;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void ReturnReader(SqliteSession session)
    {
        if (Volatile.Read(ref _disposed) == 0 && _readers.Count < _maxIdleReaders)
        {
            _readers.Add(session);
            return;
        }

        session.Dispose();
    }

    private static void Migrate(SqliteSession session)
    {
        var version = Convert.ToInt32(session.Scalar("PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > Schema.Migrations.Length)
        {
            throw new StorageException(
                $"The database has schema version {version} but this server knows only up to {Schema.Migrations.Length}; it was written by a newer server.",
                isTransient: false);
        }

        for (int next = version; next < Schema.Migrations.Length; next++)
        {
            using var transaction = session.Connection.BeginTransaction(deferred: false);
            session.Transaction = transaction;
            using (var command = session.Connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Schema.Migrations[next];
                command.ExecuteNonQuery();
                command.CommandText = "PRAGMA user_version = " + (next + 1).ToString(CultureInfo.InvariantCulture) + ";";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            session.Transaction = null;
        }
    }
}
