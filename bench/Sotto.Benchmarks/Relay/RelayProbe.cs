using System.Diagnostics;
using System.Globalization;

namespace Sotto.Benchmarks.Relay;

/// <summary>
/// <c>relay-probe [seconds] [Full|Normal]</c>: the <see cref="RelayBenchmarks.Relay"/> workload in a loop for a fixed
/// time, reporting messages/s and the process CPU time per message — the figure that stays comparable when the
/// machine is shared (wall time is not), and the loop to attach a profiler to.
/// </summary>
internal static class RelayProbe
{
    public static async Task RunAsync(string[] args)
    {
        int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        string synchronous = args.Length > 1 ? args[1] : "Full";
        var benchmark = new RelayBenchmarks { Synchronous = synchronous };
        benchmark.Setup();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                await benchmark.Relay();
            }

            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            long writer = WriterThreadTicks();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            long messages = 0;
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                await benchmark.Relay();
                messages += RelayBenchmarks.Burst;
            }

            watch.Stop();
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            double writerMs = (WriterThreadTicks() - writer) * 1000.0 / 100;   // clock ticks of 10 ms (USER_HZ 100)
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"relay ({synchronous}): {messages} messages in {watch.Elapsed.TotalSeconds:F1} s = {messages / watch.Elapsed.TotalSeconds:F0} msg/s; " +
                $"CPU {used.TotalMilliseconds * 1000 / messages:F1} µs/message (SQLite writer thread {writerMs * 1000 / messages:F1}); {allocated / (double)messages / 1024:F1} KiB allocated/message; " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
        finally
        {
            benchmark.Cleanup();
        }
    }

    /// <summary>utime + stime of the SQLite writer thread, in clock ticks (Linux /proc).</summary>
    private static long WriterThreadTicks()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "sotto-sqlite-wr")
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
