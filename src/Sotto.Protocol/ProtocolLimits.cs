namespace Sotto.Protocol;

/// <summary>
/// Every limit of the 1:1 protocol in one place (libsignal <c>rust/protocol/src/consts.rs</c>; the SPQR chain
/// limits are those libsignal passes to spqr in <c>ratchet.rs</c> <c>spqr_chain_params</c>).
/// </summary>
public static class ProtocolLimits
{
    /// <summary>How far ahead of a receiving chain a message counter may be (and an SPQR index ahead of its chain).</summary>
    public const int MaxForwardJumps = 25_000;

    /// <summary>Skipped message keys kept per receiving chain (and SPQR keys kept for out-of-order messages).</summary>
    public const int MaxMessageKeys = 2_000;

    /// <summary>Receiving chains kept per session; the oldest is dropped when a ratchet step adds one more.</summary>
    public const int MaxReceiverChains = 5;

    /// <summary>Previous sessions kept in a record after newer ones replaced them (they can still decrypt late messages).</summary>
    public const int ArchivedStatesMaxLength = 40;

    /// <summary>
    /// After this long without a reply, a session we initiated is stale: encrypting fails with
    /// <see cref="ProtocolError.SessionNotFound"/> and the caller fetches a fresh bundle.
    /// </summary>
    public static readonly TimeSpan MaxUnacknowledgedSessionAge = TimeSpan.FromDays(30);

    /// <summary>
    /// The largest plaintext <see cref="SessionCipher.EncryptAsync"/> accepts: the relay's envelope limit
    /// (256 KiB, DESIGN.md §4). libsignal has no such limit; Sotto never needs more.
    /// </summary>
    public const int MaxPlaintextLength = 256 * 1024;

    /// <summary>The largest serialized message parsed: a maximal plaintext plus padding, keys, a Kyber ciphertext and framing.</summary>
    public const int MaxMessageLength = MaxPlaintextLength + 4 * 1024;

    /// <summary>The largest serialized session record deserialized (40 archived sessions with full skipped-key lists fit).</summary>
    public const int MaxSessionRecordLength = 32 * 1024 * 1024;

    /// <summary>SHA-512 iterations of a Signal safety number (as the Signal apps use with libsignal's <c>Fingerprint</c>).</summary>
    public const int SafetyNumberIterations = 5_200;
}
