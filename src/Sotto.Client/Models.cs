using Sotto.Client.Storage;

namespace Sotto.Client;

/// <summary>Who this profile is on which server.</summary>
public sealed record AccountInfo(Uri Server, Guid AccountId, string Username, uint DeviceId);

/// <summary>One device of this account.</summary>
/// <param name="Name">The device's name (encrypted on the server with a key only the account's devices derive), or null.</param>
/// <param name="IsThisDevice">True for the device this client runs on.</param>
public sealed record DeviceSummary(uint DeviceId, string? Name, DateTimeOffset Created, bool IsThisDevice);

/// <summary>A message the server accepted for every device of the recipient.</summary>
/// <param name="Id">The message id (the same in everyone's history).</param>
/// <param name="Timestamp">The timestamp carried in the message, ms since the Unix epoch.</param>
/// <param name="Devices">How many of the recipient's devices it was encrypted for.</param>
public sealed record SentMessage(Guid Id, long Timestamp, int Devices);

/// <summary>A safety number to compare with the other user, out of band.</summary>
/// <param name="Digits">60 digits (libsignal's numeric fingerprint, version 2).</param>
/// <param name="Trusted">True when the key it is computed from is the one trusted for sending.</param>
public sealed record SafetyNumber(string Username, string Digits, bool Trusted)
{
    /// <summary>The digits in twelve groups of five, as the Signal apps show them.</summary>
    public string Formatted => string.Join(' ', Enumerable.Range(0, Digits.Length / 5).Select(i => Digits.Substring(i * 5, 5)));
}

/// <summary>One item of a conversation as stored on this device.</summary>
/// <param name="Conversation">The other user's username.</param>
/// <param name="From">The author's username.</param>
/// <param name="Timestamp">The author's timestamp, ms since the Unix epoch.</param>
/// <param name="ExpiresInSeconds">The disappearing-messages timer it carries (for a timer notice: the new timer), or null when off.</param>
public sealed record HistoryItem(
    string Conversation,
    Guid Id,
    HistoryKind Kind,
    string From,
    uint FromDevice,
    bool Outgoing,
    long Timestamp,
    long StoredAt,
    string? Text,
    DeliveryStatus Status,
    uint? ExpiresInSeconds)
{
    /// <summary>When this device deletes it (ms since the Unix epoch), once its countdown started.</summary>
    public long? ExpiresAt { get; init; }

    /// <summary>The id of the message it quotes (a reply).</summary>
    public Guid? ReplyTo { get; init; }

    /// <summary>When it was last edited, or null.</summary>
    public long? EditedAt { get; init; }

    /// <summary>True when its author deleted it for everyone (the text is gone).</summary>
    public bool Deleted { get; init; }

    /// <summary>Who reacted with what (usernames), one per person.</summary>
    public IReadOnlyList<(string From, string Emoji)> Reactions { get; init; } = [];
}

/// <summary>How <see cref="SottoClient.ReceiveAsync"/> ends.</summary>
public sealed record ReceiveOptions
{
    /// <summary>
    /// After the server's queue was drained, stop when no envelope arrived for this long (each envelope restarts
    /// the wait). <see langword="null"/>: receive until cancelled. <see cref="TimeSpan.Zero"/>: stop once drained.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }
}
