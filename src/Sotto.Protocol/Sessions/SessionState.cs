using Google.Protobuf;
using Sotto.Protocol.Proto.Storage;

namespace Sotto.Protocol;

/// <summary>
/// One session with one remote device: identities, the Double Ratchet (root key, sending chain, up to
/// <see cref="ProtocolLimits.MaxReceiverChains"/> receiving chains with their skipped message keys), the lazy SPQR
/// chains, and — for a session we initiated and that the peer has not yet answered — the PreKey message fields
/// (libsignal <c>state/session.rs</c> <c>SessionState</c>).
/// </summary>
/// <remarks>
/// Ownership: key arrays held here are never written in place; every ratchet step replaces them. A staged update
/// (<see cref="DecryptionStep"/>, <see cref="EncryptionStep"/>) may therefore share arrays with the state it was
/// computed from, and the state stays valid until the step is committed. Serialized as libsignal's
/// <c>SessionStructure</c> (storage.proto), with Sotto's SPQR state in field 15.
/// </remarks>
internal sealed class SessionState
{
    internal SessionState(uint version, IdentityKey localIdentity, IdentityKey remoteIdentity, byte[] rootKey, ECPublicKey aliceBaseKey, LazySpqr spqr)
    {
        Version = version;
        LocalIdentity = localIdentity;
        RemoteIdentity = remoteIdentity;
        RootKey = rootKey;
        AliceBaseKey = aliceBaseKey;
        Spqr = spqr;
    }

    internal uint Version { get; }

    internal IdentityKey LocalIdentity { get; }

    internal IdentityKey RemoteIdentity { get; }

    internal byte[] RootKey { get; set; }

    internal uint PreviousCounter { get; set; }

    internal SenderChain? Sender { get; set; }

    /// <summary>Oldest first; a ratchet step appends and drops from the front beyond the limit.</summary>
    internal List<ReceiverChain> ReceiverChains { get; private set; } = [];

    internal PendingPreKey? Pending { get; set; }

    internal uint RemoteRegistrationId { get; set; }

    internal uint LocalRegistrationId { get; set; }

    /// <summary>The initiator's PQXDH base key: identifies the session when a PreKey message arrives again.</summary>
    internal ECPublicKey AliceBaseKey { get; }

    internal LazySpqr Spqr { get; }

    internal int FindReceiverChain(ECPublicKey ratchetKey)
    {
        for (int i = 0; i < ReceiverChains.Count; i++)
        {
            if (ReceiverChains[i].RatchetKey.Equals(ratchetKey))
            {
                return i;
            }
        }

        return -1;
    }

    internal SessionState Clone()
    {
        var clone = new SessionState(Version, LocalIdentity, RemoteIdentity, RootKey, AliceBaseKey, Spqr.Clone())
        {
            PreviousCounter = PreviousCounter,
            Sender = Sender,
            Pending = Pending,
            RemoteRegistrationId = RemoteRegistrationId,
            LocalRegistrationId = LocalRegistrationId,
        };
        clone.ReceiverChains = ReceiverChains.ConvertAll(c => c.Clone());
        return clone;
    }

    internal SessionStructure ToStructure()
    {
        var s = new SessionStructure
        {
            SessionVersion = Version,
            LocalIdentityPublic = ByteString.CopyFrom(LocalIdentity.Serialized),
            RemoteIdentityPublic = ByteString.CopyFrom(RemoteIdentity.Serialized),
            RootKey = UnsafeByteOperations.UnsafeWrap(RootKey),
            PreviousCounter = PreviousCounter,
            RemoteRegistrationId = RemoteRegistrationId,
            LocalRegistrationId = LocalRegistrationId,
            AliceBaseKey = ByteString.CopyFrom(AliceBaseKey.Serialized),
            PqRatchetState = Spqr.Serialize(),
        };
        if (Sender is { } sender)
        {
            s.SenderChain = new SessionStructure.Types.Chain
            {
                SenderRatchetKey = ByteString.CopyFrom(sender.RatchetKey.Serialized),
                SenderRatchetKeyPrivate = UnsafeByteOperations.UnsafeWrap(sender.RatchetPrivateKey),
                ChainKey = ToStructure(sender.ChainKey),
            };
        }

        foreach (var chain in ReceiverChains)
        {
            var c = new SessionStructure.Types.Chain
            {
                SenderRatchetKey = ByteString.CopyFrom(chain.RatchetKey.Serialized),
                ChainKey = ToStructure(chain.ChainKey),
            };
            for (int i = chain.MessageKeys.Count - 1; i >= 0; i--)
            {
                c.MessageKeys.Add(new SessionStructure.Types.Chain.Types.MessageKey
                {
                    Index = chain.MessageKeys[i].Index,
                    Seed = UnsafeByteOperations.UnsafeWrap(chain.MessageKeys[i].Key),
                });
            }

            s.ReceiverChains.Add(c);
        }

        if (Pending is { } pending)
        {
            s.PendingPreKey = new SessionStructure.Types.PendingPreKey
            {
                SignedPreKeyId = unchecked((int)pending.SignedPreKeyId.Value),
                BaseKey = ByteString.CopyFrom(pending.BaseKey.Serialized),
                Timestamp = pending.TimestampSeconds,
            };
            if (pending.PreKeyId is { } id)
            {
                s.PendingPreKey.PreKeyId = id.Value;
            }

            s.PendingKyberPreKey = new SessionStructure.Types.PendingKyberPreKey
            {
                PreKeyId = pending.KyberPreKeyId.Value,
                Ciphertext = UnsafeByteOperations.UnsafeWrap(pending.KyberCiphertext),
            };
        }

        return s;
    }

    internal static SessionState FromStructure(SessionStructure s)
    {
        if (s.SessionVersion != MessageVersions.Current)
        {
            ThrowHelper.ThrowInvalidState($"Session version {s.SessionVersion} is not supported.");
        }

        var state = new SessionState(
            s.SessionVersion,
            StoredIdentity(s.LocalIdentityPublic),
            StoredIdentity(s.RemoteIdentityPublic),
            Key32(s.RootKey),
            StoredPublicKey(s.AliceBaseKey),
            LazySpqr.Deserialize(s.PqRatchetState))
        {
            PreviousCounter = s.PreviousCounter,
            RemoteRegistrationId = s.RemoteRegistrationId,
            LocalRegistrationId = s.LocalRegistrationId,
        };

        if (s.SenderChain is { } sender)
        {
            var privateKey = Key32(sender.SenderRatchetKeyPrivate);
            state.Sender = new SenderChain(StoredPublicKey(sender.SenderRatchetKey), privateKey, StoredChainKey(sender.ChainKey));
        }

        if (s.ReceiverChains.Count > ProtocolLimits.MaxReceiverChains)
        {
            ThrowHelper.ThrowInvalidState("Too many receiver chains.");
        }

        foreach (var c in s.ReceiverChains)
        {
            if (c.MessageKeys.Count > ProtocolLimits.MaxMessageKeys)
            {
                ThrowHelper.ThrowInvalidState("Too many skipped message keys.");
            }

            var keys = new List<SkippedKey>(c.MessageKeys.Count);
            for (int i = c.MessageKeys.Count - 1; i >= 0; i--)
            {
                var mk = c.MessageKeys[i];
                if (mk.Seed.Length != 32)
                {
                    ThrowHelper.ThrowInvalidState("Skipped message keys without a seed (pre-SPQR records) are not supported.");
                }

                keys.Add(new SkippedKey(mk.Index, mk.Seed.ToByteArray()));
            }

            state.ReceiverChains.Add(new ReceiverChain(StoredPublicKey(c.SenderRatchetKey), StoredChainKey(c.ChainKey), keys));
        }

        if (s.PendingPreKey is { } p)
        {
            if (s.PendingKyberPreKey is not { } kyber || kyber.Ciphertext.Length != KemSecretKey.CiphertextLength)
            {
                return ThrowHelper.ThrowProtocol<SessionState>(ProtocolError.InvalidSessionState, "A pending PreKey message without its Kyber ciphertext.");
            }

            state.Pending = new PendingPreKey(
                p.HasPreKeyId ? new PreKeyId(p.PreKeyId) : null,
                new SignedPreKeyId(unchecked((uint)p.SignedPreKeyId)),
                StoredPublicKey(p.BaseKey),
                p.Timestamp,
                new KyberPreKeyId(kyber.PreKeyId),
                kyber.Ciphertext.ToByteArray());
        }

        return state;
    }

    private static SessionStructure.Types.Chain.Types.ChainKey ToStructure(ChainKey chainKey) => new()
    {
        Index = chainKey.Index,
        Key = UnsafeByteOperations.UnsafeWrap(chainKey.Key),
    };

    private static ChainKey StoredChainKey(SessionStructure.Types.Chain.Types.ChainKey? chainKey) =>
        chainKey is null
            ? ThrowHelper.ThrowProtocol<ChainKey>(ProtocolError.InvalidSessionState, "A chain without a chain key.")
            : new ChainKey(Key32(chainKey.Key), chainKey.Index);

    private static byte[] Key32(ByteString bytes) =>
        bytes.Length == 32 ? bytes.ToByteArray() : ThrowHelper.ThrowProtocol<byte[]>(ProtocolError.InvalidSessionState, "A stored key has the wrong length.");

    private static ECPublicKey StoredPublicKey(ByteString bytes) => RecordParsing.PublicKey(bytes, "session");

    private static IdentityKey StoredIdentity(ByteString bytes) => new(StoredPublicKey(bytes));
}

/// <summary>Our current ratchet key pair and sending chain. Immutable: a ratchet step replaces it.</summary>
internal sealed record SenderChain(ECPublicKey RatchetKey, byte[] RatchetPrivateKey, ChainKey ChainKey);

/// <summary>A receiving chain: the peer's ratchet key, its chain key, and the seeds of skipped messages (oldest first).</summary>
internal sealed class ReceiverChain(ECPublicKey ratchetKey, ChainKey chainKey, List<SkippedKey> messageKeys)
{
    internal ECPublicKey RatchetKey { get; } = ratchetKey;

    internal ChainKey ChainKey { get; set; } = chainKey;

    internal List<SkippedKey> MessageKeys { get; set; } = messageKeys;

    internal ReceiverChain Clone() => new(RatchetKey, ChainKey, [.. MessageKeys]);
}

/// <summary>What an unacknowledged session we initiated repeats in each PreKey message.</summary>
internal sealed record PendingPreKey(PreKeyId? PreKeyId, SignedPreKeyId SignedPreKeyId, ECPublicKey BaseKey, ulong TimestampSeconds, KyberPreKeyId KyberPreKeyId, byte[] KyberCiphertext);
