using Microsoft.Data.Sqlite;
using Sotto.Client.Storage;
using Sotto.Client.Storage.Sqlite;

namespace Sotto.Client.Tests.Storage;

/// <summary>The store contract against SQLite, and what only the SQLite file can show.</summary>
public sealed class SqliteClientStoreTests : ClientStoreContract
{
    protected override IClientStore OpenStore() => SqliteClientStore.Open(Directory, Time);

    private string DatabasePath => Path.Combine(Directory, SqliteClientStore.FileName);

    [Fact]
    public void DatabaseFileIsReadableOnlyByItsOwner()
    {
        Assert.False(OperatingSystem.IsWindows(), "Sotto profiles rely on Unix file modes.");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
        }
    }

    [Fact]
    public void DatabaseUsesWalFullSyncAndSecureDelete()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        Assert.Equal("wal", Pragma(connection, "journal_mode"));
        Assert.Equal((long)SqliteClientStore.SchemaVersion, Pragma(connection, "user_version"));
    }

    [Fact]
    public async Task StoreTurnsOnSecureDeleteForItsConnection()
    {
        // secure_delete is per connection: check that deleted text is gone from the file after a delete.
        const string secret = "a secret that must not linger 9d2f";
        using (var tx = await Store.BeginAsync(TestContext.Current.CancellationToken))
        {
            await tx.SetSettingAsync("secret", secret, TestContext.Current.CancellationToken);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        using (var tx = await Store.BeginAsync(TestContext.Current.CancellationToken))
        {
            await tx.SetSettingAsync("secret", null, TestContext.Current.CancellationToken);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        await ReopenAsync();
        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        var needle = System.Text.Encoding.UTF8.GetBytes(secret);
        foreach (var file in System.IO.Directory.GetFiles(Directory))
        {
            Assert.Equal(-1, File.ReadAllBytes(file).AsSpan().IndexOf(needle));
        }

        await ReopenAsync();
    }

    [Fact]
    public async Task DatabaseOfNewerVersionIsRefused()
    {
        await Store.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {SqliteClientStore.SchemaVersion + 1};";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => SqliteClientStore.Open(Directory, Time));
        Assert.Contains("newer version", error.Message, StringComparison.Ordinal);

        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {SqliteClientStore.SchemaVersion};";
            command.ExecuteNonQuery();
        }

        await ReopenAsync();
    }

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return command.ExecuteScalar();
    }
}
