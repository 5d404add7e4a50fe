using System.Text.Json.Serialization;

namespace Sotto.Wire;

// REST DTOs for prekeys (docs/server-api.md, "Keys"). Byte arrays travel as standard base64 strings.

/// <summary>A one-time Curve25519 prekey: <see cref="PublicKey"/> is 33 bytes, 0x05 ‖ u.</summary>
public sealed record EcPreKey
{
    public required uint KeyId { get; init; }

    public required byte[] PublicKey { get; init; }
}

/// <summary>The signed Curve25519 prekey; <see cref="Signature"/> is XEdDSA by the identity key over <see cref="PublicKey"/>.</summary>
public sealed record SignedEcPreKey
{
    public required uint KeyId { get; init; }

    public required byte[] PublicKey { get; init; }

    public required byte[] Signature { get; init; }
}

/// <summary>
/// A Kyber1024 prekey (one-time or last-resort): <see cref="PublicKey"/> is 1569 bytes, 0x08 ‖ ek;
/// <see cref="Signature"/> is XEdDSA by the identity key over <see cref="PublicKey"/>.
/// </summary>
public sealed record KyberPreKey
{
    public required uint KeyId { get; init; }

    public required byte[] PublicKey { get; init; }

    public required byte[] Signature { get; init; }
}

/// <summary>
/// <c>PUT /v1/keys</c>: each member that is present replaces what the server holds for this device (a list
/// replaces the whole list of that kind). At least one member must be present.
/// </summary>
public sealed record KeyUploadRequest
{
    public SignedEcPreKey? SignedPreKey { get; init; }

    public KyberPreKey? PqLastResortPreKey { get; init; }

    public IReadOnlyList<EcPreKey>? PreKeys { get; init; }

    public IReadOnlyList<KyberPreKey>? PqPreKeys { get; init; }
}

/// <summary><c>GET /v1/keys</c>: how many one-time keys the server still holds for the calling device.</summary>
public sealed record PreKeyCountResponse
{
    /// <summary>One-time Curve25519 prekeys.</summary>
    public required int Count { get; init; }

    /// <summary>One-time Kyber1024 prekeys (the last-resort key is not counted).</summary>
    public required int PqCount { get; init; }
}

/// <summary><c>GET /v1/keys/{username}/{deviceId|*}</c>: the material for a PQXDH session with each device.</summary>
public sealed record PreKeyBundleResponse
{
    public required Guid AccountId { get; init; }

    public required string Username { get; init; }

    /// <summary>The account's identity key, 33 bytes, shared by all its devices.</summary>
    public required byte[] IdentityKey { get; init; }

    public required IReadOnlyList<DevicePreKeyBundle> Devices { get; init; }
}

/// <summary>One device's bundle. Fetching it consumed <see cref="PreKey"/> and, when one-time, <see cref="PqPreKey"/>.</summary>
public sealed record DevicePreKeyBundle
{
    public required uint DeviceId { get; init; }

    public required int RegistrationId { get; init; }

    public required SignedEcPreKey SignedPreKey { get; init; }

    /// <summary>A one-time Curve25519 prekey, or null when the device has none left.</summary>
    public EcPreKey? PreKey { get; init; }

    /// <summary>A one-time Kyber prekey, or the device's last-resort Kyber key when none is left.</summary>
    public required KyberPreKey PqPreKey { get; init; }

    /// <summary>True when <see cref="PqPreKey"/> is the last-resort key (it stays on the server).</summary>
    [JsonPropertyName("pqPreKeyIsLastResort")]
    public bool PqPreKeyIsLastResort { get; init; }
}
