namespace Sotto.Wire;

// REST DTOs for accounts (docs/server-api.md, "Accounts").

/// <summary>
/// <c>POST /v1/accounts</c>: creates an account and its device 1. The device's signed prekey and last-resort Kyber
/// key are required so that every device always has a complete bundle; one-time keys are optional.
/// </summary>
public sealed record RegisterRequest
{
    public required string Username { get; init; }

    /// <summary>Required when the operator configured invite codes.</summary>
    public string? InviteCode { get; init; }

    /// <summary>The account identity key, 33 bytes (0x05 ‖ u).</summary>
    public required byte[] IdentityKey { get; init; }

    /// <summary>Device 1's registration id, 1 … 16383.</summary>
    public required int RegistrationId { get; init; }

    /// <summary>An optional device name, opaque to the server (clients may encrypt it), at most 256 bytes.</summary>
    public byte[]? Name { get; init; }

    public required SignedEcPreKey SignedPreKey { get; init; }

    public required KyberPreKey PqLastResortPreKey { get; init; }

    public IReadOnlyList<EcPreKey>? PreKeys { get; init; }

    public IReadOnlyList<KyberPreKey>? PqPreKeys { get; init; }
}

/// <summary>
/// The credentials of a new device, returned once by registration and by link completion. The server keeps only a
/// salted hash of <see cref="Password"/>; authenticate with HTTP Basic, user <c>{username}.{deviceId}</c>.
/// </summary>
public sealed record DeviceCredentials
{
    public required Guid AccountId { get; init; }

    public required string Username { get; init; }

    public required uint DeviceId { get; init; }

    /// <summary>The device's secret: 32 random bytes, base64url without padding (43 characters).</summary>
    public required string Password { get; init; }
}

/// <summary><c>GET /v1/accounts/me</c>: who the calling device is.</summary>
public sealed record WhoAmIResponse
{
    public required Guid AccountId { get; init; }

    public required string Username { get; init; }

    public required uint DeviceId { get; init; }

    public required byte[] IdentityKey { get; init; }
}

/// <summary><c>GET /v1/accounts/{username}</c>: an account's public identity and device ids (consumes no keys).</summary>
public sealed record AccountResponse
{
    public required Guid AccountId { get; init; }

    public required string Username { get; init; }

    public required byte[] IdentityKey { get; init; }

    public required IReadOnlyList<uint> DeviceIds { get; init; }
}

/// <summary>
/// <c>PUT /v1/accounts/me/identity</c> (device 1 only): re-registration with a new identity key. Every other device
/// is unlinked, every prekey and queued envelope of the account is deleted, and device 1 gets the keys given here.
/// Its password is unchanged.
/// </summary>
public sealed record ReRegisterRequest
{
    public required byte[] IdentityKey { get; init; }

    public required int RegistrationId { get; init; }

    public required SignedEcPreKey SignedPreKey { get; init; }

    public required KyberPreKey PqLastResortPreKey { get; init; }

    public IReadOnlyList<EcPreKey>? PreKeys { get; init; }

    public IReadOnlyList<KyberPreKey>? PqPreKeys { get; init; }
}
