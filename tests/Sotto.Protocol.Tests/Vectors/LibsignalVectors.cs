using System.Text.Json;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Vectors;

/// <summary>Typed access to <c>tests/vectors/libsignal/vectors.json</c> (see its README).</summary>
internal sealed class LibsignalVectors
{
    private static readonly Lazy<LibsignalVectors> Instance = new(() => new LibsignalVectors());
    private readonly JsonElement _root;

    private LibsignalVectors()
    {
        using var document = Sotto.TestSupport.Vectors.Load("libsignal/vectors.json");
        _root = document.RootElement.Clone();
    }

    public static LibsignalVectors Load() => Instance.Value;

    public JsonElement Alice => _root.GetProperty("alice");

    public JsonElement Bob => _root.GetProperty("bob");

    public JsonElement Bundle => _root.GetProperty("bobBundle");

    public JsonElement Derived => _root.GetProperty("derived");

    public IEnumerable<JsonElement> Steps => _root.GetProperty("steps").EnumerateArray();

    public JsonElement Message(string id) => _root.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetString() == id);

    public ProtocolAddress AliceAddress => new(Alice.GetProperty("name").GetString()!, 1);

    public ProtocolAddress BobAddress => new(Bob.GetProperty("name").GetString()!, 1);

    public static byte[] Bytes(JsonElement element, string property) => Hex.Decode(element.GetProperty(property).GetString()!);

    public static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
