using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Sotto.Server.Tests.Support;

/// <summary>
/// A digest of every row of every table of a server's SQLite database, read through a separate connection, plus the
/// list of attachment files: two equal snapshots around a request prove it changed nothing that was committed.
/// </summary>
public static class DatabaseSnapshot
{
    public static string Take(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "sotto.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var summary = new StringBuilder();
        foreach (var table in tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1, 2, 3;";
            using var reader = command.ExecuteReader();
            int rows = 0;
            while (reader.Read())
            {
                rows++;
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    hash.AppendData(value is byte[] bytes ? bytes : Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"));
                    hash.AppendData([0]);
                }
            }

            summary.Append(table).Append('=').Append(rows).Append(' ');
        }

        // Attachment blobs are state too: every file under attachments/ (temporary uploads included), by path and size.
        var blobs = Path.Combine(dataDirectory, "attachments");
        if (Directory.Exists(blobs))
        {
            foreach (var file in Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                summary.Append(Path.GetRelativePath(blobs, file)).Append(':').Append(new FileInfo(file).Length).Append(' ');
            }
        }

        return summary.ToString() + Convert.ToHexString(hash.GetHashAndReset());
    }
}
