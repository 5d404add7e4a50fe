using System.Text.Json.Nodes;
using Sotto.Protocol;
using Sotto.Protocol.Storage;

namespace Sotto.InteropPeer;

/// <summary>
/// An <see cref="IProtocolStore"/> that keeps every record serialized, as a database would, and reads and writes
/// the whole state as one JSON object. Every load deserializes fresh objects, so a failed operation that does
/// not store anything leaves the state untouched.
/// </summary>
internal sealed class FileProtocolStore : IProtocolStore
{
    private readonly IdentityKeyPair _identity;
    private readonly Dictionary<string, byte[]> _sessions = [];
    private readonly Dictionary<string, byte[]> _identities = [];
    private readonly Dictionary<uint, byte[]> _preKeys = [];
    private readonly Dictionary<uint, byte[]> _signedPreKeys = [];
    private readonly Dictionary<uint, byte[]> _kyberPreKeys = [];
    private readonly HashSet<uint> _lastResortKyber = [];
    private readonly HashSet<string> _baseKeysSeen = [];

    public FileProtocolStore(IdentityKeyPair identity, uint registrationId, string name, uint deviceId)
    {
        _identity = identity;
        RegistrationId = registrationId;
        Name = name;
        DeviceId = deviceId;
    }

    public uint RegistrationId { get; }

    public string Name { get; }

    public uint DeviceId { get; }

    public uint NextId { get; set; } = 1;

    public ProtocolAddress Address => new(Name, DeviceId);

    public IdentityKey IdentityKey => _identity.IdentityKey;

    public void MarkLastResort(KyberPreKeyId id) => _lastResortKyber.Add(id.Value);

    public bool HasKyberPreKey(KyberPreKeyId id) => _kyberPreKeys.ContainsKey(id.Value);

    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_identity);

    public ValueTask<uint> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(RegistrationId);

    public ValueTask<IdentityChange> SaveIdentityAsync(ProtocolAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        bool replaced = _identities.TryGetValue(address.ToString(), out var known) && !known.AsSpan().SequenceEqual(identity.Serialized);
        _identities[address.ToString()] = identity.Serialize();
        return ValueTask.FromResult(replaced ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged);
    }

    public ValueTask<bool> IsTrustedIdentityAsync(ProtocolAddress address, IdentityKey identity, Direction direction, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(!_identities.TryGetValue(address.ToString(), out var known) || known.AsSpan().SequenceEqual(identity.Serialized));

    public ValueTask<IdentityKey?> GetIdentityAsync(ProtocolAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_identities.TryGetValue(address.ToString(), out var known) ? IdentityKey.Deserialize(known) : null);

    public ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_preKeys.TryGetValue(id.Value, out var bytes) ? PreKeyRecord.Deserialize(bytes) : null);

    public ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        _preKeys[id.Value] = record.Serialize();
        return ValueTask.CompletedTask;
    }

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        _preKeys.Remove(id.Value);
        return ValueTask.CompletedTask;
    }

    public ValueTask<SignedPreKeyRecord?> GetSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_signedPreKeys.TryGetValue(id.Value, out var bytes) ? SignedPreKeyRecord.Deserialize(bytes) : null);

    public ValueTask SaveSignedPreKeyAsync(SignedPreKeyId id, SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        _signedPreKeys[id.Value] = record.Serialize();
        return ValueTask.CompletedTask;
    }

    public ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_kyberPreKeys.TryGetValue(id.Value, out var bytes) ? KyberPreKeyRecord.Deserialize(bytes) : null);

    public ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        _kyberPreKeys[id.Value] = record.Serialize();
        return ValueTask.CompletedTask;
    }

    public ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default)
    {
        if (!_lastResortKyber.Contains(id.Value))
        {
            _kyberPreKeys.Remove(id.Value);
        }
        else if (!_baseKeysSeen.Add($"{id.Value}:{signedPreKeyId.Value}:{baseKey}"))
        {
            throw new ProtocolException(ProtocolError.ReusedBaseKey, "This base key was already used with this last-resort Kyber prekey.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<SessionRecord?> LoadSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_sessions.TryGetValue(address.ToString(), out var bytes) ? SessionRecord.Deserialize(bytes) : null);

    public ValueTask StoreSessionAsync(ProtocolAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        _sessions[address.ToString()] = record.Serialize();
        return ValueTask.CompletedTask;
    }

    public JsonObject ToJson() => new()
    {
        ["self"] = new JsonObject { ["name"] = Name, ["deviceId"] = DeviceId },
        ["registrationId"] = RegistrationId,
        ["identity"] = Convert.ToHexStringLower(_identity.Serialize()),
        ["nextId"] = NextId,
        ["sessions"] = ToJson(_sessions),
        ["identities"] = ToJson(_identities),
        ["preKeys"] = ToJson(_preKeys),
        ["signedPreKeys"] = ToJson(_signedPreKeys),
        ["kyberPreKeys"] = ToJson(_kyberPreKeys),
        ["lastResortKyber"] = new JsonArray([.. _lastResortKyber.Select(id => JsonValue.Create(id))]),
        ["baseKeysSeen"] = new JsonArray([.. _baseKeysSeen.Select(k => JsonValue.Create(k))]),
    };

    public static FileProtocolStore FromJson(JsonObject json)
    {
        var self = json["self"]!.AsObject();
        var store = new FileProtocolStore(
            IdentityKeyPair.Deserialize(Convert.FromHexString(json["identity"]!.GetValue<string>())),
            json["registrationId"]!.GetValue<uint>(),
            self["name"]!.GetValue<string>(),
            self["deviceId"]!.GetValue<uint>())
        {
            NextId = json["nextId"]!.GetValue<uint>(),
        };
        Load(json["sessions"], store._sessions, k => k);
        Load(json["identities"], store._identities, k => k);
        Load(json["preKeys"], store._preKeys, uint.Parse);
        Load(json["signedPreKeys"], store._signedPreKeys, uint.Parse);
        Load(json["kyberPreKeys"], store._kyberPreKeys, uint.Parse);
        foreach (var id in json["lastResortKyber"]!.AsArray())
        {
            store._lastResortKyber.Add(id!.GetValue<uint>());
        }

        foreach (var seen in json["baseKeysSeen"]!.AsArray())
        {
            store._baseKeysSeen.Add(seen!.GetValue<string>());
        }

        return store;
    }

    private static JsonObject ToJson<TKey>(Dictionary<TKey, byte[]> map)
        where TKey : notnull
    {
        var json = new JsonObject();
        foreach (var (key, value) in map)
        {
            json[key.ToString()!] = Convert.ToHexStringLower(value);
        }

        return json;
    }

    private static void Load<TKey>(JsonNode? node, Dictionary<TKey, byte[]> map, Func<string, TKey> parseKey)
        where TKey : notnull
    {
        foreach (var (key, value) in node!.AsObject())
        {
            map[parseKey(key)] = Convert.FromHexString(value!.GetValue<string>());
        }
    }
}
