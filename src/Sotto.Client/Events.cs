using Sotto.Protocol;

namespace Sotto.Client;

/// <summary>
/// What <see cref="SottoClient.ReceiveAsync"/> reports, in the order it happened. An abstract record with sealed
/// cases; match with an exhaustive <c>switch</c>. Every event that concerns stored history is reported after the
/// history was committed and before the envelope is acknowledged to the server.
/// </summary>
public abstract record ClientEvent;

/// <summary>A message from someone else, now in the history of the conversation with them.</summary>
/// <param name="From">The sender's username.</param>
/// <param name="FromDevice">The sender's device.</param>
/// <param name="Conversation">The conversation's name: for a 1:1 chat the other user's username.</param>
/// <param name="Id">The message id (the same on every device).</param>
/// <param name="Timestamp">The sender's timestamp, ms since the Unix epoch.</param>
/// <param name="Text">The text.</param>
/// <param name="ExpiresInSeconds">The disappearing-messages timer it was sent with, or <see langword="null"/> when off.</param>
public sealed record MessageReceived(string From, uint FromDevice, string Conversation, Guid Id, long Timestamp, string Text, uint? ExpiresInSeconds) : ClientEvent;

/// <summary>
/// A message this account sent from another of its devices (a sync transcript), now in this device's history of
/// the conversation with <paramref name="To"/>.
/// </summary>
public sealed record MessageSent(string To, uint FromDevice, string Conversation, Guid Id, long Timestamp, string Text, uint? ExpiresInSeconds) : ClientEvent;

/// <summary>
/// The user's identity key changed (re-registration, or an attack). Messages from the new key are accepted, but
/// sending to the user is blocked until <see cref="SottoClient.TrustAsync"/>.
/// </summary>
public sealed record IdentityChanged(string Username) : ClientEvent;

/// <summary>An envelope could not be decrypted or parsed; it was acknowledged and dropped.</summary>
/// <param name="From">The sender's username as the server reported it.</param>
/// <param name="FromDevice">The sender's device.</param>
/// <param name="Error">Why, when the protocol layer said so.</param>
public sealed record DecryptionFailed(string From, uint FromDevice, ProtocolError? Error) : ClientEvent;

/// <summary>Everything queued on the server while this device was away has been received.</summary>
public sealed record QueueDrained : ClientEvent;

/// <summary>A kind of content this client does not know (from a newer client); it was acknowledged and skipped.</summary>
public sealed record UnknownContentSkipped(string From, uint FromDevice) : ClientEvent;

/// <summary>Someone (or this account, from another device) set or cleared the conversation's disappearing-messages timer.</summary>
/// <param name="From">Who set it (this account's username when set from another own device).</param>
/// <param name="ExpiresInSeconds">The new timer, or <see langword="null"/> when turned off.</param>
public sealed record TimerChanged(string From, uint FromDevice, string Conversation, uint? ExpiresInSeconds) : ClientEvent;

/// <summary>A reaction was added (or, with <paramref name="Removed"/>, taken back) on a message of the conversation.</summary>
public sealed record ReactionReceived(string From, uint FromDevice, string Conversation, Guid MessageId, string Emoji, bool Removed) : ClientEvent;

/// <summary>The author edited a message; the history now holds <paramref name="Text"/>.</summary>
public sealed record MessageEdited(string From, uint FromDevice, string Conversation, Guid MessageId, string Text) : ClientEvent;

/// <summary>The author deleted a message for everyone; its text is gone from this device.</summary>
public sealed record MessageDeleted(string From, uint FromDevice, string Conversation, Guid MessageId) : ClientEvent;

/// <summary>A delivery or read receipt for messages this account sent.</summary>
public sealed record ReceiptReceived(string From, uint FromDevice, string Conversation, ReceiptKind Kind, IReadOnlyList<Guid> MessageIds) : ClientEvent;

/// <summary>The other person started or stopped typing (never stored).</summary>
public sealed record TypingReceived(string From, uint FromDevice, string Conversation, bool Started) : ClientEvent;

/// <summary>What a receipt says. Values are content.proto's <c>Receipt.Type</c>.</summary>
public enum ReceiptKind
{
    Delivery = 1,
    Read = 2,
}
