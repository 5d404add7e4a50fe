using System.Diagnostics;

namespace Sotto.TestSupport.Fuzzing;

/// <summary>How long and from which seed to fuzz.</summary>
public sealed record FuzzOptions
{
    public ulong Seed { get; init; } = 1;

    /// <summary>Random mutations to run after the systematic inputs (truncations, forged lengths).</summary>
    public int Iterations { get; init; } = 1000;

    /// <summary>When set, run random mutations until this much time has passed instead of <see cref="Iterations"/>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop after this many findings.</summary>
    public int MaxFailures { get; init; } = 10;

    /// <summary>Skip the systematic inputs (a replay of a single input, for example).</summary>
    public bool SkipSystematic { get; init; }
}

/// <summary>One input that broke a promise: the target, the seed, the input and what happened.</summary>
public sealed record FuzzFailure(string Target, ulong Seed, long Iteration, byte[] Input, string Problem)
{
    public string InputHex => Convert.ToHexString(Input);

    public override string ToString() => $"{Target} seed {Seed} iteration {Iteration}: {Problem}\n  input ({Input.Length} bytes): {InputHex}";
}

/// <summary>What one fuzz run did.</summary>
/// <remarks><see cref="AcceptedMutants"/> counts accepted inputs that differ from every seed input.</remarks>
public sealed record FuzzReport(string Target, ulong Seed, long Executed, long Accepted, long AcceptedMutants, long Rejected, IReadOnlyList<FuzzFailure> Failures, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Target}: seed {Seed}, {Executed} inputs in {Elapsed.TotalSeconds:0.0} s ({Accepted} accepted, {AcceptedMutants} of them not a seed; {Rejected} rejected), {Failures.Count} failures";
}

/// <summary>
/// Runs a <see cref="FuzzTarget"/>: the systematic inputs first, then seeded random mutations. Each input is a
/// finding when it throws anything but the target's typed error, allocates more than the target's budget on the
/// running thread, or runs longer than the target's slow-input limit.
/// </summary>
public static class FuzzRunner
{
    /// <summary>Watchdog hook: the input being run right now (a long campaign prints it if the process hangs).</summary>
    public static volatile byte[]? CurrentInput;

    public static FuzzReport Run(FuzzTarget target, FuzzOptions options, Action<FuzzFailure>? onFailure = null)
    {
        var random = new SeededRandom(options.Seed);
        var mutator = new Mutator(random, target.Corpus, target.LengthFields);
        var failures = new List<FuzzFailure>();
        long executed = 0, accepted = 0, mutants = 0, rejected = 0;
        var clock = Stopwatch.StartNew();

        bool Execute(byte[] input)
        {
            var problem = RunOne(target, input, out bool wasAccepted);
            executed++;
            if (problem is null)
            {
                if (wasAccepted)
                {
                    accepted++;
                    if (!target.Corpus.Any(c => c.AsSpan().SequenceEqual(input)))
                    {
                        mutants++;
                    }
                }
                else
                {
                    rejected++;
                }

                return true;
            }

            var failure = new FuzzFailure(target.Name, options.Seed, executed - 1, input, problem);
            failures.Add(failure);
            onFailure?.Invoke(failure);
            return failures.Count < options.MaxFailures;
        }

        if (!options.SkipSystematic)
        {
            foreach (var input in mutator.Systematic())
            {
                if (!Execute(input))
                {
                    return Report();
                }
            }
        }

        for (long i = 0; options.Duration is { } d ? clock.Elapsed < d : i < options.Iterations; i++)
        {
            if (!Execute(mutator.Next()))
            {
                break;
            }
        }

        return Report();

        FuzzReport Report() => new(target.Name, options.Seed, executed, accepted, mutants, rejected, failures, clock.Elapsed);
    }

    /// <summary>Runs one input; the finding, or <see langword="null"/> when the target kept its promises.</summary>
    public static string? RunOne(FuzzTarget target, byte[] input, out bool accepted)
    {
        accepted = false;
        CurrentInput = input;
        long before = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        string? problem = null;
        try
        {
            target.Run((byte[])input.Clone());
            accepted = true;
        }
        catch (Exception e) when (target.IsExpectedError(e))
        {
        }
        catch (Exception e)
        {
            problem = $"unexpected {e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
        }
        finally
        {
            CurrentInput = null;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (problem is null && allocated > target.AllocationBudget)
        {
            problem = $"allocated {allocated} bytes for a {input.Length}-byte input (budget {target.AllocationBudget})";
        }

        if (problem is null && elapsed > target.SlowInput)
        {
            problem = $"took {elapsed.TotalMilliseconds:0} ms (limit {target.SlowInput.TotalMilliseconds:0} ms)";
        }

        return problem;
    }
}
