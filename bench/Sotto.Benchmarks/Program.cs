using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*Crypto*'
// dotnet run -c Release --project bench/Sotto.Benchmarks -- mls-probe 10 100 1000
// dotnet run -c Release --project bench/Sotto.Benchmarks -- relay-probe 10 Full
// dotnet run -c Release --project bench/Sotto.Benchmarks -- mls-decrypt 1000 populated
// dotnet run -c Release --project bench/Sotto.Benchmarks -- curve-probe 100
if (args.Length > 0 && args[0] == "relay-probe")
{
    await Sotto.Benchmarks.Relay.RelayProbe.RunAsync([.. args.Skip(1)]);
    return;
}

if (args.Length > 0 && args[0] == "curve-probe")
{
    Sotto.Benchmarks.Crypto.CurveProbe.Run(args.Length > 1 ? int.Parse(args[1]) : 100);
    return;
}

if (args.Length > 0 && args[0] == "mls-decrypt")
{
    // mls-decrypt [members] [populated]
    Sotto.Benchmarks.Mls.MlsProbe.DecryptBreakdown(args.Length > 1 ? int.Parse(args[1]) : 10, args.Length > 2 && args[2] == "populated");
    return;
}

if (args.Length > 0 && args[0] == "mls-probe")
{
    Sotto.Benchmarks.Mls.MlsProbe.Primitives();
    Sotto.Benchmarks.Mls.MlsProbe.Run([.. args.Skip(1).Select(int.Parse)]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
