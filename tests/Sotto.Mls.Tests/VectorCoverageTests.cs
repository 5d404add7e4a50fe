namespace Sotto.Mls.Tests;

/// <summary>
/// Pins how many entries of each official vector file the runners execute for suite 1, so that a filter or a
/// file change cannot silently reduce coverage to nothing.
/// </summary>
public sealed class VectorCoverageTests
{
    public static TheoryData<string, int> Suite1Entries => new()
    {
        { "crypto-basics.json", 1 },
        { "secret-tree.json", 3 },
        { "message-protection.json", 1 },
        { "key-schedule.json", 1 },
        { "psk_secret.json", 11 },
        { "transcript-hashes.json", 1 },
        { "welcome.json", 1 },
        { "tree-operations.json", 5 },
        { "tree-validation.json", 14 },
        { "treekem.json", 11 },
        { "passive-client-welcome.json", 8 },
        { "passive-client-handling-commit.json", 13 },
        { "passive-client-random.json", 1 },
    };

    [Theory]
    [MemberData(nameof(Suite1Entries))]
    public void RunnerCoversEverySuite1Entry(string file, int expected)
    {
        Assert.Equal(expected, MlsVectors.CountForSuite(file, 1));
        Assert.Equal(MlsVectors.CountForSuite(file, 1) + MlsVectors.CountForSuite(file, 3), MlsVectors.Supported(file).Count);
    }

    [Theory]
    [InlineData("tree-math.json", 10)]
    [InlineData("deserialization.json", 14)]
    [InlineData("messages.json", 300)]
    public void RunnerCoversEveryEntryOfSuiteIndependentFiles(string file, int expected) =>
        Assert.Equal(expected, MlsVectors.All(file).Count);
}
