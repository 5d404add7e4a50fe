namespace Sotto.Wire;

// REST DTOs for devices and linking (docs/server-api.md, "Devices").

/// <summary><c>GET /v1/devices</c>.</summary>
public sealed record DeviceListResponse
{
    public required IReadOnlyList<DeviceInfo> Devices { get; init; }
}

public sealed record DeviceInfo
{
    public required uint DeviceId { get; init; }

    /// <summary>The opaque name the device registered with, or null.</summary>
    public byte[]? Name { get; init; }

    public required int RegistrationId { get; init; }

    /// <summary>When the device was created, ms since the Unix epoch.</summary>
    public required long Created { get; init; }
}

/// <summary>
/// <c>POST /v1/devices/link</c> (new device, unauthenticated): opens a link request. <see cref="PublicKey"/> is
/// opaque to the server (1–256 bytes), typically an ephemeral key the approving device encrypts the provisioning
/// message to.
/// </summary>
public sealed record LinkRequestCreate
{
    public required byte[] PublicKey { get; init; }
}

/// <summary>
/// The new device shows <see cref="Code"/> to the user, who enters it on an existing device; it keeps
/// <see cref="Token"/> to itself: waiting and completing need it.
/// </summary>
public sealed record LinkRequestCreated
{
    /// <summary>Ten characters of Crockford base32 as <c>XXXXX-XXXXX</c>; case and the dash are ignored on input.</summary>
    public required string Code { get; init; }

    public required string Token { get; init; }

    /// <summary>ms since the Unix epoch.</summary>
    public required long ExpiresAt { get; init; }
}

/// <summary><c>GET /v1/devices/link/{code}</c> (existing device): the link request before approving it.</summary>
public sealed record LinkRequestInfo
{
    public required byte[] PublicKey { get; init; }

    public required long ExpiresAt { get; init; }
}

/// <summary><c>PUT /v1/devices/link/{code}</c> (existing device): approves, with an opaque message (≤ 64 KiB) for the new device.</summary>
public sealed record LinkApproval
{
    public required byte[] ProvisioningMessage { get; init; }
}

/// <summary><c>POST /v1/devices/link/{code}/wait</c> (new device): waits up to <see cref="TimeoutSeconds"/> (0–60) for approval.</summary>
public sealed record LinkWaitRequest
{
    public required string Token { get; init; }

    public int TimeoutSeconds { get; init; }
}

/// <summary>
/// <see cref="Status"/> is <c>"pending"</c> (wait again) or <c>"approved"</c>, when the other members are set.
/// </summary>
public sealed record LinkWaitResponse
{
    public const string Pending = "pending";
    public const string Approved = "approved";

    public required string Status { get; init; }

    public Guid? AccountId { get; init; }

    public string? Username { get; init; }

    public byte[]? IdentityKey { get; init; }

    public byte[]? ProvisioningMessage { get; init; }
}

/// <summary>
/// <c>POST /v1/devices/link/{code}/complete</c> (new device, after approval): creates the device. The prekey
/// signatures must verify under the account's identity key, which the new device learnt from the provisioning message.
/// </summary>
public sealed record LinkCompleteRequest
{
    public required string Token { get; init; }

    public required int RegistrationId { get; init; }

    public byte[]? Name { get; init; }

    public required SignedEcPreKey SignedPreKey { get; init; }

    public required KyberPreKey PqLastResortPreKey { get; init; }

    public IReadOnlyList<EcPreKey>? PreKeys { get; init; }

    public IReadOnlyList<KyberPreKey>? PqPreKeys { get; init; }
}
