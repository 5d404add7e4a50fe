using Microsoft.Extensions.Options;
using Sotto.Server.Storage.Sqlite;

namespace Sotto.Server.Features.Storage;

/// <summary>Chooses the storage provider (<c>Storage:Provider</c>) and exposes its stores.</summary>
internal static class StorageSetup
{
    public static IServiceCollection AddSottoStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var database = SqliteDatabase.Open(new SqliteStorageSettings
            {
                DatabasePath = options.DatabasePath,
                Synchronous = options.Sqlite.Synchronous,
                MaxWriteBatch = options.Sqlite.MaxWriteBatch,
            });
            Log.StorageOpened(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Sotto.Server.Storage"), "Sqlite", options.DatabasePath, SqliteDatabase.SchemaVersion);
            return database;
        });
        services.AddSingleton(sp => sp.GetRequiredService<SqliteDatabase>().Accounts);
        services.AddSingleton(sp => sp.GetRequiredService<SqliteDatabase>().PreKeys);
        services.AddSingleton(sp => sp.GetRequiredService<SqliteDatabase>().Messages);
        services.AddSingleton(sp => sp.GetRequiredService<SqliteDatabase>().LinkRequests);
        services.AddSingleton(sp => sp.GetRequiredService<SqliteDatabase>().Attachments);
        services.AddHostedService<StorageOpener>();
        return services;
    }

    /// <summary>Opens the database during start-up, so a bad path or a newer schema stops the server at once.</summary>
    private sealed class StorageOpener(SqliteDatabase database) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(database);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
