using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Sotto.Mls.Tests.Interop;

/// <summary>
/// An MLS peer process driven through the JSON-lines protocol of <c>tests/interop/mls/peer.mjs</c>: that ts-mls
/// peer (Node) or <c>tools/Sotto.MlsPeer</c>. One request at a time.
/// </summary>
internal sealed class MlsPeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private int _nextId;

    private MlsPeerProcess(string kind, Process process)
    {
        Kind = kind;
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public string Kind { get; }

    /// <summary>ts-mls 1.6.4 (needs <c>npm ci</c> in tests/interop/mls, which test.sh runs).</summary>
    public static MlsPeerProcess StartTsMls()
    {
        var directory = Path.Combine(Sotto.TestSupport.Vectors.RepositoryRoot, "tests", "interop", "mls");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "ts-mls")))
        {
            throw new InvalidOperationException($"ts-mls is not installed: run `npm ci` in {directory} (./test.sh does).");
        }

        return Start("ts-mls", "node", [Path.Combine(directory, "peer.mjs")], directory);
    }

    /// <summary>A Node peer script speaking the same protocol (the OpenMLS peer of the shared kit).</summary>
    public static MlsPeerProcess StartNode(string kind, string script, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(kind, "node", [script], Path.GetDirectoryName(script)!, environment);

    /// <summary>Sotto's peer (tools/Sotto.MlsPeer, built before this test project).</summary>
    public static MlsPeerProcess StartSotto()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(Sotto.TestSupport.Vectors.RepositoryRoot, "tools", "Sotto.MlsPeer", "bin", configuration, "net10.0", "Sotto.MlsPeer.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build Sotto.slnx (./test.sh does).");
        }

        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host))
        {
            host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        }

        return Start("sotto", host, [dll], Sotto.TestSupport.Vectors.RepositoryRoot);
    }

    private static MlsPeerProcess Start(string kind, string fileName, string[] arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        return new MlsPeerProcess(kind, process);
    }

    /// <summary>Sends one request; returns the result, or the error text as <paramref name="error"/>.</summary>
    public JsonObject? TryCall(string method, JsonObject? parameters, out string? error)
    {
        var request = new JsonObject { ["id"] = ++_nextId, ["method"] = method, ["params"] = parameters ?? [] };
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(TimeSpan.FromSeconds(120)) || read.Result is null)
        {
            string stderr;
            lock (_stderr)
            {
                stderr = _stderr.ToString();
            }

            throw new InvalidOperationException($"{Kind} peer did not answer {method}: {stderr}");
        }

        var response = JsonNode.Parse(read.Result)!.AsObject();
        Assert.Equal(_nextId, response["id"]!.GetValue<int>());
        error = response["error"]?.GetValue<string>();
        return response["result"] as JsonObject;
    }

    /// <summary>Sends one request and requires success.</summary>
    public JsonObject Call(string method, JsonObject? parameters = null)
    {
        var result = TryCall(method, parameters, out var error);
        Assert.True(error is null, $"{Kind} {method} failed: {error}");
        return result!;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>Both peers, started once for a test class.</summary>
public sealed class MlsPeers : IDisposable
{
    internal MlsPeerProcess Sotto { get; } = MlsPeerProcess.StartSotto();

    internal MlsPeerProcess TsMls { get; } = MlsPeerProcess.StartTsMls();

    public void Dispose()
    {
        Sotto.Dispose();
        TsMls.Dispose();
    }
}
