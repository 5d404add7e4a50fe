using Sotto.Server.Storage;
using Sotto.Server.Storage.Sqlite;
using Sotto.TestSupport;

namespace Sotto.Server.Tests.Storage;

/// <summary>The group-commit writer: operations batched into one transaction fail alone.</summary>
public sealed class SqliteWriterTests : IDisposable
{
    private readonly ScratchDirectory _scratch = ScratchDirectory.Create("writer-");

    private string WorkDirectory => _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task AnOperationThatThrowsFailsAloneAndLeavesNoTraceWhileItsBatchCommits()
    {
        using var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = Path.Combine(WorkDirectory, "w.db"), Synchronous = SqliteSynchronous.Normal });
        static void Insert(SqliteSession session, int i) => session.Execute(
            "INSERT INTO accounts (id, username, identity_key, created) VALUES ($id, $u, x'05', 0);",
            ("$id", Guid.NewGuid().ToByteArray()), ("$u", "user" + i));

        var tasks = Enumerable.Range(0, 60).Select(i => database.WriteAsync(session =>
        {
            Insert(session, i);
            return i % 20 == 7 ? throw new InvalidOperationException("operation " + i + " fails after writing") : i;
        }, TestContext.Current.CancellationToken).AsTask()).ToArray();

        for (int i = 0; i < tasks.Length; i++)
        {
            if (i % 20 == 7)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[i]);
                Assert.Equal("operation " + i + " fails after writing", error.Message);
                Assert.Null(await database.Accounts.FindByUsernameAsync("user" + i, TestContext.Current.CancellationToken));
            }
            else
            {
                Assert.Equal(i, await tasks[i]);
                Assert.NotNull(await database.Accounts.FindByUsernameAsync("user" + i, TestContext.Current.CancellationToken));
            }
        }
    }

    [Fact]
    public async Task AConstraintViolationSurfacesAsANonTransientStorageException()
    {
        using var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = Path.Combine(WorkDirectory, "w.db"), Synchronous = SqliteSynchronous.Normal });

        var error = await Assert.ThrowsAsync<StorageException>(() => database.WriteAsync(
            session => session.Execute("INSERT INTO devices (account_id, device_id, registration_id, password_salt, password_hash, created) VALUES (x'00', 1, 1, x'00', x'00', 0);"),
            TestContext.Current.CancellationToken).AsTask());

        Assert.False(error.IsTransient);
    }
}
