// Sotto.Fuzz: runs the fuzz targets of tests/Sotto.FuzzTargets for a while (DESIGN.md §7).
//
//   dotnet run -c Release --project tools/Sotto.Fuzz -- --list
//   dotnet run -c Release --project tools/Sotto.Fuzz -- --target all --seconds 60 [--seed S] [--out DIR]
//   dotnet run -c Release --project tools/Sotto.Fuzz -- --target NAME --replay DIR/NAME-….hex
//   dotnet run -c Release --project tools/Sotto.Fuzz -- --target all --check-corpus   (every seed input must be accepted)
//
// --seconds is per target. Without --seed a random seed is drawn and printed; the same seed and target replay the
// same inputs. Each failing input goes to DIR (default fuzz-findings/) as hex, with what went wrong beside it. An
// input that runs longer than 30 s is written out as a hang and the process exits. Exit code: 0 clean, 1 findings,
// 2 usage error, 3 hang.
using System.Globalization;
using System.Security.Cryptography;
using Sotto.FuzzTargets;
using Sotto.TestSupport.Fuzzing;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i < args.Length; i++)
{
    string arg = args[i];
    if (arg is "--list" or "--check-corpus")
    {
        options[arg[2..]] = "";
    }
    else if (arg.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[arg[2..]] = args[++i];
    }
    else
    {
        return Usage($"unexpected argument '{arg}'");
    }
}

if (options.ContainsKey("list"))
{
    foreach (var t in AllTargets.List)
    {
        Console.WriteLine($"{t.Name,-28} {t.Description}");
    }

    return 0;
}

if (!options.TryGetValue("target", out var targetName))
{
    return Usage("--target is required");
}

List<FuzzTarget> targets;
try
{
    targets = targetName == "all" ? [.. AllTargets.List] : [.. targetName.Split(',').Select(AllTargets.Get)];
}
catch (ArgumentException e)
{
    return Usage(e.Message);
}

if (options.ContainsKey("check-corpus"))
{
    int rejected = 0;
    foreach (var t in targets)
    {
        for (int i = 0; i < t.Corpus.Count; i++)
        {
            var problem = FuzzRunner.RunOne(t, t.Corpus[i], out bool accepted);
            if (problem is not null || !accepted)
            {
                rejected++;
                Console.WriteLine($"{t.Name} seed input {i}: {problem ?? "rejected"}");
            }
        }
    }

    Console.WriteLine(rejected == 0 ? "every seed input is accepted" : $"{rejected} seed inputs are not accepted");
    return rejected == 0 ? 0 : 1;
}

string outDir = options.GetValueOrDefault("out", "fuzz-findings");

if (options.TryGetValue("replay", out var replayFile))
{
    var input = Convert.FromHexString(File.ReadAllText(replayFile).Trim());
    int bad = 0;
    foreach (var t in targets)
    {
        var problem = FuzzRunner.RunOne(t, input, out bool accepted);
        Console.WriteLine($"{t.Name}: {(problem is null ? accepted ? "accepted" : "rejected with the typed error" : problem)}");
        bad += problem is null ? 0 : 1;
    }

    return bad == 0 ? 0 : 1;
}

if (!options.TryGetValue("seconds", out var secondsText) || !double.TryParse(secondsText, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0)
{
    return Usage("--seconds N (per target) is required");
}

ulong seed;
if (options.TryGetValue("seed", out var seedText))
{
    if (!ulong.TryParse(seedText, CultureInfo.InvariantCulture, out seed))
    {
        return Usage("--seed takes an unsigned 64-bit integer");
    }
}
else
{
    seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
}

Console.WriteLine($"seed {seed} (replay with --seed {seed}); findings go to {Path.GetFullPath(outDir)}");
int findings = 0;
foreach (var target in targets)
{
    // Run on a worker thread so that this one can watch for an input that never finishes.
    FuzzReport? report = null;
    var worker = new Thread(() => report = FuzzRunner.Run(
        target,
        new FuzzOptions { Seed = seed, Duration = TimeSpan.FromSeconds(seconds), MaxFailures = 50 },
        failure => Save(failure, "failure")), 64 * 1024 * 1024)
    {
        IsBackground = true,
    };
    worker.Start();
    byte[]? watched = null;
    var since = DateTime.UtcNow;
    while (!worker.Join(TimeSpan.FromSeconds(1)))
    {
        var current = FuzzRunner.CurrentInput;
        if (current is null || !ReferenceEquals(current, watched))
        {
            watched = current;
            since = DateTime.UtcNow;
        }
        else if (DateTime.UtcNow - since > TimeSpan.FromSeconds(30))
        {
            var path = Save(new FuzzFailure(target.Name, seed, -1, current, "hang: still running after 30 s"), "hang");
            Console.WriteLine($"{target.Name}: HANG, input written to {path}");
            return 3;
        }
    }

    Console.WriteLine(report);
    findings += report!.Failures.Count;
}

Console.WriteLine(findings == 0 ? "no findings" : $"{findings} findings in {Path.GetFullPath(outDir)}");
return findings == 0 ? 0 : 1;

string Save(FuzzFailure failure, string kind)
{
    Directory.CreateDirectory(outDir);
    string stem = Path.Combine(outDir, $"{failure.Target}-{kind}-{Convert.ToHexStringLower(SHA256.HashData(failure.Input))[..16]}");
    File.WriteAllText(stem + ".hex", failure.InputHex + "\n");
    File.WriteAllText(stem + ".txt", failure + "\n");
    Console.WriteLine($"{failure.Target}: {failure.Problem.Split('\n')[0]} -> {stem}.hex");
    return stem + ".hex";
}

static int Usage(string problem)
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine("usage: Sotto.Fuzz --list | --target NAME[,NAME]|all --seconds N [--seed S] [--out DIR] | --target NAME --replay FILE.hex");
    return 2;
}
