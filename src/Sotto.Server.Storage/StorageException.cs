namespace Sotto.Server.Storage;

/// <summary>
/// A storage provider failed (I/O error, disk full, database locked past its timeout, shutting down). Nothing the
/// failed call was asked to write was committed. Transience is a property of the exception, as in npgsql's
/// <c>NpgsqlException.IsTransient</c>: a transient failure may succeed when retried.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public StorageException()
        : this("Storage failed.", isTransient: false)
    {
    }

    public StorageException(string message)
        : this(message, isTransient: false)
    {
    }

    public StorageException(string message, Exception innerException)
        : this(message, isTransient: false, innerException)
    {
    }

    public bool IsTransient { get; }
}
