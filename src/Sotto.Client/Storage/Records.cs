using Sotto.Protocol;

namespace Sotto.Client.Storage;

/// <summary>
/// The account a profile belongs to and this device's credentials. <see cref="IdentityKeyPair"/> is the serialized
/// account identity (private key included, libsignal <c>IdentityKeyPairStructure</c>) and <see cref="Password"/> the
/// device secret: keep instances out of logs.
/// </summary>
public sealed record LocalAccount
{
    public required Uri Server { get; init; }

    public required Guid AccountId { get; init; }

    public required string Username { get; init; }

    public required uint DeviceId { get; init; }

    public required string Password { get; init; }

    public required uint RegistrationId { get; init; }

    public required byte[] IdentityKeyPair { get; init; }

    /// <summary>The protocol address of this device (name = the account id).</summary>
    public ProtocolAddress Address => new(AccountId.ToString("D"), DeviceId);

    public override string ToString() => "LocalAccount { … }";
}

/// <summary>
/// Another account this device knows: its username, and the identity keys it has seen (<see cref="CurrentIdentity"/>)
/// and trusts for sending (<see cref="TrustedIdentity"/>). They differ after the other user re-registered: sending
/// is then blocked until the user accepts the new key.
/// </summary>
public sealed record Recipient
{
    public required string AccountId { get; init; }

    public string? Username { get; init; }

    public IdentityKey? CurrentIdentity { get; init; }

    public IdentityKey? TrustedIdentity { get; init; }

    /// <summary>True when a key was seen that is not the trusted one.</summary>
    public bool IdentityChanged => CurrentIdentity is not null && TrustedIdentity is not null && !CurrentIdentity.Equals(TrustedIdentity);
}

/// <summary>What a history entry is. Stored as its number: values are only ever appended.</summary>
public enum HistoryKind
{
    /// <summary>A message (text, a reply, attachments).</summary>
    Message = 1,

    /// <summary>The conversation partner's safety number changed.</summary>
    IdentityChanged = 2,

    /// <summary>A message from the conversation partner could not be decrypted.</summary>
    DecryptionFailed = 3,

    /// <summary>Someone set or cleared the disappearing-messages timer (<see cref="HistoryEntry.ExpireTimerSeconds"/>).</summary>
    TimerChanged = 4,
}

/// <summary>Where an outgoing message is. Stored as its number: values are only ever appended.</summary>
public enum DeliveryStatus
{
    /// <summary>Received from someone else.</summary>
    Received = 0,

    /// <summary>Encrypted and stored, not yet accepted by the server.</summary>
    Sending = 1,

    /// <summary>Committed by the server for every device of the recipient.</summary>
    Sent = 2,

    /// <summary>Sending failed; the message did not leave this device.</summary>
    Failed = 3,

    /// <summary>A device of the recipient confirmed receiving it (delivery receipt).</summary>
    Delivered = 4,

    /// <summary>The recipient saw it (read receipt).</summary>
    Read = 5,
}

/// <summary>One item of a conversation as stored on this device.</summary>
public sealed record HistoryEntry
{
    /// <summary>Storage order, assigned by the store (0 before it is stored).</summary>
    public long Seq { get; init; }

    /// <summary>The conversation: the other account's id.</summary>
    public required string Conversation { get; init; }

    /// <summary>The message id carried in the content (the same on every device), or a local id for notices.</summary>
    public required Guid MessageId { get; init; }

    public required HistoryKind Kind { get; init; }

    /// <summary>The author's account id.</summary>
    public required string Author { get; init; }

    public uint AuthorDevice { get; init; }

    /// <summary>True when this account wrote it (on this device or, through a sync transcript, on another).</summary>
    public bool Outgoing { get; init; }

    /// <summary>The author's timestamp, ms since the Unix epoch.</summary>
    public long SentAt { get; init; }

    /// <summary>When this device stored it, ms since the Unix epoch.</summary>
    public long ReceivedAt { get; init; }

    public string? Text { get; init; }

    public DeliveryStatus Status { get; init; }

    /// <summary>The disappearing-messages timer the message was sent with (0 = off).</summary>
    public uint ExpireTimerSeconds { get; init; }

    /// <summary>When this device deletes the message (ms since the Unix epoch), once its countdown started.</summary>
    public long? ExpiresAt { get; init; }

    /// <summary>A reply: the id of the quoted message.</summary>
    public Guid? QuoteId { get; init; }

    /// <summary>When the author last edited the text (the edit's timestamp), or null.</summary>
    public long? EditedAt { get; init; }

    /// <summary>True when the author deleted the message for everyone (its text is gone).</summary>
    public bool Deleted { get; init; }

    /// <summary>When this device first showed the message to its user, or null.</summary>
    public long? SeenAt { get; init; }

    public override string ToString() => $"HistoryEntry {{ Seq = {Seq}, Kind = {Kind} }}";
}

/// <summary>One person's reaction to one message (at most one per person per message).</summary>
public sealed record ReactionEntry(string Conversation, Guid MessageId, string Reactor, string Emoji, long ReactedAt);
