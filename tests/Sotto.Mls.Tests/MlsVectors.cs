using System.Collections.Concurrent;
using System.Text.Json;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests;

/// <summary>Loads the official MLS vectors of tests/vectors/mls/ and selects the entries for supported suites.</summary>
internal static class MlsVectors
{
    private static readonly ConcurrentDictionary<string, JsonElement[]> Cache = new();

    /// <summary>The cipher suites Sotto implements; entries for other suites are skipped by filtering.</summary>
    public static readonly ushort[] SupportedSuites = [1, 3];

    public static JsonElement[] Load(string file) => Cache.GetOrAdd(file, f =>
    {
        using var doc = Vectors.Load("mls/" + f);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    });

    /// <summary>Indices of the entries whose cipher_suite is supported.</summary>
    public static TheoryData<int> Supported(string file)
    {
        var data = new TheoryData<int>();
        var entries = Load(file);
        for (int i = 0; i < entries.Length; i++)
        {
            if (SupportedSuites.Contains((ushort)entries[i].GetProperty("cipher_suite").GetInt32()))
            {
                data.Add(i);
            }
        }

        return data;
    }

    /// <summary>All entries (files without a cipher suite).</summary>
    public static TheoryData<int> All(string file)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Load(file).Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static int CountForSuite(string file, int suite) =>
        Load(file).Count(e => e.GetProperty("cipher_suite").GetInt32() == suite);

    public static byte[] Bytes(this JsonElement e, string name) => Hex.Decode(e.GetProperty(name).GetString()!);

    public static byte[]? OptionalBytes(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? Hex.Decode(p.GetString()!) : null;

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static CipherSuite Suite(this JsonElement e) => CipherSuite.FromId((ushort)e.GetProperty("cipher_suite").GetInt32());
}
