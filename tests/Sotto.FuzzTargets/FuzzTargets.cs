using Sotto.TestSupport.Fuzzing;

namespace Sotto.FuzzTargets;

/// <summary>Every fuzz target, by layer; the tests and tools/Sotto.Fuzz both run them from here.</summary>
public static class AllTargets
{
    private static readonly Lazy<IReadOnlyList<FuzzTarget>> Targets = new(() =>
        [.. ProtocolTargets.All(), .. MlsTargets.All(), .. ClientTargets.All(), .. ServerTargets.All()]);

    public static IReadOnlyList<FuzzTarget> List => Targets.Value;

    public static FuzzTarget Get(string name) =>
        List.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"No fuzz target named '{name}'.", nameof(name));

    /// <summary>The names of the targets whose name starts with one of <paramref name="prefixes"/> (xUnit theory data).</summary>
    public static IEnumerable<string> Named(params string[] prefixes) =>
        List.Select(t => t.Name).Where(n => prefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)));
}
