using System.Collections.Concurrent;
using System.Text.Json;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// One Wycheproof vector file (<c>tests/vectors/wycheproof/</c>, schema v1): its test cases with their group
/// parameters, looked up by <c>tcId</c>. Runners enumerate <see cref="TcIds"/> as theory data and check, in a
/// separate fact, that the file holds exactly the cases they expect, so that an emptied or truncated file, or a
/// filter that drops everything, fails instead of passing silently.
/// </summary>
internal sealed class WycheproofFile
{
    private static readonly ConcurrentDictionary<string, WycheproofFile> Cache = new();

    private readonly Dictionary<int, WycheproofCase> _byId = [];

    private WycheproofFile(string fileName)
    {
        using var document = Vectors.Load("wycheproof/" + fileName);
        var root = document.RootElement;
        Algorithm = root.GetProperty("algorithm").GetString()!;
        NumberOfTests = root.GetProperty("numberOfTests").GetInt32();
        var cases = new List<WycheproofCase>();
        foreach (var group in root.GetProperty("testGroups").EnumerateArray())
        {
            var groupCopy = group.Clone();
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                var c = new WycheproofCase(groupCopy, test.Clone());
                if (!_byId.TryAdd(c.TcId, c))
                {
                    throw new InvalidDataException($"{fileName}: duplicate tcId {c.TcId}.");
                }

                cases.Add(c);
            }
        }

        if (cases.Count != NumberOfTests)
        {
            throw new InvalidDataException($"{fileName}: numberOfTests is {NumberOfTests} but the file holds {cases.Count} tests.");
        }

        Cases = cases;
    }

    public string Algorithm { get; }

    public int NumberOfTests { get; }

    public IReadOnlyList<WycheproofCase> Cases { get; }

    public WycheproofCase this[int tcId] => _byId[tcId];

    public static WycheproofFile Load(string fileName) => Cache.GetOrAdd(fileName, static name => new WycheproofFile(name));

    /// <summary>The ids of the cases that pass <paramref name="where"/>, as theory data.</summary>
    public static TheoryData<int> TcIds(string fileName, Func<WycheproofCase, bool>? where = null)
    {
        var data = new TheoryData<int>();
        foreach (var c in Load(fileName).Cases)
        {
            if (where is null || where(c))
            {
                data.Add(c.TcId);
            }
        }

        return data;
    }

    /// <summary>How many cases pass <paramref name="where"/>, by result (<c>valid</c>, <c>invalid</c>, <c>acceptable</c>).</summary>
    public (int Valid, int Invalid, int Acceptable) Count(Func<WycheproofCase, bool>? where = null)
    {
        int valid = 0, invalid = 0, acceptable = 0;
        foreach (var c in Cases)
        {
            if (where is not null && !where(c))
            {
                continue;
            }

            switch (c.Result)
            {
                case WycheproofResult.Valid: valid++; break;
                case WycheproofResult.Invalid: invalid++; break;
                case WycheproofResult.Acceptable: acceptable++; break;
            }
        }

        return (valid, invalid, acceptable);
    }
}

internal enum WycheproofResult
{
    Valid,
    Invalid,
    Acceptable,
}

/// <summary>A Wycheproof test case and the parameters of its group.</summary>
internal sealed class WycheproofCase(JsonElement group, JsonElement test)
{
    public int TcId { get; } = test.GetProperty("tcId").GetInt32();

    public WycheproofResult Result { get; } = test.GetProperty("result").GetString() switch
    {
        "valid" => WycheproofResult.Valid,
        "invalid" => WycheproofResult.Invalid,
        "acceptable" => WycheproofResult.Acceptable,
        var other => throw new InvalidDataException($"Unknown Wycheproof result '{other}'."),
    };

    public IReadOnlyList<string> Flags { get; } =
        test.TryGetProperty("flags", out var flags) ? [.. flags.EnumerateArray().Select(f => f.GetString()!)] : [];

    public string Comment => test.TryGetProperty("comment", out var comment) ? comment.GetString()! : "";

    public JsonElement Group => group;

    public bool HasFlag(string flag) => Flags.Contains(flag);

    /// <summary>A hex field of the test case, decoded.</summary>
    public byte[] Bytes(string name) => Hex.Decode(test.GetProperty(name).GetString()!);

    /// <summary>An integer field of the test case.</summary>
    public int Int(string name) => test.GetProperty(name).GetInt32();

    /// <summary>An integer parameter of the group (<c>ivSize</c>, <c>tagSize</c>, <c>keySize</c> …).</summary>
    public int GroupInt(string name) => group.GetProperty(name).GetInt32();

    public override string ToString() => $"tcId {TcId} ({Result}; {Comment}; {string.Join(",", Flags)})";
}
