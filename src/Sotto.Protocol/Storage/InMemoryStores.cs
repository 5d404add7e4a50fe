namespace Sotto.Protocol.Storage;

/// <summary>
/// Reference implementation of <see cref="IIdentityKeyStore"/> in memory (libsignal <c>storage/inmem.rs</c>):
/// strict trust on first use in both directions. Thread-safe.
/// </summary>
public sealed class InMemoryIdentityKeyStore : IIdentityKeyStore
{
    private readonly IdentityKeyPair _identity;
    private readonly uint _registrationId;
    private readonly Dictionary<ProtocolAddress, IdentityKey> _known = [];
    private readonly Lock _lock = new();

    /// <param name="identity">This device's identity; the store takes ownership.</param>
    /// <param name="registrationId">This installation's registration id.</param>
    public InMemoryIdentityKeyStore(IdentityKeyPair identity, uint registrationId)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        _registrationId = registrationId;
    }

    /// <summary>The trusted identities, for snapshots and persistence.</summary>
    public IReadOnlyDictionary<ProtocolAddress, IdentityKey> KnownIdentities
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<ProtocolAddress, IdentityKey>(_known);
            }
        }
    }

    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_identity);

    public ValueTask<uint> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_registrationId);

    public ValueTask<IdentityChange> SaveIdentityAsync(ProtocolAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_lock)
        {
            bool replaced = _known.TryGetValue(address, out var existing) && !existing.Equals(identity);
            _known[address] = identity;
            return ValueTask.FromResult(replaced ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged);
        }
    }

    public ValueTask<bool> IsTrustedIdentityAsync(ProtocolAddress address, IdentityKey identity, Direction direction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_lock)
        {
            return ValueTask.FromResult(!_known.TryGetValue(address, out var existing) || existing.Equals(identity));
        }
    }

    public ValueTask<IdentityKey?> GetIdentityAsync(ProtocolAddress address, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_known.GetValueOrDefault(address));
        }
    }
}

/// <summary>Reference implementation of <see cref="IPreKeyStore"/> in memory. Thread-safe.</summary>
public sealed class InMemoryPreKeyStore : IPreKeyStore
{
    private readonly Dictionary<PreKeyId, PreKeyRecord> _records = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<PreKeyId> Ids
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Keys];
            }
        }
    }

    public ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(id));
        }
    }

    public ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _records[id] = record;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _records.Remove(id);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Reference implementation of <see cref="ISignedPreKeyStore"/> in memory. Thread-safe.</summary>
public sealed class InMemorySignedPreKeyStore : ISignedPreKeyStore
{
    private readonly Dictionary<SignedPreKeyId, SignedPreKeyRecord> _records = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<SignedPreKeyId> Ids
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Keys];
            }
        }
    }

    public ValueTask<SignedPreKeyRecord?> GetSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(id));
        }
    }

    public ValueTask SaveSignedPreKeyAsync(SignedPreKeyId id, SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _records[id] = record;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Reference implementation of <see cref="IKyberPreKeyStore"/> in memory: one-time keys are removed once used;
/// last-resort keys (saved with <see cref="SaveLastResortKyberPreKey"/>) stay and refuse a base key seen before.
/// Thread-safe.
/// </summary>
public sealed class InMemoryKyberPreKeyStore : IKyberPreKeyStore
{
    private readonly Dictionary<KyberPreKeyId, (KyberPreKeyRecord Record, bool LastResort)> _records = [];
    private readonly HashSet<(KyberPreKeyId, SignedPreKeyId, ECPublicKey)> _baseKeysSeen = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<KyberPreKeyId> Ids
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Keys];
            }
        }
    }

    /// <summary>The (key id, signed prekey id, base key) triples used with last-resort keys, for snapshots.</summary>
    public int BaseKeysSeenCount
    {
        get
        {
            lock (_lock)
            {
                return _baseKeysSeen.Count;
            }
        }
    }

    public ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_records.TryGetValue(id, out var entry) ? entry.Record : null);
        }
    }

    /// <summary>Saves a one-time Kyber prekey.</summary>
    public ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _records[id] = (record, false);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Saves a last-resort Kyber prekey: never removed, protected against base-key reuse.</summary>
    public void SaveLastResortKyberPreKey(KyberPreKeyId id, KyberPreKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _records[id] = (record, true);
        }
    }

    /// <summary>Whether the key with this id is a last-resort key.</summary>
    public bool IsLastResort(KyberPreKeyId id)
    {
        lock (_lock)
        {
            return _records.TryGetValue(id, out var entry) && entry.LastResort;
        }
    }

    public ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseKey);
        lock (_lock)
        {
            if (!_records.TryGetValue(id, out var entry))
            {
                return ValueTask.CompletedTask;
            }

            if (!entry.LastResort)
            {
                _records.Remove(id);
                return ValueTask.CompletedTask;
            }

            if (!_baseKeysSeen.Add((id, signedPreKeyId, baseKey)))
            {
                throw new ProtocolException(ProtocolError.ReusedBaseKey, "This base key was already used with this last-resort Kyber prekey.");
            }
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Reference implementation of <see cref="ISessionStore"/> in memory. <see cref="LoadSessionAsync"/> returns a
/// copy; <see cref="StoreSessionAsync"/> keeps the instance it is given. Thread-safe.
/// </summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly Dictionary<ProtocolAddress, SessionRecord> _sessions = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<ProtocolAddress> Addresses
    {
        get
        {
            lock (_lock)
            {
                return [.. _sessions.Keys];
            }
        }
    }

    public ValueTask<SessionRecord?> LoadSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_sessions.TryGetValue(address, out var record) ? record.Clone() : null);
        }
    }

    public ValueTask StoreSessionAsync(ProtocolAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _sessions[address] = record;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>All in-memory stores behind one <see cref="IProtocolStore"/> (libsignal's test <c>InMemSignalProtocolStore</c>).</summary>
public sealed class InMemoryProtocolStore : IProtocolStore
{
    /// <param name="identity">This device's identity; the store takes ownership.</param>
    /// <param name="registrationId">This installation's registration id.</param>
    public InMemoryProtocolStore(IdentityKeyPair identity, uint registrationId)
    {
        Identities = new InMemoryIdentityKeyStore(identity, registrationId);
    }

    public InMemoryIdentityKeyStore Identities { get; }

    public InMemoryPreKeyStore PreKeys { get; } = new();

    public InMemorySignedPreKeyStore SignedPreKeys { get; } = new();

    public InMemoryKyberPreKeyStore KyberPreKeys { get; } = new();

    public InMemorySessionStore Sessions { get; } = new();

    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => Identities.GetIdentityKeyPairAsync(cancellationToken);

    public ValueTask<uint> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => Identities.GetLocalRegistrationIdAsync(cancellationToken);

    public ValueTask<IdentityChange> SaveIdentityAsync(ProtocolAddress address, IdentityKey identity, CancellationToken cancellationToken = default) => Identities.SaveIdentityAsync(address, identity, cancellationToken);

    public ValueTask<bool> IsTrustedIdentityAsync(ProtocolAddress address, IdentityKey identity, Direction direction, CancellationToken cancellationToken = default) => Identities.IsTrustedIdentityAsync(address, identity, direction, cancellationToken);

    public ValueTask<IdentityKey?> GetIdentityAsync(ProtocolAddress address, CancellationToken cancellationToken = default) => Identities.GetIdentityAsync(address, cancellationToken);

    public ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => PreKeys.GetPreKeyAsync(id, cancellationToken);

    public ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default) => PreKeys.SavePreKeyAsync(id, record, cancellationToken);

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => PreKeys.RemovePreKeyAsync(id, cancellationToken);

    public ValueTask<SignedPreKeyRecord?> GetSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) => SignedPreKeys.GetSignedPreKeyAsync(id, cancellationToken);

    public ValueTask SaveSignedPreKeyAsync(SignedPreKeyId id, SignedPreKeyRecord record, CancellationToken cancellationToken = default) => SignedPreKeys.SaveSignedPreKeyAsync(id, record, cancellationToken);

    public ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default) => KyberPreKeys.GetKyberPreKeyAsync(id, cancellationToken);

    public ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default) => KyberPreKeys.SaveKyberPreKeyAsync(id, record, cancellationToken);

    public ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default) => KyberPreKeys.MarkKyberPreKeyUsedAsync(id, signedPreKeyId, baseKey, cancellationToken);

    public ValueTask<SessionRecord?> LoadSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default) => Sessions.LoadSessionAsync(address, cancellationToken);

    public ValueTask StoreSessionAsync(ProtocolAddress address, SessionRecord record, CancellationToken cancellationToken = default) => Sessions.StoreSessionAsync(address, record, cancellationToken);
}
