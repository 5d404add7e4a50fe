using Microsoft.Extensions.Time.Testing;
using Sotto.Crypto;
using Sotto.Protocol;
using Sotto.Protocol.Storage;
using Sotto.TestSupport;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.FuzzTargets;

/// <summary>
/// Decoders of the Signal protocol core (Sotto.Protocol): peer messages, public keys, KEM ciphertexts, scanned
/// safety numbers, SPQR fields and the records the stores hand back. The one acceptable error is
/// <see cref="ProtocolException"/>.
/// </summary>
public static class ProtocolTargets
{
    private static bool IsProtocolError(Exception e) => e is ProtocolException;

    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "signal-message",
            "SignalMessage.Deserialize (version byte, protobuf, MAC); re-serializing what decodes decodes the same",
            () => ProtocolFixture.Shared.SignalMessages,
            input =>
            {
                var message = SignalMessage.Deserialize(input);
                var again = SignalMessage.Deserialize(message.Serialize());
                FuzzCheckException.Check(
                    again.Counter == message.Counter && again.PreviousCounter == message.PreviousCounter
                    && again.SenderRatchetKey.Equals(message.SenderRatchetKey) && again.Body.SequenceEqual(message.Body)
                    && again.PqRatchet.SequenceEqual(message.PqRatchet),
                    "a re-serialized SignalMessage decodes differently");
            },
            IsProtocolError)
        {
            LengthFields = data => data.Length > 9 ? ProtobufScan.Lengths(data, 1, data.Length - 8) : [],
        };

        yield return new FuzzTarget(
            "prekey-signal-message",
            "PreKeySignalMessage.Deserialize (ids, base key, identity key, Kyber ciphertext, inner SignalMessage)",
            () => ProtocolFixture.Shared.PreKeyMessages,
            input =>
            {
                var message = PreKeySignalMessage.Deserialize(input);
                var again = PreKeySignalMessage.Deserialize(message.Serialize());
                FuzzCheckException.Check(again.Serialize().AsSpan().SequenceEqual(message.Serialize()), "a re-serialized PreKeySignalMessage changed");
            },
            IsProtocolError)
        {
            LengthFields = data => data.Length > 1 ? ProtobufScan.Lengths(data, 1, data.Length) : [],
        };

        yield return new FuzzTarget(
            "ec-public-key",
            "ECPublicKey.Deserialize / IdentityKey.Deserialize (type byte 0x05 and 32 bytes)",
            () => [ProtocolFixture.Shared.AliceIdentity.IdentityKey.Serialize(), ProtocolFixture.Shared.BobIdentity.IdentityKey.Serialize()],
            input =>
            {
                var key = IdentityKey.Deserialize(input);
                FuzzCheckException.Check(key.Serialize().AsSpan().SequenceEqual(input), "an EC public key re-serializes differently");
            },
            IsProtocolError);

        yield return new FuzzTarget(
            "kem-public-key",
            "KemPublicKey.Deserialize (type byte 0x08 and a 1568-byte Kyber1024 key); encapsulating to what decodes works",
            () => [ProtocolFixture.Shared.Kyber.PublicKey.Serialize()],
            input =>
            {
                var key = KemPublicKey.Deserialize(input);
                FuzzCheckException.Check(key.Serialize().AsSpan().SequenceEqual(input), "a KEM public key re-serializes differently");
                Span<byte> secret = stackalloc byte[32];
                _ = key.Encapsulate(new SeededRandom(7), secret);
            },
            IsProtocolError);

        yield return new FuzzTarget(
            "kem-ciphertext",
            "KemSecretKey.Decapsulate of a peer's Kyber1024 ciphertext (implicit rejection: any well-formed one gives a key)",
            () => ProtocolFixture.Shared.KemCiphertexts,
            input =>
            {
                Span<byte> secret = stackalloc byte[32];
                ProtocolFixture.Shared.Kyber.SecretKey.Decapsulate(input, secret);
            },
            IsProtocolError);

        yield return new FuzzTarget(
            "spqr-message",
            "the SPQR V1 field of a SignalMessage (LazySpqr.ParseMessage: version, varint epoch and index, type, chunk)",
            () => ProtocolFixture.Shared.SpqrFields,
            input => _ = LazySpqr.ParseMessage(input),
            IsProtocolError);

        yield return new FuzzTarget(
            "scanned-fingerprint",
            "ScannableFingerprint.Compare of a scanned safety-number code (CombinedFingerprints protobuf)",
            () => [ProtocolFixture.Shared.BobFingerprint.Scannable.Serialize()],
            input => _ = ProtocolFixture.Shared.AliceFingerprint.Scannable.Compare(input),
            IsProtocolError)
        {
            LengthFields = ProtobufScan.Lengths,
        };

        yield return new FuzzTarget(
            "identity-key-pair",
            "IdentityKeyPair.Deserialize of a stored (or provisioned) identity key pair",
            () => [ProtocolFixture.Shared.AliceIdentity.Serialize()],
            input =>
            {
                using var pair = IdentityKeyPair.Deserialize(input);
                using var again = IdentityKeyPair.Deserialize(pair.Serialize());
                FuzzCheckException.Check(again.IdentityKey.Equals(pair.IdentityKey), "a re-serialized identity key pair changed");
            },
            IsProtocolError)
        {
            LengthFields = ProtobufScan.Lengths,
        };

        yield return new FuzzTarget(
            "prekey-records",
            "PreKeyRecord / SignedPreKeyRecord / KyberPreKeyRecord.Deserialize of stored records (first byte picks the type)",
            () => ProtocolFixture.Shared.PreKeyRecords,
            input =>
            {
                if (input.Length == 0)
                {
                    throw new ProtocolException(ProtocolError.InvalidEncoding, "empty");
                }

                var body = input.AsSpan(1);
                switch (input[0] % 3)
                {
                    case 0:
                        var p = PreKeyRecord.Deserialize(body);
                        FuzzCheckException.Check(PreKeyRecord.Deserialize(p.Serialize()).Serialize().AsSpan().SequenceEqual(p.Serialize()), "prekey record round trip");
                        break;
                    case 1:
                        var s = SignedPreKeyRecord.Deserialize(body);
                        FuzzCheckException.Check(SignedPreKeyRecord.Deserialize(s.Serialize()).Serialize().AsSpan().SequenceEqual(s.Serialize()), "signed prekey record round trip");
                        break;
                    default:
                        var k = KyberPreKeyRecord.Deserialize(body);
                        FuzzCheckException.Check(KyberPreKeyRecord.Deserialize(k.Serialize()).Serialize().AsSpan().SequenceEqual(k.Serialize()), "Kyber prekey record round trip");
                        using (var secret = k.GetSecretKey())
                        {
                            Span<byte> shared = stackalloc byte[32];
                            secret.Decapsulate(ProtocolFixture.Shared.KemCiphertexts[0], shared);
                        }

                        break;
                }
            },
            IsProtocolError)
        {
            LengthFields = data => data.Length > 1 ? ProtobufScan.Lengths(data, 1, data.Length) : [],
        };

        yield return new FuzzTarget(
            "session-record",
            "SessionRecord.Deserialize of a stored record, its archived states, and a decrypt through it",
            () => [ProtocolFixture.Shared.BobSessionRecord],
            ProtocolFixture.RunSessionRecord,
            IsProtocolError)
        {
            LengthFields = ProtobufScan.Lengths,
        };

        yield return new FuzzTarget(
            "session-decrypt",
            "SessionCipher decrypt of a peer's PreKeySignalMessage or SignalMessage (first byte: 0 prekey, else whisper); a failure leaves every store unchanged",
            () => ProtocolFixture.Shared.DecryptCorpus,
            ProtocolFixture.RunDecrypt,
            IsProtocolError)
        {
            LengthFields = data => data.Length > 10 ? ProtobufScan.Lengths(data, 2, data[0] == 0 ? data.Length : data.Length - 8) : [],
        };
    }
}

/// <summary>
/// Alice and Bob with deterministic keys: Alice has sent Bob a PreKeySignalMessage and, after his reply, some
/// SignalMessages he has not read yet. Bob's stores are rebuilt (identically) whenever a fuzzed input is accepted.
/// </summary>
public sealed class ProtocolFixture
{
    private static readonly Lazy<ProtocolFixture> Instance = new(() => new ProtocolFixture());

    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProtocolAddress AliceAddress = new("alice", new DeviceId(1));
    private static readonly ProtocolAddress BobAddress = new("bob", new DeviceId(1));

    private Bob _bob;
    private Bob? _bobBeforeSession;

    public static ProtocolFixture Shared => Instance.Value;

    private ProtocolFixture()
    {
        var random = new SeededRandom("fuzz protocol fixture");
        AliceIdentity = IdentityKeyPair.Generate(random);
        BobIdentity = IdentityKeyPair.Generate(random);
        Kyber = KemKeyPair.Generate(random);
        var ciphertexts = new List<byte[]>();
        Span<byte> secret = stackalloc byte[32];
        ciphertexts.Add(Kyber.PublicKey.Encapsulate(random, secret));
        KemCiphertexts = ciphertexts;

        var aliceKey = new ServiceId(ServiceIdKind.Aci, new byte[16]);
        var bobKey = new ServiceId(ServiceIdKind.Aci, Enumerable.Repeat((byte)1, 16).ToArray());
        AliceFingerprint = Fingerprint.ForServiceIds(aliceKey, AliceIdentity.IdentityKey, bobKey, BobIdentity.IdentityKey);
        BobFingerprint = Fingerprint.ForServiceIds(bobKey, BobIdentity.IdentityKey, aliceKey, AliceIdentity.IdentityKey);

        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(7), BobIdentity, Start, random);
        var kyberRecord = KyberPreKeyRecord.Generate(new KyberPreKeyId(8), BobIdentity, Start, random);
        var oneTime = PreKeyRecord.Generate(new PreKeyId(9), random);
        PreKeyRecords = [[0, .. oneTime.Serialize()], [1, .. signed.Serialize()], [2, .. kyberRecord.Serialize()]];

        // Alice → Bob: a prekey message, Bob replies, then Alice sends three more that Bob has not read.
        var alice = new InMemoryProtocolStore(AliceIdentity, 1111);
        var aliceCipher = new SessionCipher(alice, AliceAddress, new FakeTimeProvider(Start), new SeededRandom("fuzz alice"));
        _bobBeforeSession = Bob.Create(BobIdentity, signed, kyberRecord, oneTime);
        var bundle = new PreKeyBundle(2222, BobAddress.DeviceId, oneTime.Id, oneTime.PublicKey, signed.Id, signed.PublicKey, signed.Signature, BobIdentity.IdentityKey, kyberRecord.Id, kyberRecord.PublicKey, kyberRecord.Signature);
        Wait(aliceCipher.ProcessPreKeyBundleAsync(BobAddress, bundle));
        var first = (PreKeySignalMessage)Wait(aliceCipher.EncryptAsync(BobAddress, "hello bob"u8.ToArray()));
        var second = (PreKeySignalMessage)Wait(aliceCipher.EncryptAsync(BobAddress, "are you there?"u8.ToArray()));
        PreKeyMessages = [first.Serialize(), second.Serialize()];

        var bobStore = Bob.Create(BobIdentity, signed, kyberRecord, oneTime);
        Wait(bobStore.Cipher.DecryptAsync(AliceAddress, CiphertextMessage.Deserialize(CiphertextMessageType.PreKey, first.Serialize())));
        var reply = Wait(bobStore.Cipher.EncryptAsync(AliceAddress, "hi alice"u8.ToArray()));
        Wait(aliceCipher.DecryptAsync(BobAddress, CiphertextMessage.Deserialize(reply.Type, reply.Serialize())));
        var whispers = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            whispers.Add(Wait(aliceCipher.EncryptAsync(BobAddress, new byte[i * 40])).Serialize());
        }

        SignalMessages = whispers;
        SpqrFields = [.. whispers.Select(w => SignalMessage.Deserialize(w).PqRatchet.ToArray()).Where(f => f.Length > 0)];
        BobSessionRecord = Wait(bobStore.Store.Sessions.LoadSessionAsync(AliceAddress))!.Serialize();
        _bob = bobStore;
        _bobSignalState = bobStore.Snapshot();
        DecryptCorpus = [.. PreKeyMessages.Select(m => (byte[])[0, .. m]), .. whispers.Select(m => (byte[])[1, .. m])];
        _signed = signed;
        _kyberRecord = kyberRecord;
        _oneTime = oneTime;
    }

    private readonly SignedPreKeyRecord _signed;
    private readonly KyberPreKeyRecord _kyberRecord;
    private readonly PreKeyRecord _oneTime;
    private readonly string _bobSignalState;

    public IdentityKeyPair AliceIdentity { get; }

    public IdentityKeyPair BobIdentity { get; }

    public KemKeyPair Kyber { get; }

    public IReadOnlyList<byte[]> KemCiphertexts { get; }

    public Fingerprint AliceFingerprint { get; }

    public Fingerprint BobFingerprint { get; }

    public IReadOnlyList<byte[]> PreKeyRecords { get; }

    public IReadOnlyList<byte[]> PreKeyMessages { get; }

    public IReadOnlyList<byte[]> SignalMessages { get; }

    public IReadOnlyList<byte[]> SpqrFields { get; }

    public byte[] BobSessionRecord { get; }

    public IReadOnlyList<byte[]> DecryptCorpus { get; }

    /// <summary>
    /// Bob decrypts a fuzzed message: byte 0 says which kind (0 a PreKeySignalMessage to a Bob without a session,
    /// otherwise a SignalMessage to a Bob with one). A rejection must leave every one of his stores unchanged.
    /// </summary>
    public static void RunDecrypt(byte[] input)
    {
        var f = Shared;
        if (input.Length == 0)
        {
            throw new ProtocolException(ProtocolError.InvalidEncoding, "empty");
        }

        bool preKey = input[0] == 0;
        var bob = preKey ? f._bobBeforeSession ??= Bob.Create(f.BobIdentity, f._signed, f._kyberRecord, f._oneTime) : f._bob;
        string before = bob.Snapshot();
        try
        {
            var message = CiphertextMessage.Deserialize(preKey ? CiphertextMessageType.PreKey : CiphertextMessageType.Whisper, input.AsSpan(1));
            _ = Wait(bob.Cipher.DecryptAsync(AliceAddress, message));
        }
        catch (ProtocolException)
        {
            FuzzCheckException.Check(bob.Snapshot() == before, "a rejected message changed Bob's stores");
            throw;
        }

        // Accepted (a genuine message): Bob's state moved on legitimately; start the next input from scratch.
        if (preKey)
        {
            f._bobBeforeSession = null;
        }
        else
        {
            f._bob = f.RestoreBob();
        }
    }

    private Bob RestoreBob()
    {
        var bob = Bob.Create(BobIdentity, _signed, _kyberRecord, _oneTime);
        Wait(bob.Store.Sessions.StoreSessionAsync(AliceAddress, SessionRecord.Deserialize(BobSessionRecord)));
        Wait(bob.Store.SaveIdentityAsync(AliceAddress, AliceIdentity.IdentityKey));
        FuzzCheckException.Check(bob.Snapshot().Length > 0 && _bobSignalState.Length > 0, "fixture");
        return bob;
    }

    /// <summary>
    /// A stored session record as read back from a (corrupted) store: it either fails to load with
    /// <see cref="ProtocolException"/>, or loads, re-serializes stably, and Bob decrypting a genuine message through
    /// it fails only with <see cref="ProtocolException"/>.
    /// </summary>
    public static void RunSessionRecord(byte[] input)
    {
        var record = SessionRecord.Deserialize(input);
        var reserialized = record.Serialize();
        FuzzCheckException.Check(SessionRecord.Deserialize(reserialized).Serialize().AsSpan().SequenceEqual(reserialized), "a re-serialized session record changed");
        for (int i = 0; i < record.ArchivedSessionCount; i++)
        {
            _ = record.DecodePrevious(i);
        }

        _ = DecryptThroughStoredRecord(input, Shared.SignalMessages[0]);
    }

    /// <summary>Bob, whose store holds <paramref name="record"/> for Alice, decrypts <paramref name="signalMessage"/> from her.</summary>
    public static byte[] DecryptThroughStoredRecord(byte[] record, byte[] signalMessage)
    {
        var f = Shared;
        var bob = Bob.Create(f.BobIdentity, f._signed, f._kyberRecord, f._oneTime);
        Wait(bob.Store.Sessions.StoreSessionAsync(AliceAddress, SessionRecord.Deserialize(record)));
        Wait(bob.Store.SaveIdentityAsync(AliceAddress, f.AliceIdentity.IdentityKey));
        return Wait(bob.Cipher.DecryptAsync(AliceAddress, SignalMessage.Deserialize(signalMessage)));
    }

    private static T Wait<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask task) => task.AsTask().GetAwaiter().GetResult();

    /// <summary>Bob's device: stores holding his prekeys, and his cipher.</summary>
    private sealed record Bob(InMemoryProtocolStore Store, SessionCipher Cipher)
    {
        public static Bob Create(IdentityKeyPair identity, SignedPreKeyRecord signed, KyberPreKeyRecord kyber, PreKeyRecord oneTime)
        {
            var store = new InMemoryProtocolStore(identity, 2222);
            Wait(store.SignedPreKeys.SaveSignedPreKeyAsync(signed.Id, signed));
            Wait(store.KyberPreKeys.SaveKyberPreKeyAsync(kyber.Id, kyber));
            Wait(store.PreKeys.SavePreKeyAsync(oneTime.Id, oneTime));
            return new Bob(store, new SessionCipher(store, BobAddress, new FakeTimeProvider(Start.AddMinutes(1)), new SeededRandom("fuzz bob")));
        }

        /// <summary>Everything in every store, serialized: equal snapshots mean nothing changed.</summary>
        public string Snapshot()
        {
            var parts = new List<string>();
            foreach (var address in Store.Sessions.Addresses.OrderBy(a => a.ToString(), StringComparer.Ordinal))
            {
                parts.Add($"session {address}: {Convert.ToHexString(Wait(Store.Sessions.LoadSessionAsync(address))!.Serialize())}");
            }

            foreach (var (address, key) in Store.Identities.KnownIdentities.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
            {
                parts.Add($"identity {address}: {key}");
            }

            parts.Add("prekeys " + string.Join(",", Store.PreKeys.Ids.OrderBy(i => i.Value)));
            parts.Add("signed " + string.Join(",", Store.SignedPreKeys.Ids.OrderBy(i => i.Value)));
            parts.Add("kyber " + string.Join(",", Store.KyberPreKeys.Ids.OrderBy(i => i.Value)));
            parts.Add("kyber base keys seen " + Store.KyberPreKeys.BaseKeysSeenCount);
            return string.Join("\n", parts);
        }
    }
}
