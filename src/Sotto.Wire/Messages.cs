namespace Sotto.Wire;

// REST DTOs for sending (docs/server-api.md, "Messages"). Delivery is over the WebSocket (wire.proto).

/// <summary>
/// <c>PUT /v1/messages/{username}</c>: one envelope per device of the destination account (when the destination is
/// the sender's own account: per other device). The set of devices must match exactly (else 409) and each
/// registration id must be current (else 410). Either every envelope is stored or none is.
/// </summary>
public sealed record SendMessagesRequest
{
    /// <summary>The sender's timestamp, ms since the Unix epoch; relayed as <c>Envelope.client_timestamp</c>.</summary>
    public required long Timestamp { get; init; }

    /// <summary>
    /// Seconds after which the server deletes undelivered envelopes, 1 … 1,209,600 (14 days, the default and maximum).
    /// </summary>
    public int? TtlSeconds { get; init; }

    public required IReadOnlyList<OutgoingMessage> Messages { get; init; }
}

public sealed record OutgoingMessage
{
    public required EnvelopeType Type { get; init; }

    public required uint DestinationDeviceId { get; init; }

    public required int DestinationRegistrationId { get; init; }

    /// <summary>The ciphertext, at most the configured envelope limit (256 KiB by default).</summary>
    public required byte[] Content { get; init; }
}

/// <summary>The send was committed: every envelope is durable and will be delivered (or expire at its deadline).</summary>
public sealed record SendMessagesResponse
{
    /// <summary>ms since the Unix epoch; the <c>server_timestamp</c> of every envelope of this send.</summary>
    public required long ServerTimestamp { get; init; }

    public required IReadOnlyList<SentEnvelope> Envelopes { get; init; }
}

public sealed record SentEnvelope
{
    public required uint DestinationDeviceId { get; init; }

    /// <summary>The envelope id the recipient device will see (and acknowledge).</summary>
    public required Guid Id { get; init; }
}
