using Sotto.TestSupport;

namespace Sotto.EndToEnd.Tests.Examples;

/// <summary>docs/client.md shows exactly the code that <see cref="Teaser"/> compiles and runs.</summary>
public sealed class DocsTests
{
    [Fact]
    public void ClientDocShowsTheTeaserCode()
    {
        var teaser = File.ReadAllLines(Path.Combine(Vectors.RepositoryRoot, "tests", "Sotto.EndToEnd.Tests", "Examples", "Teaser.cs"));
        int start = Array.FindIndex(teaser, l => l.Trim() == "#region teaser") + 1;
        int end = Array.FindIndex(teaser, l => l.Trim() == "#endregion");
        var region = teaser[start..end];
        int indent = region.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var expected = region.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToArray();

        var doc = File.ReadAllLines(Path.Combine(Vectors.RepositoryRoot, "docs", "client.md"));
        int blockStart = Array.FindIndex(doc, l => l == "```csharp") + 1;
        int blockEnd = Array.FindIndex(doc, blockStart, l => l == "```");
        Assert.Equal(expected, doc[blockStart..blockEnd]);
    }
}
