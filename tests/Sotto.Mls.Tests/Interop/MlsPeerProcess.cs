using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Sotto.TestSupport;

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
        var directory = ToolProcess.NodePeerDirectory("mls", "ts-mls");
        return new MlsPeerProcess("ts-mls", ToolProcess.Start("node", [Path.Combine(directory, "peer.mjs")], directory));
    }

    /// <summary>A Node peer script speaking the same protocol (the OpenMLS peer of the shared kit).</summary>
    public static MlsPeerProcess StartNode(string kind, string script, IReadOnlyDictionary<string, string>? environment = null) =>
        new(kind, ToolProcess.Start("node", [script], Path.GetDirectoryName(script)!, environment));

    /// <summary>Sotto's peer (tools/Sotto.MlsPeer, built before this test project).</summary>
    public static MlsPeerProcess StartSotto()
    {
        var (host, dll) = ToolProcess.BuiltTool("Sotto.MlsPeer");
        return new MlsPeerProcess("sotto", ToolProcess.Start(host, [dll], Sotto.TestSupport.Vectors.RepositoryRoot));
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
