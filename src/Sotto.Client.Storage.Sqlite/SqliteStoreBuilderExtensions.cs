namespace Sotto.Client.Storage.Sqlite;

/// <summary>Registers <see cref="SqliteClientStore"/> with a <see cref="SottoClientBuilder"/>.</summary>
public static class SqliteStoreBuilderExtensions
{
    /// <summary>Keeps the profile in <c>sotto.db</c> inside the profile directory.</summary>
    public static SottoClientBuilder UseSqliteStore(this SottoClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStore(context => SqliteClientStore.Open(context.ProfileDirectory, context.TimeProvider));
    }
}
