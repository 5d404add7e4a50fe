using System.Text.Json.Nodes;
using Sotto.Mls;
using Sotto.MlsPeer;

// Sotto's MLS peer. One JSON request per line on stdin, {"id":…,"method":"…","params":{…}}; one response per line
// on stdout, {"id":…,"result":{…}} or {"id":…,"error":"…"}. Bytes are lowercase hex; messages are MLSMessage TLS
// bytes; a ratchet_tree is the raw optional<Node> ratchet_tree<V>. Methods: see MlsPeer.cs.
var peer = new MlsPeer();
var stdout = Console.Out;
while (Console.In.ReadLine() is { } line)
{
    if (string.IsNullOrWhiteSpace(line))
    {
        continue;
    }

    JsonNode? id = null;
    JsonObject response;
    try
    {
        var request = JsonNode.Parse(line)!.AsObject();
        id = request["id"]?.DeepClone();
        var method = request["method"]?.GetValue<string>() ?? throw new ArgumentException("missing method");
        var result = peer.Handle(method, request["params"] as JsonObject ?? []);
        response = new JsonObject { ["id"] = id, ["result"] = result };
    }
    catch (MlsException e)
    {
        response = new JsonObject { ["id"] = id, ["error"] = $"MlsException {e.Code}: {e.Message}" };
    }
    catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
    {
        response = new JsonObject { ["id"] = id, ["error"] = $"{e.GetType().Name}: {e.Message}" };
    }

    stdout.WriteLine(response.ToJsonString());
    stdout.Flush();
}

return 0;
