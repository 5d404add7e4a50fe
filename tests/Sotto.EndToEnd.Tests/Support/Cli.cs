using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sotto.TestSupport;

namespace Sotto.EndToEnd.Tests.Support;

/// <summary>
/// Runs the built CLI, <c>dotnet src/Sotto.Cli/bin/{Configuration}/net10.0/Sotto.Cli.dll</c>, as a child process
/// (the same configuration as this test assembly).
/// </summary>
public static class Cli
{
    public static string Dll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return Path.Combine(Vectors.RepositoryRoot, "src", "Sotto.Cli", "bin", configuration, "net10.0", "Sotto.Cli.dll");
        }
    }

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("sotto " + string.Join(' ', args) + " did not finish.");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the CLI with redirected standard streams; the caller owns the process.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
    }
}

/// <summary>What a CLI run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard output as one JSON document per line.</summary>
    public List<JsonElement> JsonLines => [.. Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    public CliResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        Assert.Equal(string.Empty, Stderr);
        return this;
    }

    /// <summary>Asserts the failure contract: a non-zero exit and exactly one line on standard error, no stack trace.</summary>
    public string FailedWithOneLine(int expectedExitCode)
    {
        Assert.Equal(expectedExitCode, ExitCode);
        var lines = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("sotto: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", Stderr, StringComparison.Ordinal);
        return line;
    }
}
