namespace Sotto.Protocol.Storage;

/// <summary>Whether an identity is being checked to send to it or to accept a message from it (libsignal <c>Direction</c>).</summary>
public enum Direction
{
    Sending = 0,
    Receiving = 1,
}

/// <summary>What <see cref="IIdentityKeyStore.SaveIdentityAsync"/> did (libsignal <c>IdentityChange</c>).</summary>
public enum IdentityChange
{
    /// <summary>The address had no identity yet, or the same one.</summary>
    NewOrUnchanged = 0,

    /// <summary>A different identity key replaced the stored one.</summary>
    ReplacedExisting = 1,
}

/// <summary>
/// This device's identity and the identities it trusts for remote addresses (libsignal
/// <c>storage/traits.rs</c> <c>IdentityKeyStore</c>). Typically trust on first use: an address's first key is
/// trusted, a different one is not until the user accepts it (the caller then calls
/// <see cref="SaveIdentityAsync"/> with the new key).
/// </summary>
public interface IIdentityKeyStore
{
    /// <summary>This device's identity key pair. The store owns it; callers must not dispose it.</summary>
    ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default);

    /// <summary>This installation's registration id (random, 14 bits in Signal; stable across runs).</summary>
    ValueTask<uint> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Records <paramref name="identity"/> as the trusted key of <paramref name="address"/>.</summary>
    ValueTask<IdentityChange> SaveIdentityAsync(ProtocolAddress address, IdentityKey identity, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="identity"/> is trusted for <paramref name="address"/> in <paramref name="direction"/>.</summary>
    ValueTask<bool> IsTrustedIdentityAsync(ProtocolAddress address, IdentityKey identity, Direction direction, CancellationToken cancellationToken = default);

    /// <summary>The identity stored for <paramref name="address"/>, if any.</summary>
    ValueTask<IdentityKey?> GetIdentityAsync(ProtocolAddress address, CancellationToken cancellationToken = default);
}

/// <summary>One-time EC prekeys (libsignal <c>PreKeyStore</c>).</summary>
public interface IPreKeyStore
{
    /// <summary>The prekey, or <see langword="null"/> when there is none with this id.</summary>
    ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default);

    ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a used prekey (no effect when absent).</summary>
    ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default);
}

/// <summary>Signed EC prekeys (libsignal <c>SignedPreKeyStore</c>).</summary>
public interface ISignedPreKeyStore
{
    /// <summary>The signed prekey, or <see langword="null"/> when there is none with this id.</summary>
    ValueTask<SignedPreKeyRecord?> GetSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default);

    ValueTask SaveSignedPreKeyAsync(SignedPreKeyId id, SignedPreKeyRecord record, CancellationToken cancellationToken = default);
}

/// <summary>Kyber prekeys, one-time and last-resort (libsignal <c>KyberPreKeyStore</c>).</summary>
public interface IKyberPreKeyStore
{
    /// <summary>The Kyber prekey, or <see langword="null"/> when there is none with this id.</summary>
    ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default);

    ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called after a PreKey message that used the key decrypted. A one-time key is removed. A last-resort key is
    /// kept, but the store must remember (<paramref name="signedPreKeyId"/>, <paramref name="baseKey"/>) and throw
    /// <see cref="ProtocolException"/> with <see cref="ProtocolError.ReusedBaseKey"/> when the same combination
    /// comes again (a replayed PreKey message whose session is gone).
    /// </summary>
    ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default);
}

/// <summary>
/// Session records per remote address (libsignal <c>SessionStore</c>). <see cref="LoadSessionAsync"/> returns a
/// record the caller may change freely (a copy, or a freshly deserialized one); <see cref="StoreSessionAsync"/> takes
/// ownership of the record it is given. A record that is never stored back leaves the store as it was.
/// </summary>
public interface ISessionStore
{
    /// <summary>The record for <paramref name="address"/>, or <see langword="null"/>.</summary>
    ValueTask<SessionRecord?> LoadSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default);

    ValueTask StoreSessionAsync(ProtocolAddress address, SessionRecord record, CancellationToken cancellationToken = default);
}

/// <summary>All the stores one device needs (libsignal <c>ProtocolStore</c>).</summary>
public interface IProtocolStore : IIdentityKeyStore, IPreKeyStore, ISignedPreKeyStore, IKyberPreKeyStore, ISessionStore
{
}
