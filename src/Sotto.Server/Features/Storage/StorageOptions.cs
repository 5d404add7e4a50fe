using System.ComponentModel.DataAnnotations;
using Sotto.Server.Storage.Sqlite;

namespace Sotto.Server.Features.Storage;

/// <summary>Configuration section <c>Storage</c>. <c>--data DIR</c> sets <see cref="DataDirectory"/>.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (the only provider in this build; <c>Postgres</c> is planned, DESIGN.md §4).</summary>
    [Required]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Where the server keeps its data (the SQLite file); created when missing.</summary>
    [Required]
    public string DataDirectory { get; set; } = "./sotto-data";

    public SqliteOptions Sqlite { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.Equals(Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Storage:Provider must be 'Sqlite'; '{Provider}' is not available in this build.", [nameof(Provider)]);
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return new ValidationResult("Storage:DataDirectory (--data) must name a directory.", [nameof(DataDirectory)]);
        }

        if (string.IsNullOrWhiteSpace(Sqlite.FileName) || Sqlite.FileName.IndexOfAny(['/', '\\']) >= 0)
        {
            yield return new ValidationResult("Storage:Sqlite:FileName must be a plain file name.", [nameof(Sqlite)]);
        }

        if (Sqlite.MaxWriteBatch is < 1 or > 10_000)
        {
            yield return new ValidationResult("Storage:Sqlite:MaxWriteBatch must be 1 to 10000.", [nameof(Sqlite)]);
        }
    }

    public string DatabasePath => Path.GetFullPath(Path.Combine(DataDirectory, Sqlite.FileName));
}

public sealed class SqliteOptions
{
    public string FileName { get; set; } = "sotto.db";

    /// <summary><c>Full</c> (durable against power loss; default) or <c>Normal</c> (durable against kill -9 only).</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    public int MaxWriteBatch { get; set; } = 256;
}
