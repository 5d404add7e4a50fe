using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sotto.LoadGenerator;

// Load generator for the relay server (issue 3, "Speed"). Starts the real server (Release build) on a loopback port
// with a fresh data directory, then:
//   throughput  N devices on WebSockets; closed-loop senders as fast as the server takes them; delivered msg/s, latency
//   latency     the same devices at a fixed offered rate (--rate, default half the measured throughput); p50/p99
//   idle        --connections idle WebSockets; server resident memory per connection
// Usage: dotnet bench/Sotto.LoadGenerator/bin/Release/net10.0/Sotto.LoadGenerator.dll
//          [--mode all|throughput|latency|idle] [--devices 1000] [--connections 10000] [--seconds 20]
//          [--concurrency 256] [--rate MSG_PER_S] [--server-dll PATH] [--server-arg --Key=Value]...
var options = Options.Parse(args);
var keys = new SharedKeys();
double measured = 0;

if (options.Mode is "all" or "throughput" or "latency")
{
    using var server = await ServerUnderTest.StartAsync(options.ServerDll, options.ServerArgs);
    var devices = await Fleet.RegisterAsync(server.Address, keys, options.Devices, "d");
    await Fleet.ConnectAsync(server.Address, devices);
    Console.WriteLine($"{devices.Count} devices registered and connected");
    var sink = new DeliverySink();
    using var stopReceiving = new CancellationTokenSource();
    var receivers = devices.Select(d => Task.Run(() => d.ReceiveLoopAsync(keys.MessageKey, sink.OnDelivered, stopReceiving.Token))).ToArray();
    if (options.Mode is "all" or "throughput")
    {
        var cpu = (Server: server.CpuTime(), Self: Process.GetCurrentProcess().TotalProcessorTime);
        var result = await Traffic.RunAsync(server.Address, devices, keys, sink, options.Seconds, options.Concurrency, rate: null);
        measured = result.DeliveredPerSecond;
        Console.WriteLine($"throughput: {result}");
        Console.WriteLine(CpuLine(server, cpu, result));
    }

    if (options.Mode is "all" or "latency")
    {
        double rate = options.Rate ?? Math.Max(1, measured / 2);
        var cpu = (Server: server.CpuTime(), Self: Process.GetCurrentProcess().TotalProcessorTime);
        var result = await Traffic.RunAsync(server.Address, devices, keys, sink, options.Seconds, options.Concurrency, rate);
        Console.WriteLine($"latency at {rate:F0} msg/s offered: {result}");
        Console.WriteLine(CpuLine(server, cpu, result));
    }

    await stopReceiving.CancelAsync();
    await Task.WhenAll(receivers);
    Fleet.Close(devices);
}

if (options.Mode is "all" or "idle")
{
    using var server = await ServerUnderTest.StartAsync(options.ServerDll, options.ServerArgs);
    var devices = await Fleet.RegisterAsync(server.Address, keys, options.Connections, "i");
    await Task.Delay(2000);
    long before = server.ResidentBytes();
    var watch = Stopwatch.StartNew();
    await Fleet.ConnectAsync(server.Address, devices);
    Console.WriteLine($"{devices.Count} idle connections open in {watch.Elapsed.TotalSeconds:F1} s");
    await Task.Delay(5000);
    long after = server.ResidentBytes();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"idle: server RSS {before / 1048576.0:F1} MiB before, {after / 1048576.0:F1} MiB with {devices.Count} connections: {(after - before) / (double)devices.Count / 1024:F1} KiB per idle connection"));
    if (options.Hold > 0)
    {
        Console.WriteLine($"holding the connections for {options.Hold} s (server pid {server.ProcessId})");
        await Task.Delay(TimeSpan.FromSeconds(options.Hold));
    }

    Fleet.Close(devices);
}

static string CpuLine(ServerUnderTest server, (TimeSpan Server, TimeSpan Self) before, TrafficResult result)
{
    // Whole run (warm-up and drain included) over all messages sent in it: a load-independent cost per message.
    var serverCpu = server.CpuTime() - before.Server;
    var selfCpu = Process.GetCurrentProcess().TotalProcessorTime - before.Self;
    return string.Create(CultureInfo.InvariantCulture,
        $"  cpu: server {serverCpu.TotalSeconds:F1} s, load generator {selfCpu.TotalSeconds:F1} s for {result.TotalSent} sends = server {serverCpu.TotalMilliseconds * 1000 / Math.Max(1, result.TotalSent):F0} µs per message; machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
}

internal sealed record Options(string Mode, int Devices, int Connections, int Seconds, int Concurrency, double? Rate, string ServerDll, List<string> ServerArgs, int Hold = 0)
{
    public static Options Parse(string[] args)
    {
        var o = new Options("all", 1000, 10_000, 20, 256, null, DefaultServerDll(), []);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + args[i]);
            o = args[i] switch
            {
                "--mode" => o with { Mode = Next() },
                "--devices" => o with { Devices = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--connections" => o with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => o with { Seconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => o with { Concurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rate" => o with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--server-dll" => o with { ServerDll = Next() },
                "--hold" => o with { Hold = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--server-arg" => o with { ServerArgs = [.. o.ServerArgs, Next()] },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }

    private static string DefaultServerDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sotto.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? ".", "src", "Sotto.Server", "bin", "Release", "net10.0", "Sotto.Server.dll");
    }
}

internal static class Fleet
{
    public static HttpClient Client(Uri server, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<List<SimulatedDevice>> RegisterAsync(Uri server, SharedKeys keys, int count, string prefix)
    {
        using var client = Client(server, 32);
        var devices = new SimulatedDevice[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            devices[i] = await SimulatedDevice.RegisterAsync(client, keys, $"{prefix}{i:D6}", 1 + (i % 16000)));
        return [.. devices];
    }

    public static async Task ConnectAsync(Uri server, List<SimulatedDevice> devices)
    {
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (d, ct) => await d.ConnectAsync(server, ct));
    }

    public static void Close(List<SimulatedDevice> devices)
    {
        foreach (var d in devices)
        {
            d.Socket?.Abort();
            d.Socket?.Dispose();
        }
    }
}

internal sealed record TrafficResult(long Sent, long Delivered, double Seconds, double P50Ms, double P99Ms, double MaxMs, long Errors, long TotalSent)
{
    public double DeliveredPerSecond => Delivered / Seconds;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Delivered} delivered in {Seconds:F1} s = {DeliveredPerSecond:F0} msg/s (sent {Sent}, errors {Errors}); send→receive p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F1} ms");
}

internal static class Traffic
{
    /// <summary>
    /// Random device-to-device sends for <paramref name="seconds"/> (after a 3 s warm-up that is not measured).
    /// Closed loop with <paramref name="concurrency"/> outstanding sends when <paramref name="rate"/> is null; otherwise
    /// sends are started on a fixed schedule (open loop, at most <paramref name="concurrency"/> outstanding).
    /// </summary>
    public static async Task<TrafficResult> RunAsync(Uri server, List<SimulatedDevice> devices, SharedKeys keys, DeliverySink sink, int seconds, int concurrency, double? rate)
    {
        using var client = Fleet.Client(server, concurrency);
        long measuringFrom = long.MaxValue;
        long measuringUntil = long.MaxValue;
        long sent = 0;
        long errors = 0;
        long sequence = 0;
        long totalSent = 0;
        sink.Reset();

        async Task SendOneAsync()
        {
            int from = Random.Shared.Next(devices.Count);
            int to = Random.Shared.Next(devices.Count - 1);
            if (to >= from)
            {
                to++;
            }

            long now = Stopwatch.GetTimestamp();
            var body = SimulatedDevice.Seal(keys.MessageKey, now, Interlocked.Increment(ref sequence));
            try
            {
                using var request = SimulatedDevice.SendRequest(devices[from], devices[to], body);
                using var response = await client.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref totalSent);
                    if (now >= Volatile.Read(ref measuringFrom) && Stopwatch.GetTimestamp() <= Volatile.Read(ref measuringUntil))
                    {
                        Interlocked.Increment(ref sent);
                    }
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        var warmUp = TimeSpan.FromSeconds(3);
        var total = warmUp + TimeSpan.FromSeconds(seconds);
        var started = Stopwatch.GetTimestamp();
        _ = Task.Run(async () =>
        {
            await Task.Delay(warmUp);
            long from = Stopwatch.GetTimestamp();
            Volatile.Write(ref measuringFrom, from);
            sink.MeasureFrom(from);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            long until = Stopwatch.GetTimestamp();
            Volatile.Write(ref measuringUntil, until);
            sink.MeasureUntil(until);
        });

        if (rate is null)
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (Stopwatch.GetElapsedTime(started) < total)
                {
                    await SendOneAsync();
                }
            })));
        }
        else
        {
            using var slots = new SemaphoreSlim(concurrency);
            var pending = new List<Task>();
            double interval = 1.0 / rate.Value;
            long issued = 0;
            while (Stopwatch.GetElapsedTime(started) < total)
            {
                long due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds / interval);
                while (issued < due)
                {
                    issued++;
                    await slots.WaitAsync();
                    pending.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await SendOneAsync();
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }));
                }

                await Task.Delay(1);
            }

            await Task.WhenAll(pending);
        }

        await Task.Delay(2000);
        double window = (Volatile.Read(ref measuringUntil) - measuringFrom) / (double)Stopwatch.Frequency;
        var (delivered, sorted) = sink.Results();

        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        return new TrafficResult(sent, delivered, window, Percentile(0.50), Percentile(0.99), sorted.Length == 0 ? double.NaN : sorted[^1], errors, totalSent);
    }
}

/// <summary>Collects deliveries of messages sent inside the measurement window and received before it closed.</summary>
internal sealed class DeliverySink
{
    private readonly List<double> _latencies = new(1 << 20);
    private long _from = long.MaxValue;
    private long _until = long.MaxValue;
    private long _delivered;

    public void Reset()
    {
        lock (_latencies)
        {
            _latencies.Clear();
            _delivered = 0;
            _from = long.MaxValue;
            _until = long.MaxValue;
        }
    }

    public void MeasureFrom(long ticks) => Volatile.Write(ref _from, ticks);

    public void MeasureUntil(long ticks) => Volatile.Write(ref _until, ticks);

    public void OnDelivered(long sentTicks)
    {
        long now = Stopwatch.GetTimestamp();
        if (sentTicks >= Volatile.Read(ref _from) && now <= Volatile.Read(ref _until))
        {
            lock (_latencies)
            {
                _delivered++;
                _latencies.Add((now - sentTicks) * 1000.0 / Stopwatch.Frequency);
            }
        }
    }

    public (long Delivered, double[] SortedLatencies) Results()
    {
        lock (_latencies)
        {
            return (_delivered, [.. _latencies.Order()]);
        }
    }
}
