using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sotto.LoadGenerator;

/// <summary>The real server as a child process on a free loopback port, with a fresh data directory.</summary>
internal sealed class ServerUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private ServerUnderTest(Process process, Uri address, string dataDirectory)
    {
        _process = process;
        Address = address;
        _dataDirectory = dataDirectory;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServerUnderTest> StartAsync(string serverDll, IEnumerable<string> settings)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        // Under the repository (git-ignored), not the machine's shared /tmp, which other sessions clean with globs.
        var data = Path.Combine(Options.RepositoryRoot, ".test-tmp", "load-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(data);
        var address = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        foreach (var arg in new[] { serverDll, "--urls", address.ToString().TrimEnd('/'), "--data", data, "--RateLimits:Enabled=false", "--Logging:LogLevel:Default=Warning" }.Concat(settings))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start the server");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine("[server] " + line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine("[server] " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerUnderTest(process, address, data);
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 600; i++)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new TimeoutException("the server did not start");
    }

    /// <summary>Resident set size of the server process, from /proc (Linux).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS not found");
    }

    /// <summary>CPU time (user + system) the server process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
