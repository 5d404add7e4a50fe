using System.Text.Json;

namespace Sotto.TestSupport;

/// <summary>Locates the repository's <c>tests/vectors/</c> directory and loads vector files from it.</summary>
public static class Vectors
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the directory holding <c>Sotto.slnx</c>).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Absolute path of <c>tests/vectors/&lt;relative&gt;</c>.</summary>
    public static string PathOf(string relative) => Path.Combine(RepositoryRoot, "tests", "vectors", relative);

    /// <summary>Parses a vector file as a JSON document.</summary>
    public static JsonDocument Load(string relative) => JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sotto.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Sotto.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Hex helpers for vectors.</summary>
public static class Hex
{
    public static byte[] Decode(string hex) => Convert.FromHexString(hex);

    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
