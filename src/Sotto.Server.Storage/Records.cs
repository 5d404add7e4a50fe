namespace Sotto.Server.Storage;

// The records the stores exchange. Byte arrays are owned by the record once handed to a store: callers do not
// mutate them afterwards. Times are UTC; providers store them with millisecond precision.

/// <summary>A device of an account: the unit that owns a message queue and a set of prekeys.</summary>
public readonly record struct DeviceAddress(Guid AccountId, uint DeviceId);

/// <summary>An account. <see cref="Username"/> is canonical (lowercase); <see cref="IdentityKey"/> is 33 bytes.</summary>
public sealed record Account(Guid Id, string Username, byte[] IdentityKey, DateTimeOffset Created);

/// <summary>A salted hash of a device password, computed by the server; stores never see the password.</summary>
public sealed record PasswordHash(byte[] Salt, byte[] Hash);

/// <summary>A device as stored. Device ids start at 1 (the device that registered the account).</summary>
public sealed record Device(DeviceAddress Address, int RegistrationId, byte[]? Name, PasswordHash Password, DateTimeOffset Created);

/// <summary>A device about to be created (its id is assigned by the store).</summary>
public sealed record NewDevice(int RegistrationId, byte[]? Name, PasswordHash Password, DateTimeOffset Created);

/// <summary>An account together with one of its devices (what authentication looks up).</summary>
public sealed record AccountDevice(Account Account, Device Device);

/// <summary>A one-time Curve25519 prekey (33-byte serialized public key).</summary>
public sealed record EcPreKeyRecord(uint KeyId, byte[] PublicKey);

/// <summary>The signed Curve25519 prekey.</summary>
public sealed record SignedPreKeyRecord(uint KeyId, byte[] PublicKey, byte[] Signature);

/// <summary>A signed Kyber1024 prekey (1569-byte serialized public key), one-time or last-resort.</summary>
public sealed record KyberPreKeyRecord(uint KeyId, byte[] PublicKey, byte[] Signature);

/// <summary>
/// A change to a device's prekeys: every non-null member replaces what is stored (a list replaces the whole list
/// of its kind); null members leave the stored keys alone.
/// </summary>
public sealed record PreKeyUpdate(
    SignedPreKeyRecord? SignedPreKey,
    KyberPreKeyRecord? LastResortKyberPreKey,
    IReadOnlyList<EcPreKeyRecord>? OneTimeEcPreKeys,
    IReadOnlyList<KyberPreKeyRecord>? OneTimeKyberPreKeys);

/// <summary>How many one-time keys a device has left.</summary>
public readonly record struct PreKeyCounts(int Ec, int Kyber);

/// <summary>
/// What one bundle fetch handed out for one device: the signed prekey, one one-time EC prekey (or none left), and a
/// one-time Kyber prekey or, when those ran out, the last-resort one (<see cref="KyberIsLastResort"/>).
/// </summary>
public sealed record PreKeyBundle(
    uint DeviceId,
    int RegistrationId,
    SignedPreKeyRecord SignedPreKey,
    EcPreKeyRecord? OneTimeEcPreKey,
    KyberPreKeyRecord KyberPreKey,
    bool KyberIsLastResort);

/// <summary>
/// An envelope to store. <see cref="DestinationRegistrationId"/> guards against a device that was removed and
/// re-created between the sender's check and the commit: the insert fails when it no longer matches.
/// </summary>
public sealed record NewEnvelope(
    Guid Id,
    DeviceAddress Destination,
    int DestinationRegistrationId,
    int Type,
    Guid SourceAccountId,
    string SourceUsername,
    uint SourceDeviceId,
    long ClientTimestamp,
    DateTimeOffset ServerTimestamp,
    DateTimeOffset Deadline,
    byte[] Content);

/// <summary>
/// A stored envelope. <see cref="Sequence"/> orders a device's queue: it increases in commit order and is never reused.
/// <see cref="DeviceSequence"/> counts the device's envelopes 1, 2, 3, … in commit order without gaps, so a reader
/// that holds number n knows that n + 1 is the very next one (0 for envelopes stored before schema version 2).
/// </summary>
public sealed record StoredEnvelope(
    long Sequence,
    long DeviceSequence,
    Guid Id,
    DeviceAddress Destination,
    int Type,
    Guid SourceAccountId,
    string SourceUsername,
    uint SourceDeviceId,
    long ClientTimestamp,
    DateTimeOffset ServerTimestamp,
    DateTimeOffset Deadline,
    byte[] Content);

/// <summary>What identifies a stored envelope within its device's queue: its sequence, checked against its id.</summary>
public readonly record struct EnvelopeKey(Guid Id, long Sequence);

/// <summary>An acknowledged envelope of <see cref="Device"/>, to delete by its key.</summary>
public readonly record struct AcknowledgedEnvelope(DeviceAddress Device, EnvelopeKey Key);

/// <summary>A pending device link, opened by the new device. <see cref="Code"/> is canonical (uppercase, no dash).</summary>
public sealed record LinkRequest(
    string Code,
    byte[] TokenHash,
    byte[] PublicKey,
    DateTimeOffset Created,
    DateTimeOffset Expires,
    LinkApproval? Approval);

/// <summary>The approval of a link request by an existing device of <see cref="AccountId"/>.</summary>
public sealed record LinkApproval(Guid AccountId, uint ApprovedBy, byte[] ProvisioningMessage, DateTimeOffset Approved);

/// <summary>
/// An attachment blob's metadata. The blob's bytes are not the store's business: the host keeps them as a file named
/// by <see cref="Id"/> (32 lowercase hex characters). <see cref="AccountId"/> is the uploader, the only account that
/// may delete it before <see cref="Deadline"/>.
/// </summary>
public sealed record AttachmentRecord(string Id, Guid AccountId, long Size, DateTimeOffset Created, DateTimeOffset Deadline);
