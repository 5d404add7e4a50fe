using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sotto.Crypto;
using Sotto.InteropPeer;
using Sotto.Protocol;

// Sotto's interop peer: the newline-delimited JSON protocol of tests/interop/libsignal/peer.mjs (see there for the
// commands), implemented with Sotto.Protocol. Usage: Sotto.InteropPeer serve --state FILE
int stateIndex = Array.IndexOf(args, "--state");
if (args.Length < 3 || args[0] != "serve" || stateIndex < 0 || stateIndex + 1 >= args.Length)
{
    Console.Error.WriteLine("usage: Sotto.InteropPeer serve --state FILE");
    return 2;
}

var peer = new Peer(args[stateIndex + 1]);
var stdout = Console.Out;
while (Console.In.ReadLine() is { } line)
{
    if (string.IsNullOrWhiteSpace(line))
    {
        continue;
    }

    JsonObject response;
    JsonNode? id = null;
    try
    {
        var request = JsonNode.Parse(line)!.AsObject();
        id = request["id"]?.DeepClone();
        response = await peer.HandleAsync(request);
        response["ok"] = true;
    }
    catch (ProtocolException e)
    {
        response = new JsonObject { ["ok"] = false, ["error"] = $"ProtocolException: {e.Message}", ["code"] = e.Code.ToString() };
    }
    catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
    {
        response = new JsonObject { ["ok"] = false, ["error"] = $"{e.GetType().Name}: {e.Message}", ["code"] = null };
    }

    if (id is not null)
    {
        response["id"] = id;
    }

    stdout.WriteLine(response.ToJsonString());
    stdout.Flush();
}

return 0;

/// <summary>One Sotto device driven by JSON commands; the state file is rewritten after every command.</summary>
internal sealed class Peer(string statePath)
{
    private readonly IRandom _random = SystemRandom.Instance;
    private FileProtocolStore? _store = File.Exists(statePath) ? FileProtocolStore.FromJson(JsonNode.Parse(File.ReadAllText(statePath))!.AsObject()) : null;

    public async Task<JsonObject> HandleAsync(JsonObject r)
    {
        string cmd = r["cmd"]?.GetValue<string>() ?? throw new ArgumentException("missing cmd");
        if (cmd == "init")
        {
            uint registrationId = r["registrationId"]?.GetValue<uint>() ?? (uint)(1 + BitConverter.ToUInt16(RandomBytes(2)) % 16380);
            _store = new FileProtocolStore(IdentityKeyPair.Generate(_random), registrationId, r["name"]!.GetValue<string>(), r["deviceId"]?.GetValue<uint>() ?? 1);
            Save();
            return new JsonObject { ["identityKey"] = Hex(_store.IdentityKey.Serialized), ["registrationId"] = registrationId };
        }

        var store = _store ?? throw new InvalidOperationException("no state: send init first");
        var cipher = new SessionCipher(store, store.Address, TimeProvider.System, _random);
        JsonObject result;
        switch (cmd)
        {
            case "identity":
                result = new JsonObject { ["name"] = store.Name, ["deviceId"] = store.DeviceId, ["registrationId"] = store.RegistrationId, ["identityKey"] = Hex(store.IdentityKey.Serialized) };
                break;
            case "bundle":
                result = await MakeBundleAsync(store, r);
                break;
            case "process-bundle":
                await cipher.ProcessPreKeyBundleAsync(Address(r["remote"]), BundleFromJson(r["bundle"]!.AsObject()));
                result = [];
                break;
            case "encrypt":
                var message = await cipher.EncryptAsync(Address(r["remote"]), PlaintextOf(r));
                result = new JsonObject { ["type"] = (int)message.Type, ["ciphertextHex"] = Hex(message.Serialized.Span) };
                break;
            case "decrypt":
                var type = (CiphertextMessageType)r["type"]!.GetValue<int>();
                var plaintext = await cipher.DecryptAsync(Address(r["remote"]), CiphertextMessage.Deserialize(type, Convert.FromHexString(r["ciphertextHex"]!.GetValue<string>())));
                result = new JsonObject { ["plaintextHex"] = Hex(plaintext), ["plaintext"] = Encoding.UTF8.GetString(plaintext) };
                break;
            case "safety-number":
                var remote = Address(r["remote"]);
                var theirs = await store.GetIdentityAsync(remote) ?? throw new InvalidOperationException("no identity stored for the remote address");
                var fingerprint = Fingerprint.ForServiceIds(ServiceId.Parse(store.Name), store.IdentityKey, ServiceId.Parse(remote.Name), theirs);
                result = new JsonObject { ["safetyNumber"] = fingerprint.DisplayString, ["scannableHex"] = Hex(fingerprint.Scannable.Serialize()) };
                break;
            case "kem-keygen":
                var kyberId = new KyberPreKeyId(r["kyberPreKeyId"]!.GetValue<uint>());
                var generated = KyberPreKeyRecord.Generate(kyberId, await store.GetIdentityKeyPairAsync(), DateTimeOffset.UtcNow, _random);
                await store.SaveKyberPreKeyAsync(kyberId, generated);
                result = new JsonObject { ["publicKeyHex"] = Hex(generated.PublicKey.Serialized), ["recordHex"] = Hex(generated.Serialize()) };
                break;
            case "kem-import":
                var importId = new KyberPreKeyId(r["kyberPreKeyId"]!.GetValue<uint>());
                var imported = KyberPreKeyRecord.Deserialize(Convert.FromHexString(r["recordHex"]!.GetValue<string>()));
                using (var secret = imported.GetSecretKey())
                {
                    var identity = await store.GetIdentityKeyPairAsync();
                    using var pair = new KemKeyPair(imported.PublicKey, KemSecretKey.Deserialize(secret.Serialize()));
                    var resigned = new KyberPreKeyRecord(importId, DateTimeOffset.UtcNow, pair, identity.Sign(imported.PublicKey.Serialized, _random));
                    await store.SaveKyberPreKeyAsync(importId, resigned);
                    result = new JsonObject { ["publicKeyHex"] = Hex(imported.PublicKey.Serialized), ["secretKeyHex"] = Hex(secret.Serialize()) };
                }

                break;
            default:
                throw new ArgumentException($"unknown command {cmd}");
        }

        Save();
        return result;
    }

    private async Task<JsonObject> MakeBundleAsync(FileProtocolStore store, JsonObject r)
    {
        var identity = await store.GetIdentityKeyPairAsync();
        var now = DateTimeOffset.UtcNow;
        var signedId = new SignedPreKeyId(r["signedPreKeyId"]?.GetValue<uint>() ?? store.NextId++);
        var signed = SignedPreKeyRecord.Generate(signedId, identity, now, _random);
        await store.SaveSignedPreKeyAsync(signedId, signed);

        PreKeyRecord? preKey = null;
        if (r["oneTime"]?.GetValue<bool>() != false)
        {
            var preKeyId = new PreKeyId(r["preKeyId"]?.GetValue<uint>() ?? store.NextId++);
            preKey = PreKeyRecord.Generate(preKeyId, _random);
            await store.SavePreKeyAsync(preKeyId, preKey);
        }

        var kyberId = new KyberPreKeyId(r["kyberPreKeyId"]?.GetValue<uint>() ?? store.NextId++);
        var kyber = await store.GetKyberPreKeyAsync(kyberId);
        if (kyber is null)
        {
            kyber = KyberPreKeyRecord.Generate(kyberId, identity, now, _random);
            await store.SaveKyberPreKeyAsync(kyberId, kyber);
        }

        if (r["lastResort"]?.GetValue<bool>() == true)
        {
            store.MarkLastResort(kyberId);
        }

        return new JsonObject
        {
            ["registrationId"] = store.RegistrationId,
            ["deviceId"] = store.DeviceId,
            ["preKeyId"] = preKey?.Id.Value,
            ["preKeyPublic"] = preKey is null ? null : Hex(preKey.PublicKey.Serialized),
            ["signedPreKeyId"] = signedId.Value,
            ["signedPreKeyPublic"] = Hex(signed.PublicKey.Serialized),
            ["signedPreKeySignature"] = Hex(signed.Signature),
            ["identityKey"] = Hex(identity.IdentityKey.Serialized),
            ["kyberPreKeyId"] = kyberId.Value,
            ["kyberPreKeyPublic"] = Hex(kyber.PublicKey.Serialized),
            ["kyberPreKeySignature"] = Hex(kyber.Signature),
        };
    }

    private static PreKeyBundle BundleFromJson(JsonObject j) => new(
        j["registrationId"]!.GetValue<uint>(),
        new DeviceId(j["deviceId"]!.GetValue<uint>()),
        j["preKeyId"] is { } preKeyId ? new PreKeyId(preKeyId.GetValue<uint>()) : null,
        j["preKeyPublic"] is { } preKeyPublic ? ECPublicKey.Deserialize(Convert.FromHexString(preKeyPublic.GetValue<string>())) : null,
        new SignedPreKeyId(j["signedPreKeyId"]!.GetValue<uint>()),
        ECPublicKey.Deserialize(Bytes(j, "signedPreKeyPublic")),
        Bytes(j, "signedPreKeySignature"),
        IdentityKey.Deserialize(Bytes(j, "identityKey")),
        new KyberPreKeyId(j["kyberPreKeyId"]!.GetValue<uint>()),
        KemPublicKey.Deserialize(Bytes(j, "kyberPreKeyPublic")),
        Bytes(j, "kyberPreKeySignature"));

    private static ProtocolAddress Address(JsonNode? node) =>
        new(node!["name"]!.GetValue<string>(), node["deviceId"]?.GetValue<uint>() ?? 1);

    private static byte[] PlaintextOf(JsonObject r) =>
        r["plaintextHex"] is { } hex ? Convert.FromHexString(hex.GetValue<string>()) : Encoding.UTF8.GetBytes(r["plaintext"]?.GetValue<string>() ?? string.Empty);

    private static byte[] Bytes(JsonObject j, string name) => Convert.FromHexString(j[name]!.GetValue<string>());

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.Fill(bytes);
        return bytes;
    }

    private void Save()
    {
        var temporary = statePath + ".tmp";
        File.WriteAllText(temporary, _store!.ToJson().ToJsonString());
        File.Move(temporary, statePath, overwrite: true);
    }
}
