using Xunit;

namespace Sotto.TestSupport.Fuzzing;

/// <summary>The assertions every per-layer fuzz test makes about a target.</summary>
public static class FuzzAssert
{
    /// <summary>
    /// Every seed input is accepted (so the corpus reaches past the first check), then a fixed-seed run of the
    /// systematic inputs and <see cref="FuzzTarget.TestIterations"/> random mutations finds nothing.
    /// </summary>
    public static FuzzReport Clean(FuzzTarget target, ulong seed = 20261127)
    {
        int iterations = target.TestIterations;
        for (int i = 0; i < target.Corpus.Count; i++)
        {
            try
            {
                target.Run((byte[])target.Corpus[i].Clone());
            }
            catch (Exception e)
            {
                Assert.Fail($"{target.Name}: seed input {i} is not accepted: {e}");
            }
        }

        var report = FuzzRunner.Run(target, new FuzzOptions { Seed = seed, Iterations = iterations, MaxFailures = 3 });
        Assert.True(report.Failures.Count == 0, report + "\n" + string.Join("\n", report.Failures));
        Assert.True(report.Executed > iterations, report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        return report;
    }
}
