namespace Sotto.Server.Storage.Sqlite;

/// <summary>How the SQLite provider opens its database. The host validates and supplies these.</summary>
public sealed record SqliteStorageSettings
{
    /// <summary>Path of the database file (created with its directory when missing).</summary>
    public required string DatabasePath { get; init; }

    /// <summary>
    /// <see cref="SqliteSynchronous.Full"/> (default) makes every commit durable against power loss as well as against
    /// a crash of the process; <see cref="SqliteSynchronous.Normal"/> in WAL mode is durable against a crash of the
    /// process (kill -9) but may lose the last commits on power loss or an OS crash.
    /// </summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Full;

    /// <summary>At most this many write operations share one transaction (group commit).</summary>
    public int MaxWriteBatch { get; init; } = 256;

    /// <summary>How long a statement waits for a lock held by another process before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

public enum SqliteSynchronous
{
    Normal = 1,
    Full = 2,
}
