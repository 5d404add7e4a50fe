using System.Diagnostics;
using System.Text.Json.Nodes;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Interop;

/// <summary>
/// A peer process driven through the newline-delimited JSON protocol of <c>tests/interop/libsignal/peer.mjs</c>:
/// either that libsignal peer (Node) or <c>tools/Sotto.InteropPeer</c>. One request at a time.
/// </summary>
internal sealed class InteropPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _stateDirectory;
    private int _nextId;

    private InteropPeer(string kind, Process process, string stateDirectory)
    {
        Kind = kind;
        _process = process;
        _stateDirectory = stateDirectory;
    }

    public string Kind { get; }

    public string Name { get; private set; } = "";

    public uint DeviceId { get; private set; }

    public JsonObject Address => new() { ["name"] = Name, ["deviceId"] = DeviceId };

    /// <summary>The libsignal 0.103.0 peer (needs <c>npm ci</c> in tests/interop/libsignal, which test.sh runs).</summary>
    public static InteropPeer StartLibsignal()
    {
        var directory = ToolProcess.NodePeerDirectory("libsignal", Path.Combine("@signalapp", "libsignal-client"));
        return Start("libsignal", "node", [Path.Combine(directory, "peer.mjs")], directory);
    }

    /// <summary>The Sotto peer, built with the solution (tools/Sotto.InteropPeer).</summary>
    public static InteropPeer StartSotto()
    {
        var (host, dll) = ToolProcess.BuiltTool("Sotto.InteropPeer");
        return Start("sotto", host, [dll], Sotto.TestSupport.Vectors.RepositoryRoot);
    }

    private static InteropPeer Start(string kind, string fileName, string[] arguments, string workingDirectory)
    {
        var stateDirectory = Directory.CreateTempSubdirectory("sotto-interop-").FullName;
        var process = ToolProcess.Start(fileName, [.. arguments, "serve", "--state", Path.Combine(stateDirectory, "state.json")], workingDirectory);
        return new InteropPeer(kind, process, stateDirectory);
    }

    /// <summary>Sends one command; returns the response (ok or not).</summary>
    public async Task<JsonObject> TryCallAsync(string command, JsonObject? fields = null)
    {
        var request = fields ?? [];
        request["id"] = ++_nextId;
        request["cmd"] = command;
        await _process.StandardInput.WriteLineAsync(request.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null)
        {
            var stderr = await _process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"{Kind} peer exited: {stderr}");
        }

        var response = JsonNode.Parse(line)!.AsObject();
        Assert.Equal(_nextId, response["id"]!.GetValue<int>());
        return response;
    }

    /// <summary>Sends one command and requires success.</summary>
    public async Task<JsonObject> CallAsync(string command, JsonObject? fields = null)
    {
        var response = await TryCallAsync(command, fields);
        Assert.True(response["ok"]!.GetValue<bool>(), $"{Kind} {command} failed: {response["error"]}");
        return response;
    }

    public async Task InitAsync(string name, uint deviceId)
    {
        Name = name;
        DeviceId = deviceId;
        await CallAsync("init", new JsonObject { ["name"] = name, ["deviceId"] = deviceId });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}
