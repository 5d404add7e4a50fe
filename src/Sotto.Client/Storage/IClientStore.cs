using Sotto.Protocol;
using Sotto.Protocol.Storage;

namespace Sotto.Client.Storage;

/// <summary>
/// All of one device's state — its account and keys, the Signal protocol stores, trusted identities, processed
/// envelope ids, history and settings — behind units of work (openmls <c>StorageProvider</c>, libsignal
/// <c>storage/traits.rs</c>). <c>Sotto.Client.Storage.Sqlite</c> is the implementation; the contract tests in
/// <c>tests/Sotto.Client.Tests/Storage</c> describe what any other must do.
/// </summary>
/// <remarks>
/// Exactly-once delivery rests on <see cref="BeginAsync"/>: a received envelope's decryption (session and prekey
/// changes), its history entry and its envelope id are written in one transaction, and the envelope is acknowledged
/// to the server only after <see cref="IClientTransaction.CommitAsync"/> returned. A crash before the commit leaves
/// everything as it was (the server delivers the envelope again); a crash after it leaves the id recorded (the
/// redelivered copy is dropped).
/// </remarks>
public interface IClientStore : IAsyncDisposable
{
    /// <summary>
    /// Starts a unit of work. Reads inside it see its own writes; nothing is visible elsewhere until
    /// <see cref="IClientTransaction.CommitAsync"/>; disposing it uncommitted rolls everything back. Transactions of
    /// one store (and of other processes on the same profile) are serialized: this waits for the running one.
    /// </summary>
    ValueTask<IClientTransaction> BeginAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes deleted rows unrecoverable from the files (disappearing messages): deleted content is overwritten in
    /// place, and this also removes old copies from any journal (SQLite: checkpoints and truncates the WAL).
    /// Returns false when another connection prevented it; call again later.
    /// </summary>
    ValueTask<bool> PurgeDeletedContentAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// One unit of work on an <see cref="IClientStore"/>. It is the <see cref="IProtocolStore"/> the
/// <see cref="SessionCipher"/> of this unit of work runs on, so the cipher's writes commit or roll back with the rest.
/// <see cref="IDisposable.Dispose"/> without <see cref="CommitAsync"/> rolls back (synchronously: a local database
/// rollback does no network I/O).
/// </summary>
/// <remarks>
/// Identity policy (<see cref="IIdentityKeyStore"/>): identities are kept per account (the address name), not per
/// device. The first key seen for an account is trusted (trust on first use). A different key later is recorded as
/// the account's current key but stays untrusted for <see cref="Direction.Sending"/> until
/// <see cref="TrustIdentityAsync"/>; for <see cref="Direction.Receiving"/> it is accepted (the client reports the
/// change to the user as an event and a history entry, as the Signal apps do). The account's own identity is
/// always trusted.
/// </remarks>
public interface IClientTransaction : IProtocolStore, IDisposable
{
    // ---- this device's account -------------------------------------------------------------------------------

    /// <summary>The account this profile belongs to, or <see langword="null"/> before registration or linking.</summary>
    ValueTask<LocalAccount?> GetAccountAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores (replaces) the account, including its identity key pair and registration id.</summary>
    ValueTask SaveAccountAsync(LocalAccount account, CancellationToken cancellationToken = default);

    /// <summary>A setting, or <see langword="null"/>.</summary>
    ValueTask<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets (or, with <see langword="null"/>, removes) a setting.</summary>
    ValueTask SetSettingAsync(string key, string? value, CancellationToken cancellationToken = default);

    // ---- prekey housekeeping ---------------------------------------------------------------------------------

    /// <summary>Saves a last-resort Kyber prekey: never removed when used, protected against base-key reuse.</summary>
    ValueTask SaveLastResortKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Every stored signed prekey id with its timestamp.</summary>
    ValueTask<IReadOnlyList<(SignedPreKeyId Id, DateTimeOffset Created)>> ListSignedPreKeysAsync(CancellationToken cancellationToken = default);

    ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default);

    /// <summary>Every stored Kyber prekey id, whether it is last-resort, and its timestamp.</summary>
    ValueTask<IReadOnlyList<(KyberPreKeyId Id, bool LastResort, DateTimeOffset Created)>> ListKyberPreKeysAsync(CancellationToken cancellationToken = default);

    ValueTask RemoveKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default);

    /// <summary>Removes one-time EC prekeys stored before <paramref name="cutoff"/> (uploads long replaced).</summary>
    ValueTask RemovePreKeysCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>Every stored one-time EC prekey id.</summary>
    ValueTask<IReadOnlyList<PreKeyId>> ListPreKeyIdsAsync(CancellationToken cancellationToken = default);

    // ---- sessions --------------------------------------------------------------------------------------------

    /// <summary>The device ids of <paramref name="name"/> this device has a session record with.</summary>
    ValueTask<IReadOnlyList<uint>> GetSessionDeviceIdsAsync(string name, CancellationToken cancellationToken = default);

    ValueTask DeleteSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session (re-registration: the old identity's sessions are useless).</summary>
    ValueTask DeleteAllSessionsAsync(CancellationToken cancellationToken = default);

    // ---- recipients and trust --------------------------------------------------------------------------------

    /// <summary>A known account by id, or <see langword="null"/>.</summary>
    ValueTask<Recipient?> GetRecipientAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>A known account by (lowercase) username, or <see langword="null"/>.</summary>
    ValueTask<Recipient?> FindRecipientByUsernameAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Records an account's username (creates the recipient when new; keeps its identities).</summary>
    ValueTask SaveRecipientAsync(string accountId, string username, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="identity"/> both the current and the trusted key of <paramref name="accountId"/>.</summary>
    ValueTask TrustIdentityAsync(string accountId, IdentityKey identity, CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="identity"/> as the current key without trusting it (a newly published key).</summary>
    ValueTask SaveSeenIdentityAsync(string accountId, IdentityKey identity, CancellationToken cancellationToken = default);

    // ---- received envelopes ----------------------------------------------------------------------------------

    /// <summary>True when the envelope with this id was processed (and so must be acknowledged, not processed again).</summary>
    ValueTask<bool> WasEnvelopeProcessedAsync(Guid envelopeId, CancellationToken cancellationToken = default);

    ValueTask MarkEnvelopeProcessedAsync(Guid envelopeId, DateTimeOffset processedAt, CancellationToken cancellationToken = default);

    /// <summary>Forgets envelope ids processed before <paramref name="cutoff"/> (the server keeps none that long).</summary>
    ValueTask PruneProcessedEnvelopesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    // ---- history ---------------------------------------------------------------------------------------------

    /// <summary>Appends an entry; returns it with its <see cref="HistoryEntry.Seq"/> assigned.</summary>
    ValueTask<HistoryEntry> AddHistoryEntryAsync(HistoryEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Replaces the stored entry with the same <see cref="HistoryEntry.Seq"/>.</summary>
    ValueTask UpdateHistoryEntryAsync(HistoryEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The entry of a conversation with this message id, or <see langword="null"/>.</summary>
    ValueTask<HistoryEntry?> FindHistoryEntryAsync(string conversation, Guid messageId, CancellationToken cancellationToken = default);

    /// <summary>A conversation's entries in the order they were stored.</summary>
    ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string conversation, CancellationToken cancellationToken = default);

    /// <summary>Deletes an entry and its reactions.</summary>
    ValueTask DeleteHistoryEntryAsync(long seq, CancellationToken cancellationToken = default);

    /// <summary>Entries whose <see cref="HistoryEntry.ExpiresAt"/> is at or before <paramref name="now"/> (ms).</summary>
    ValueTask<IReadOnlyList<HistoryEntry>> GetExpiredHistoryAsync(long now, CancellationToken cancellationToken = default);

    /// <summary>The earliest <see cref="HistoryEntry.ExpiresAt"/> of any entry, or null.</summary>
    ValueTask<long?> GetNextExpiryAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets (or, with a null emoji, removes) <paramref name="reactor"/>'s reaction to a message.</summary>
    ValueTask SetReactionAsync(string conversation, Guid messageId, string reactor, string? emoji, long reactedAt, CancellationToken cancellationToken = default);

    /// <summary>Every reaction in a conversation.</summary>
    ValueTask<IReadOnlyList<ReactionEntry>> GetReactionsAsync(string conversation, CancellationToken cancellationToken = default);

    /// <summary>Commits every write of this unit of work durably.</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken = default);
}
