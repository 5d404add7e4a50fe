using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// The single writer of a database, with group commit. Every write is a synchronous operation queued here; one thread
/// runs queued operations in batches, each batch in one transaction and each operation inside its own savepoint, then
/// commits (one fsync for the whole batch with synchronous=FULL) and only then completes the callers' tasks.
/// </summary>
/// <remarks>
/// <code>
///   callers ──WriteAsync──► queue ──► writer thread: BEGIN IMMEDIATE; run each op; COMMIT
///                                      ──► complete tasks (results, or the op's exception)
///                                      an op threw? ROLLBACK, then run each op in its own transaction
/// </code>
/// A task completes successfully only after its changes are committed, which is what lets the server acknowledge a
/// send only after commit. If the commit itself fails, every operation of the batch fails with a
/// <see cref="StorageException"/> and nothing of it is visible. One writer also makes each operation's reads and
/// writes atomic with respect to every other write (check-then-insert needs no retry logic), and makes commit order
/// equal sequence order for envelopes.
/// </remarks>
internal sealed class SqliteWriter : IDisposable
{
    private readonly BlockingCollection<Operation> _queue = new();
    private readonly SqliteSession _session;
    private readonly int _maxBatch;
    private readonly Thread _thread;
    private readonly List<Operation> _batch = [];

    public SqliteWriter(SqliteSession session, int maxBatch)
    {
        _session = session;
        _maxBatch = maxBatch;
        _thread = new Thread(Run) { IsBackground = true, Name = "sotto-sqlite-writer" };
        _thread.Start();
    }

    public Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var operation = new Operation<T>(work, cancellationToken);
        try
        {
            if (!_queue.TryAdd(operation))
            {
                return Task.FromException<T>(ShuttingDown());
            }
        }
        catch (InvalidOperationException)
        {
            return Task.FromException<T>(ShuttingDown());
        }

        return operation.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private static StorageException ShuttingDown() => new("The database is closing.", isTransient: true);

    private void Run()
    {
        while (_queue.TryTake(out var first, Timeout.Infinite))
        {
            _batch.Add(first);
            while (_batch.Count < _maxBatch && _queue.TryTake(out var next))
            {
                _batch.Add(next);
            }

            RunBatch();
            _batch.Clear();
        }
    }

    private void RunBatch()
    {
        var live = new List<Operation>(_batch.Count);
        foreach (var operation in _batch)
        {
            if (operation.CancellationToken.IsCancellationRequested)
            {
                operation.Cancelled = true;
            }
            else
            {
                live.Add(operation);
            }
        }

        if (live.Count > 0 && !TryRun(live))
        {
            // One operation threw (a bug or a constraint), so the whole transaction was rolled back. Run each
            // operation alone: the faulty one fails by itself, the others commit.
            foreach (var operation in live)
            {
                TryRun([operation]);
            }
        }

        foreach (var operation in _batch)
        {
            operation.Complete();
        }
    }

    /// <summary>
    /// Runs <paramref name="operations"/> in one transaction. False when an operation threw and there were several
    /// (everything rolled back, nothing recorded); otherwise true, with each operation's result or error recorded.
    /// BEGIN/COMMIT go through the session's prepared commands: re-preparing them per batch was a measurable cost.
    /// </summary>
    private bool TryRun(List<Operation> operations)
    {
        try
        {
            _session.Execute("BEGIN IMMEDIATE;");
        }
        catch (Exception ex)
        {
            Fail(operations, ex);
            return true;
        }

        foreach (var operation in operations)
        {
            try
            {
                operation.Execute(_session);
            }
            catch (Exception ex)
            {
                Rollback();
                if (operations.Count > 1)
                {
                    return false;
                }

                operation.Error = ex is SqliteException sqlite ? Wrap(sqlite) : ex;
                return true;
            }
        }

        try
        {
            _session.Execute("COMMIT;");
        }
        catch (Exception ex)
        {
            // COMMIT failed (or SQLite aborted the transaction): nothing of it is committed.
            Rollback();
            Fail(operations, ex);
        }

        return true;
    }

    private void Rollback()
    {
        try
        {
            _session.Execute("ROLLBACK;");
        }
        catch (SqliteException)
        {
            // No transaction is active any more (SQLite rolls back by itself on some errors).
        }
    }

    private static void Fail(List<Operation> operations, Exception ex)
    {
        var failure = ex as StorageException ?? (ex is SqliteException sqlite ? Wrap(sqlite) : new StorageException("The transaction failed.", isTransient: false, ex));
        foreach (var operation in operations)
        {
            operation.Error = failure;
        }
    }

    private static StorageException Wrap(SqliteException ex) => new(
        "SQLite error " + ex.SqliteErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".",
        isTransient: ex.SqliteErrorCode is 5 /* BUSY */ or 6 /* LOCKED */ or 10 /* IOERR */ or 13 /* FULL */,
        ex);

    private abstract class Operation(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public bool Cancelled { get; set; }

        public Exception? Error { get; set; }

        public abstract void Execute(SqliteSession session);

        public abstract void Complete();
    }

    private sealed class Operation<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken) : Operation(cancellationToken)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override void Execute(SqliteSession session) => _result = work(session);

        public override void Complete()
        {
            if (Error is not null)
            {
                _completion.SetException(Error);
            }
            else if (Cancelled)
            {
                _completion.SetCanceled(CancellationToken);
            }
            else
            {
                _completion.SetResult(_result);
            }
        }
    }
}
