using System.Diagnostics;
using System.Globalization;
using System.Net;
using Sotto.LoadGenerator;

// Load generator for the relay server (issue 3, "Speed"). Starts the real server (Release build) on a loopback port
// with a fresh data directory, then:
//   throughput  N devices on WebSockets; closed-loop senders as fast as the server takes them; delivered msg/s, latency
//   latency     the same devices at a fixed offered rate (--rate, default half the measured throughput); p50/p99
//   idle        --connections idle WebSockets; server resident memory per connection
// Sends go over the devices' WebSockets (Send frames) by default, or as REST PUTs with --transport rest.
// Usage: dotnet bench/Sotto.LoadGenerator/bin/Release/net10.0/Sotto.LoadGenerator.dll
//          [--mode all|throughput|latency|idle] [--devices 1000] [--connections 10000] [--seconds 20] [--warmup 10]
//          [--concurrency 256] [--rate MSG_PER_S] [--transport websocket|rest] [--server-dll PATH] [--server-arg --Key=Value]...
//
// The generator's own socket completions run on the epoll thread (one thread-pool hop less per socket operation; its
// continuations never block). Read once, when the first socket is created. The server is started without it
// (ServerUnderTest), i.e. as it is deployed.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

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
    var traffic = new Traffic(server, devices, keys, sink, options);
    if (options.Mode is "all" or "throughput")
    {
        var result = await traffic.RunAsync(rate: null);
        measured = result.DeliveredPerSecond;
        Console.WriteLine($"throughput ({options.Transport}): {result}");
        Console.WriteLine(result.CpuLine());
    }

    if (options.Mode is "all" or "latency")
    {
        double rate = options.Rate ?? Math.Max(1, measured / 2);
        var result = await traffic.RunAsync(rate);
        Console.WriteLine($"latency ({options.Transport}) at {rate:F0} msg/s offered: {result}");
        Console.WriteLine(result.CpuLine());
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

internal sealed record Options(string Mode, int Devices, int Connections, int Seconds, int Concurrency, double? Rate, string ServerDll, List<string> ServerArgs, int Hold = 0, int Warmup = 10, string Transport = "websocket")
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
                "--warmup" => o with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--transport" => o with { Transport = ParseTransport(Next()) },
                "--server-arg" => o with { ServerArgs = [.. o.ServerArgs, Next()] },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }

    private static string ParseTransport(string value) =>
        value is "rest" or "websocket" ? value : throw new ArgumentException("--transport is websocket or rest");

    /// <summary>The repository this tool was built in (the directory holding Sotto.slnx).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sotto.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? ".";
        }
    }

    private static string DefaultServerDll() => Path.Combine(RepositoryRoot, "src", "Sotto.Server", "bin", "Release", "net10.0", "Sotto.Server.dll");
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

internal sealed record TrafficResult(long Sent, long Delivered, double Seconds, double P50Ms, double P99Ms, double MaxMs, long Errors, TimeSpan ServerCpu, TimeSpan GeneratorCpu)
{
    public double DeliveredPerSecond => Delivered / Seconds;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Delivered} delivered in {Seconds:F1} s = {DeliveredPerSecond:F0} msg/s (sent {Sent}, errors {Errors}); send→receive p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F1} ms");

    /// <summary>CPU inside the measured window over the messages delivered in it: a cost per message that a shared machine disturbs less than msg/s.</summary>
    public string CpuLine() => string.Create(CultureInfo.InvariantCulture,
        $"  cpu in the window: server {ServerCpu.TotalSeconds:F1} s = {ServerCpu.TotalMilliseconds * 1000 / Math.Max(1, Delivered):F0} µs per message, " +
        $"load generator {GeneratorCpu.TotalSeconds:F1} s = {GeneratorCpu.TotalMilliseconds * 1000 / Math.Max(1, Delivered):F0} µs per message; " +
        $"machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
}

/// <summary>
/// Random device-to-device sends: a warm-up (the server's JIT tiers up; not measured), then the measured window.
/// Closed loop with <c>concurrency</c> outstanding sends when no rate is given; otherwise sends start on a fixed
/// schedule (open loop, at most <c>concurrency</c> outstanding). Each send goes over the sender's WebSocket
/// (<c>--transport websocket</c>) or as a REST PUT (<c>--transport rest</c>).
/// </summary>
internal sealed class Traffic(ServerUnderTest server, List<SimulatedDevice> devices, SharedKeys keys, DeliverySink sink, Options options)
{
    public async Task<TrafficResult> RunAsync(double? rate)
    {
        using var client = Fleet.Client(server.Address, options.Concurrency);
        bool rest = options.Transport == "rest";
        long measuringFrom = long.MaxValue;
        long measuringUntil = long.MaxValue;
        long sent = 0;
        long errors = 0;
        long sequence = 0;
        (TimeSpan Server, TimeSpan Self) cpuFrom = default, cpuUntil = default;
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
            bool ok;
            try
            {
                if (rest)
                {
                    using var request = SimulatedDevice.SendRequest(devices[from], devices[to], body);
                    using var response = await client.SendAsync(request);
                    ok = response.StatusCode == HttpStatusCode.OK;
                }
                else
                {
                    ok = (await devices[from].SendOverSocketAsync(devices[to], body, CancellationToken.None)).Status == 200;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or System.Net.WebSockets.WebSocketException)
            {
                ok = false;
            }

            if (!ok)
            {
                Interlocked.Increment(ref errors);
            }
            else if (now >= Volatile.Read(ref measuringFrom) && Stopwatch.GetTimestamp() <= Volatile.Read(ref measuringUntil))
            {
                Interlocked.Increment(ref sent);
            }
        }

        var warmUp = TimeSpan.FromSeconds(options.Warmup);
        var total = warmUp + TimeSpan.FromSeconds(options.Seconds);
        var started = Stopwatch.GetTimestamp();
        var window = Task.Run(async () =>
        {
            await Task.Delay(warmUp);
            cpuFrom = (server.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
            long from = Stopwatch.GetTimestamp();
            Volatile.Write(ref measuringFrom, from);
            sink.MeasureFrom(from);
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
            long until = Stopwatch.GetTimestamp();
            Volatile.Write(ref measuringUntil, until);
            sink.MeasureUntil(until);
            cpuUntil = (server.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
        });

        if (rate is null)
        {
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
            {
                while (Stopwatch.GetElapsedTime(started) < total)
                {
                    await SendOneAsync();
                }
            })));
        }
        else
        {
            using var slots = new SemaphoreSlim(options.Concurrency);
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

        await window;
        await Task.Delay(2000);
        double seconds = (Volatile.Read(ref measuringUntil) - measuringFrom) / (double)Stopwatch.Frequency;
        var (delivered, sorted) = sink.Results();

        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        return new TrafficResult(sent, delivered, seconds, Percentile(0.50), Percentile(0.99), sorted.Length == 0 ? double.NaN : sorted[^1], errors,
            cpuUntil.Server - cpuFrom.Server, cpuUntil.Self - cpuFrom.Self);
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
