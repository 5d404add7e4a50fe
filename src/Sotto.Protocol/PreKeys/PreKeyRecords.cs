using Google.Protobuf;
using Sotto.Crypto;
using Sotto.Protocol.Proto.Storage;

namespace Sotto.Protocol;

/// <summary>
/// A one-time EC prekey with its private half, as this device stores it (libsignal <c>PreKeyRecord</c>; serialized
/// as <c>PreKeyRecordStructure</c>). Used once, by the first PreKey message that names it, then removed.
/// </summary>
public sealed class PreKeyRecord
{
    private readonly byte[] _privateKey;

    public PreKeyRecord(PreKeyId id, ECKeyPair keyPair)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        Id = id;
        PublicKey = keyPair.PublicKey;
        _privateKey = keyPair.PrivateKey.Serialize();
    }

    private PreKeyRecord(PreKeyId id, ECPublicKey publicKey, byte[] privateKey)
    {
        Id = id;
        PublicKey = publicKey;
        _privateKey = privateKey;
    }

    public PreKeyId Id { get; }

    public ECPublicKey PublicKey { get; }

    internal ReadOnlySpan<byte> PrivateKeySpan => _privateKey;

    /// <summary>Generates a one-time prekey.</summary>
    public static PreKeyRecord Generate(PreKeyId id, IRandom random)
    {
        using var keyPair = ECKeyPair.Generate(random);
        return new PreKeyRecord(id, keyPair);
    }

    /// <summary>Exports the private key as a new disposable object.</summary>
    public ECPrivateKey GetPrivateKey() => ECPrivateKey.Deserialize(_privateKey);

    public byte[] Serialize() => new PreKeyRecordStructure
    {
        Id = Id.Value,
        PublicKey = ByteString.CopyFrom(PublicKey.Serialized),
        PrivateKey = ByteString.CopyFrom(_privateKey),
    }.ToByteArray();

    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidSessionState"/> for a corrupt record.</exception>
    public static PreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        var s = RecordParsing.Parse(PreKeyRecordStructure.Parser, serialized, "prekey");
        var publicKey = RecordParsing.PublicKey(s.PublicKey, "prekey");
        var privateKey = RecordParsing.PrivateKey(s.PrivateKey, publicKey, "prekey");
        return new PreKeyRecord(new PreKeyId(s.Id), publicKey, privateKey);
    }
}

/// <summary>
/// A signed EC prekey with its private half, timestamp and the identity key's XEdDSA signature over the 33-byte
/// public key (libsignal <c>SignedPreKeyRecord</c>; serialized as <c>SignedPreKeyRecordStructure</c>).
/// </summary>
public sealed class SignedPreKeyRecord
{
    private readonly byte[] _privateKey;
    private readonly byte[] _signature;

    public SignedPreKeyRecord(SignedPreKeyId id, DateTimeOffset timestamp, ECKeyPair keyPair, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        Id = id;
        Timestamp = timestamp;
        PublicKey = keyPair.PublicKey;
        _privateKey = keyPair.PrivateKey.Serialize();
        _signature = signature.ToArray();
    }

    private SignedPreKeyRecord(SignedPreKeyId id, DateTimeOffset timestamp, ECPublicKey publicKey, byte[] privateKey, byte[] signature)
    {
        Id = id;
        Timestamp = timestamp;
        PublicKey = publicKey;
        _privateKey = privateKey;
        _signature = signature;
    }

    public SignedPreKeyId Id { get; }

    public DateTimeOffset Timestamp { get; }

    public ECPublicKey PublicKey { get; }

    public ReadOnlySpan<byte> Signature => _signature;

    internal ReadOnlySpan<byte> PrivateKeySpan => _privateKey;

    /// <summary>Generates a signed prekey, signed by <paramref name="identityKeyPair"/>.</summary>
    public static SignedPreKeyRecord Generate(SignedPreKeyId id, IdentityKeyPair identityKeyPair, DateTimeOffset timestamp, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(identityKeyPair);
        using var keyPair = ECKeyPair.Generate(random);
        var signature = identityKeyPair.Sign(keyPair.PublicKey.Serialized, random);
        return new SignedPreKeyRecord(id, timestamp, keyPair, signature);
    }

    /// <summary>Exports the private key as a new disposable object.</summary>
    public ECPrivateKey GetPrivateKey() => ECPrivateKey.Deserialize(_privateKey);

    public byte[] Serialize() => new SignedPreKeyRecordStructure
    {
        Id = Id.Value,
        PublicKey = ByteString.CopyFrom(PublicKey.Serialized),
        PrivateKey = ByteString.CopyFrom(_privateKey),
        Signature = ByteString.CopyFrom(_signature),
        Timestamp = (ulong)Timestamp.ToUnixTimeMilliseconds(),
    }.ToByteArray();

    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidSessionState"/> for a corrupt record.</exception>
    public static SignedPreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        var s = RecordParsing.Parse(SignedPreKeyRecordStructure.Parser, serialized, "signed prekey");
        var publicKey = RecordParsing.PublicKey(s.PublicKey, "signed prekey");
        var privateKey = RecordParsing.PrivateKey(s.PrivateKey, publicKey, "signed prekey");
        return new SignedPreKeyRecord(new SignedPreKeyId(s.Id), RecordParsing.Timestamp(s.Timestamp), publicKey, privateKey, s.Signature.ToByteArray());
    }
}

/// <summary>
/// A Kyber1024 prekey with its secret key, timestamp and the identity key's XEdDSA signature over the 1,569-byte
/// serialized public key, type byte included (libsignal <c>KyberPreKeyRecord</c>, stored as a
/// <c>SignedPreKeyRecordStructure</c>). The record is the same for one-time and last-resort keys; the store knows
/// which is which (<see cref="Storage.IKyberPreKeyStore.MarkKyberPreKeyUsedAsync"/>).
/// </summary>
public sealed class KyberPreKeyRecord
{
    private readonly byte[] _secretKey;
    private readonly byte[] _signature;

    public KyberPreKeyRecord(KyberPreKeyId id, DateTimeOffset timestamp, KemKeyPair keyPair, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        Id = id;
        Timestamp = timestamp;
        PublicKey = keyPair.PublicKey;
        _secretKey = keyPair.SecretKey.Serialize();
        _signature = signature.ToArray();
    }

    private KyberPreKeyRecord(KyberPreKeyId id, DateTimeOffset timestamp, KemPublicKey publicKey, byte[] secretKey, byte[] signature)
    {
        Id = id;
        Timestamp = timestamp;
        PublicKey = publicKey;
        _secretKey = secretKey;
        _signature = signature;
    }

    public KyberPreKeyId Id { get; }

    public DateTimeOffset Timestamp { get; }

    public KemPublicKey PublicKey { get; }

    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>Generates a Kyber1024 prekey, signed by <paramref name="identityKeyPair"/>.</summary>
    public static KyberPreKeyRecord Generate(KyberPreKeyId id, IdentityKeyPair identityKeyPair, DateTimeOffset timestamp, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(identityKeyPair);
        using var keyPair = KemKeyPair.Generate(random);
        var signature = identityKeyPair.Sign(keyPair.PublicKey.Serialized, random);
        return new KyberPreKeyRecord(id, timestamp, keyPair, signature);
    }

    /// <summary>Exports the secret key as a new disposable object.</summary>
    public KemSecretKey GetSecretKey() => KemSecretKey.Deserialize(_secretKey);

    public byte[] Serialize() => new SignedPreKeyRecordStructure
    {
        Id = Id.Value,
        PublicKey = ByteString.CopyFrom(PublicKey.Serialized),
        PrivateKey = ByteString.CopyFrom(_secretKey),
        Signature = ByteString.CopyFrom(_signature),
        Timestamp = (ulong)Timestamp.ToUnixTimeMilliseconds(),
    }.ToByteArray();

    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidSessionState"/> for a corrupt record.</exception>
    public static KyberPreKeyRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        var s = RecordParsing.Parse(SignedPreKeyRecordStructure.Parser, serialized, "Kyber prekey");
        KemPublicKey publicKey;
        try
        {
            publicKey = KemPublicKey.Deserialize(s.PublicKey.Span);
            using var check = KemSecretKey.Deserialize(s.PrivateKey.Span);
        }
        catch (ProtocolException)
        {
            return ThrowHelper.ThrowProtocol<KyberPreKeyRecord>(ProtocolError.InvalidSessionState, "Corrupt Kyber prekey record.");
        }

        return new KyberPreKeyRecord(new KyberPreKeyId(s.Id), RecordParsing.Timestamp(s.Timestamp), publicKey, s.PrivateKey.ToByteArray(), s.Signature.ToByteArray());
    }
}

/// <summary>Shared checks for stored records: corrupt bytes become <see cref="ProtocolError.InvalidSessionState"/>.</summary>
internal static class RecordParsing
{
    internal static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> serialized, string what)
        where T : IMessage<T>
    {
        if (serialized.Length > ProtocolLimits.MaxSessionRecordLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MessageTooLarge, $"The {what} record is too large.");
        }

        try
        {
            return parser.ParseFrom(serialized);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<T>(ProtocolError.InvalidSessionState, $"Corrupt {what} record.");
        }
    }

    internal static ECPublicKey PublicKey(ByteString bytes, string what)
    {
        try
        {
            return ECPublicKey.Deserialize(bytes.Span);
        }
        catch (ProtocolException)
        {
            return ThrowHelper.ThrowProtocol<ECPublicKey>(ProtocolError.InvalidSessionState, $"Corrupt {what} record.");
        }
    }

    internal static byte[] PrivateKey(ByteString bytes, ECPublicKey expectedPublic, string what)
    {
        if (bytes.Length != ECPrivateKey.KeyLength)
        {
            ThrowHelper.ThrowInvalidState($"Corrupt {what} record.");
        }

        using var key = ECPrivateKey.Deserialize(bytes.Span);
        if (!key.PublicKey.Equals(expectedPublic))
        {
            ThrowHelper.ThrowInvalidState($"Corrupt {what} record: private and public keys do not match.");
        }

        return key.Serialize();
    }

    internal static DateTimeOffset Timestamp(ulong milliseconds) =>
        milliseconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? ThrowHelper.ThrowProtocol<DateTimeOffset>(ProtocolError.InvalidSessionState, "Corrupt record timestamp.")
            : DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds);
}
