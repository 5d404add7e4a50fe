using Sotto.Server.Storage;
using Sotto.Server.Storage.Sqlite;
using Sotto.TestSupport;

namespace Sotto.Server.Tests.Storage;

/// <summary>Opens the SQLite provider over a fresh file in a scratch directory (deleted on dispose).</summary>
internal static class SqliteStores
{
    public static ValueTask<StoreSet> OpenAsync()
    {
        var directory = ScratchDirectory.Create("sqlite-contract-");
        var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = Path.Combine(directory.Path, "test.db"), Synchronous = SqliteSynchronous.Normal });
        return ValueTask.FromResult(new StoreSet(database.Accounts, database.PreKeys, database.Messages, database.LinkRequests, database.Attachments, new Owner(database, directory)));
    }

    private sealed class Owner(SqliteDatabase database, ScratchDirectory directory) : IDisposable
    {
        public void Dispose()
        {
            database.Dispose();
            directory.Dispose();
        }
    }
}

public sealed class SqliteAccountStoreTests : AccountStoreContract
{
    protected override ValueTask<StoreSet> OpenAsync() => SqliteStores.OpenAsync();
}

public sealed class SqlitePreKeyStoreTests : PreKeyStoreContract
{
    protected override ValueTask<StoreSet> OpenAsync() => SqliteStores.OpenAsync();
}

public sealed class SqliteMessageStoreTests : MessageStoreContract
{
    protected override ValueTask<StoreSet> OpenAsync() => SqliteStores.OpenAsync();
}

public sealed class SqliteLinkRequestStoreTests : LinkRequestStoreContract
{
    protected override ValueTask<StoreSet> OpenAsync() => SqliteStores.OpenAsync();
}

public sealed class SqliteAttachmentStoreTests : AttachmentStoreContract
{
    protected override ValueTask<StoreSet> OpenAsync() => SqliteStores.OpenAsync();
}

/// <summary>What only the SQLite provider promises: its file, its migrations, its WAL mode.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly ScratchDirectory _directory = ScratchDirectory.Create("sqlite-");

    private string DatabasePath => Path.Combine(_directory.Path, "sub", "sotto.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task DataSurvivesClosingAndReopeningTheFile()
    {
        var account = new Account(Guid.NewGuid(), "alice", [0x05, .. new byte[32]], DateTimeOffset.UnixEpoch);
        using (var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath }))
        {
            Assert.True(await database.Accounts.TryCreateAsync(
                account,
                new NewDevice(1, null, new PasswordHash(new byte[16], new byte[32]), DateTimeOffset.UnixEpoch),
                new PreKeyUpdate(null, null, null, null),
                TestContext.Current.CancellationToken));
        }

        using var reopened = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath });
        var found = await reopened.Accounts.FindByUsernameAsync("alice", TestContext.Current.CancellationToken);
        Assert.Equal(account.Id, found!.Id);
        Assert.Equal(account.IdentityKey, found.IdentityKey);
    }

    [Fact]
    public void OpenCreatesTheDirectoryUsesWalAndRecordsTheSchemaVersion()
    {
        using (SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath }))
        {
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DatabasePath + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteDatabase.SchemaVersion, command.ExecuteScalar());
    }

    [Fact]
    public async Task AVersionOneDatabaseMigratesAndKeepsItsQueuedEnvelopesNumberedAfterEachOther()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var account = Guid.NewGuid();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DatabasePath + ";Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Schema.Migrations[0] + "PRAGMA user_version = 1;" +
                "INSERT INTO accounts VALUES ($a, 'bob', x'05', 0);" +
                "INSERT INTO devices VALUES ($a, 1, 20, NULL, x'00', x'00', 0);" +
                "INSERT INTO envelopes (id, account_id, device_id, type, source_account_id, source_username, source_device_id, client_timestamp, server_timestamp, deadline, content) " +
                "VALUES (x'0102030405060708090a0b0c0d0e0f10', $a, 1, 2, $a, 'bob', 1, 0, 0, 9999999999999, x'aa');";
            command.Parameters.AddWithValue("$a", account.ToByteArray(bigEndian: true));
            command.ExecuteNonQuery();
        }

        using var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath });
        var device = new DeviceAddress(account, 1);
        var old = Assert.Single(await database.Messages.ReadAsync(device, 0, 10, DateTimeOffset.UnixEpoch, TestContext.Current.CancellationToken));
        Assert.Equal(1, old.DeviceSequence);
        Assert.Equal([0xAA], old.Content);
        var fresh = await database.Messages.InsertAsync(
            [new NewEnvelope(Guid.NewGuid(), device, 20, 2, account, "bob", 1, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), [0xBB])],
            TestContext.Current.CancellationToken);
        Assert.Equal(2, fresh![0].DeviceSequence);
        Assert.True(fresh[0].Sequence > old.Sequence);
        Assert.Equal(1, await database.Messages.DeleteAsync(device, [new EnvelopeKey(old.Id, old.Sequence)], TestContext.Current.CancellationToken));
        Assert.Equal(fresh[0].Id, Assert.Single(await database.Messages.ReadAsync(device, 0, 10, DateTimeOffset.UnixEpoch, TestContext.Current.CancellationToken)).Id);
    }

    [Fact]
    public async Task AVersionThreeDatabaseRenumbersEachDevicesQueueInItsOldOrder()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var account = Guid.NewGuid();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DatabasePath + ";Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // Device 1 holds a schema-1 envelope (device_seq 0) and two later ones; device 2 one. Global seq gives the order.
            command.CommandText = Schema.Migrations[0] + Schema.Migrations[1] + Schema.Migrations[2] + "PRAGMA user_version = 3;" +
                "INSERT INTO accounts VALUES ($a, 'bob', x'05', 0);" +
                "INSERT INTO devices VALUES ($a, 1, 20, NULL, x'00', x'00', 0, 9);" +
                "INSERT INTO devices VALUES ($a, 2, 21, NULL, x'00', x'00', 0, 4);" +
                "INSERT INTO envelopes (seq, id, account_id, device_id, type, source_account_id, source_username, source_device_id, client_timestamp, server_timestamp, deadline, content, device_seq) VALUES " +
                "(10, x'0000000000000000000000000000000a', $a, 1, 2, $a, 'bob', 1, 0, 0, 9999999999999, x'01', 0)," +
                "(11, x'0000000000000000000000000000000b', $a, 2, 2, $a, 'bob', 1, 0, 0, 9999999999999, x'02', 4)," +
                "(12, x'0000000000000000000000000000000c', $a, 1, 2, $a, 'bob', 1, 0, 0, 9999999999999, x'03', 8)," +
                "(13, x'0000000000000000000000000000000d', $a, 1, 2, $a, 'bob', 1, 0, 0, 9999999999999, x'04', 9);";
            command.Parameters.AddWithValue("$a", account.ToByteArray(bigEndian: true));
            command.ExecuteNonQuery();
        }

        using var database = SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath });
        var device1 = new DeviceAddress(account, 1);
        var device2 = new DeviceAddress(account, 2);
        var queue1 = await database.Messages.ReadAsync(device1, 0, 10, DateTimeOffset.UnixEpoch, TestContext.Current.CancellationToken);
        var queue2 = await database.Messages.ReadAsync(device2, 0, 10, DateTimeOffset.UnixEpoch, TestContext.Current.CancellationToken);
        Assert.Equal([1L, 2L, 3L], queue1.Select(e => e.DeviceSequence));
        Assert.Equal(["01", "03", "04"], queue1.Select(e => Convert.ToHexString(e.Content)));
        Assert.Equal([1L], queue2.Select(e => e.DeviceSequence));
        var next = await database.Messages.InsertAsync(
            [new NewEnvelope(Guid.NewGuid(), device1, 20, 2, account, "bob", 1, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), [0x05])],
            TestContext.Current.CancellationToken);
        Assert.Equal(4, next![0].DeviceSequence);
    }

    [Fact]
    public void OpeningADatabaseFromANewerServerFailsWithAClearMessage()
    {
        using (SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath }))
        {
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DatabasePath + ";Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<StorageException>(() => SqliteDatabase.Open(new SqliteStorageSettings { DatabasePath = DatabasePath }));
        Assert.Contains("newer server", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }
}
