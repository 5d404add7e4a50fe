using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;

namespace Sotto.Benchmarks.Mls;

/// <summary>
/// Sotto against ts-mls 1.6.4 (the anchor, Ratio = 1) on the tree shape ts-mls can be measured on: the creator adds
/// everyone in one commit, so every parent node is blank (a sparse tree). ts-mls runs in a Node process and each
/// operation crosses a pipe, a small cost next to its own.
/// Run: <c>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*MlsVersusTsMls*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class MlsVersusTsMlsBenchmarks
{
    private Action _sotto = () => { };
    private TsMlsBench? _tsMls;

    [Params(10, 100, 1000)]
    public int Members { get; set; }

    [ParamsAllValues]
    public MlsWorkload Workload { get; set; }

    [GlobalSetup(Target = nameof(TsMls))]
    public void SetupTsMls()
    {
        _tsMls = new TsMlsBench();
        _tsMls.Call("Setup", new JsonObject { ["members"] = Members, ["workload"] = Workload.ToString() });
    }

    [GlobalSetup(Target = nameof(Sotto))]
    public void SetupSotto() => _sotto = MlsWorkloads.Build(Members, populated: false, Workload);

    [GlobalCleanup]
    public void Cleanup() => _tsMls?.Dispose();

    [Benchmark(Baseline = true, Description = "ts-mls 1.6.4")]
    public void TsMls() => _tsMls!.Call("Run");

    [Benchmark(Description = "Sotto")]
    public void Sotto() => _sotto();
}

/// <summary>
/// Sotto on a fully populated tree (every parent node holds a key; no unmerged leaves), the shape of a group whose
/// members have all committed. No anchor: building this tree in ts-mls at 1,000 members takes hours.
/// Run: <c>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*MlsPopulated*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class MlsPopulatedTreeBenchmarks
{
    private Action _sotto = () => { };

    [Params(10, 100, 1000)]
    public int Members { get; set; }

    [Params(
        MlsWorkload.UpdateCreate, MlsWorkload.UpdateProcess, MlsWorkload.AddOneCreate, MlsWorkload.AddOneProcess,
        MlsWorkload.RemoveOneCreate, MlsWorkload.RemoveOneProcess, MlsWorkload.Encrypt, MlsWorkload.Decrypt)]
    public MlsWorkload Workload { get; set; }

    [GlobalSetup]
    public void Setup() => _sotto = MlsWorkloads.Build(Members, populated: true, Workload);

    [Benchmark(Description = "Sotto")]
    public void Sotto() => _sotto();
}
