using System.Diagnostics;
using System.Net.Http;
using System.Text;
using Sotto.TestSupport;

namespace Sotto.EndToEnd.Tests.Cli;

/// <summary>
/// The README's quick start, run as written: the commands are read from the first <c>sh</c> block under
/// "## Quick start", so the test breaks when the README drifts. Each line runs in <c>bash</c> in a fresh directory
/// whose <c>./sotto</c> forwards to the repository's <c>./sotto</c> (which builds the CLI when its sources changed).
/// The one substitution: the server runs on a free port instead of 5080 (<c>ASPNETCORE_URLS</c> for the server line,
/// the port in the client lines), because a fixed port may be taken on a shared machine.
/// </summary>
public sealed class ReadmeQuickStartTests
{
    private const string DefaultAddress = "127.0.0.1:5080";

    [Fact]
    public async Task QuickStartRunsAsWritten()
    {
        var lines = QuickStartLines();
        Assert.Contains(lines, l => l.StartsWith("./sotto server", StringComparison.Ordinal) && l.EndsWith('&'));
        Assert.Contains(lines, l => l.Contains(" receive", StringComparison.Ordinal));

        var work = Directory.CreateTempSubdirectory("sotto-quickstart-").FullName;
        int port = FreePort();
        string address = "127.0.0.1:" + port;
        var wrapper = Path.Combine(work, "sotto");
        await File.WriteAllTextAsync(wrapper, $"#!/usr/bin/env bash\nexec \"{Path.Combine(Vectors.RepositoryRoot, "sotto")}\" \"$@\"\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Process? server = null;
        var outputs = new List<(string Line, string Stdout, string Stderr)>();
        try
        {
            foreach (var line in lines)
            {
                if (line.EndsWith('&'))
                {
                    server = StartBash(work, line.TrimEnd('&').Trim(), ("ASPNETCORE_URLS", "http://" + address));
                    await WaitForHealthAsync(server, address);
                    continue;
                }

                Assert.Contains(DefaultAddress, line.Contains("--server", StringComparison.Ordinal) ? line : DefaultAddress, StringComparison.Ordinal);
                using var process = StartBash(work, line.Replace(DefaultAddress, address, StringComparison.Ordinal));
                var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
                var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                cts.CancelAfter(TimeSpan.FromMinutes(4));
                await process.WaitForExitAsync(cts.Token);
                outputs.Add((line, await stdout, await stderr));
                Assert.True(process.ExitCode == 0, $"'{line}' exited with {process.ExitCode}: {outputs[^1].Stderr}");
            }
        }
        finally
        {
            if (server is not null && !server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync(CancellationToken.None);
            }

            server?.Dispose();
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        // Bob received Alice's message and Alice received Bob's, as the README says.
        var receives = outputs.Where(o => o.Line.Contains(" receive", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, receives.Count);
        Assert.Contains("alice: Hello Bob", receives[0].Stdout, StringComparison.Ordinal);
        Assert.Contains("bob: Hi Alice", receives[1].Stdout, StringComparison.Ordinal);
    }

    /// <summary>The command lines of the first <c>```sh</c> block under <c>## Quick start</c>.</summary>
    private static List<string> QuickStartLines()
    {
        var readme = File.ReadAllLines(Path.Combine(Vectors.RepositoryRoot, "README.md"));
        int heading = Array.FindIndex(readme, l => l.Trim() == "## Quick start");
        Assert.True(heading >= 0, "README.md has no '## Quick start' section");
        int start = Array.FindIndex(readme, heading, l => l.Trim() == "```sh");
        int end = Array.FindIndex(readme, start + 1, l => l.Trim() == "```");
        Assert.True(start > heading && end > start, "the quick start has no ```sh block");
        return [.. readme[(start + 1)..end].Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
    }

    private static Process StartBash(string workingDirectory, string line, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(line.StartsWith("./sotto server", StringComparison.Ordinal) ? "exec " + line : line);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start bash");
        return process;
    }

    private static async Task WaitForHealthAsync(Process server, string address)
    {
        // Drain the server's output so that it never blocks on a full pipe.
        _ = server.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                Assert.Fail($"the server exited with {server.ExitCode}: {await errors}");
            }

            try
            {
                using var response = await http.GetAsync($"http://{address}/health", TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the server did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
