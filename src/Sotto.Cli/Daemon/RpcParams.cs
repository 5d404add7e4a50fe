using System.Text.Json;

namespace Sotto.Cli.Daemon;

/// <summary>
/// A call's by-name parameters, read strictly: a missing required member, a member of the wrong JSON type, an
/// unknown member (a typo would otherwise be ignored silently) or a list over its bound is
/// <see cref="JsonRpc.InvalidParams"/>, raised before the method does anything.
/// </summary>
internal readonly struct RpcParams
{
    /// <summary>Message ids in one <c>markSeen</c>.</summary>
    public const int MaxIds = 1000;

    private readonly JsonElement _object;

    public RpcParams(JsonElement parameters)
    {
        _object = parameters;
    }

    /// <summary>Refuses members other than <paramref name="allowed"/>.</summary>
    public void AllowOnly(params ReadOnlySpan<string> allowed)
    {
        if (_object.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in _object.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                throw Invalid($"unknown parameter '{JsonRpc.Clip(property.Name)}'");
            }
        }
    }

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Invalid($"'{name}' is required");

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"'{name}' must be a string");
    }

    public Guid RequiredGuid(string name) =>
        OptionalGuid(name) ?? throw Invalid($"'{name}' is required");

    public Guid? OptionalGuid(string name)
    {
        if (OptionalString(name) is not { } text)
        {
            return null;
        }

        return Guid.TryParseExact(text, "D", out var id) ? id : throw Invalid($"'{name}' must be a message id (8-4-4-4-12 hex digits)");
    }

    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid($"'{name}' must be true or false"),
        };
    }

    public bool RequiredBool(string name) =>
        TryGet(name, out _) ? OptionalBool(name, false) : throw Invalid($"'{name}' is required");

    /// <summary>A string, or a whole number given as a JSON number (rendered as its digits).</summary>
    public string RequiredStringOrInteger(string name)
    {
        if (!TryGet(name, out var value))
        {
            throw Invalid($"'{name}' is required");
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number when value.TryGetUInt32(out uint n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw Invalid($"'{name}' must be a string or a non-negative whole number"),
        };
    }

    public List<Guid> RequiredGuids(string name)
    {
        if (!TryGet(name, out var value))
        {
            throw Invalid($"'{name}' is required");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'{name}' must be an array of message ids");
        }

        if (value.GetArrayLength() > MaxIds)
        {
            throw Invalid($"'{name}' holds more than {MaxIds} ids");
        }

        var ids = new List<Guid>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Guid.TryParseExact(item.GetString(), "D", out var id))
            {
                throw Invalid($"'{name}' must be an array of message ids");
            }

            ids.Add(id);
        }

        return ids;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        if (_object.ValueKind == JsonValueKind.Object && _object.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    private static RpcException Invalid(string what) => new(JsonRpc.InvalidParams, "Invalid params: " + what + ".");
}
