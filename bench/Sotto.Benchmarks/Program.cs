using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*Crypto*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
