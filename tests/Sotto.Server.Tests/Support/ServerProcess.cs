using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sotto.TestSupport;

namespace Sotto.Server.Tests.Support;

/// <summary>
/// The real server as a separate process: <c>dotnet src/Sotto.Server/bin/{Configuration}/net10.0/Sotto.Server.dll
/// --urls http://127.0.0.1:PORT --data DIR</c>. Killed with SIGKILL (<see cref="Process.Kill()"/>) on request and on
/// dispose. Output is kept for failure messages.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>A memory figure of the process from <c>/proc/PID/status</c> (Linux), e.g. <c>VmRSS</c> or <c>VmHWM</c>, in bytes.</summary>
    public long Memory(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException(field + " not found");
    }

    /// <summary>Resets the process's peak resident size (<c>VmHWM</c>) to its current size (Linux <c>clear_refs</c>).</summary>
    public void ResetPeakMemory() => File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string ServerDll
    {
        get
        {
            // Same configuration as this test assembly (bin/Release or bin/Debug).
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return Path.Combine(Vectors.RepositoryRoot, "src", "Sotto.Server", "bin", configuration, "net10.0", "Sotto.Server.dll");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the server and waits until <c>/health</c> answers 200.</summary>
    public static Task<ServerProcess> StartAsync(string dataDirectory, int port, params string[] extraArgs) =>
        StartAsync(dataDirectory, port, https: false, extraArgs);

    /// <summary>Starts the server (over https when asked; any certificate is accepted) and waits for <c>/health</c>.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int port, bool https, params string[] extraArgs)
    {
        var server = Launch(dataDirectory, port, extraArgs, https);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"server exited with {server._process.ExitCode}:\n{server.Output}");
            }

            try
            {
                using var response = await client.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        server.Dispose();
        throw new TimeoutException("server did not become healthy:\n" + server.Output);
    }

    /// <summary>Starts the server with arguments that are expected to make it exit; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string dataDirectory, int port, params string[] extraArgs)
    {
        using var server = Launch(dataDirectory, port, extraArgs);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server._process.WaitForExitAsync(cts.Token);
        server._process.WaitForExit();
        return (server._process.ExitCode, server.Output);
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static ServerProcess Launch(string dataDirectory, int port, string[] extraArgs, bool https = false)
    {
        var address = new Uri($"{(https ? "https" : "http")}://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServerDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(address.ToString().TrimEnd('/'));
        info.ArgumentList.Add("--data");
        info.ArgumentList.Add(dataDirectory);
        foreach (var arg in extraArgs)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["RateLimits__Enabled"] = "false";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
