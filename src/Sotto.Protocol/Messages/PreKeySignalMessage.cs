using Google.Protobuf;

namespace Sotto.Protocol;

/// <summary>
/// The first messages of a session the sender initiated from a prekey bundle, until the peer replies (libsignal
/// <c>protocol.rs</c> <c>PreKeySignalMessage</c>). No MAC of its own: the inner SignalMessage's MAC binds the
/// identities, and a tampered PQXDH input yields keys that fail it.
/// <code>
///   0x44 ‖ PreKeySignalMessage{ 5 registration_id, 1 pre_key_id?, 6 signed_pre_key_id, 7 kyber_pre_key_id,
///                               8 kyber_ciphertext(1569), 2 base_key(33), 3 identity_key(33), 4 message }
/// </code>
/// </summary>
public sealed class PreKeySignalMessage : CiphertextMessage
{
    private readonly byte[] _kyberCiphertext;

    private PreKeySignalMessage(byte[] serialized, byte version, uint registrationId, PreKeyId? preKeyId, SignedPreKeyId signedPreKeyId, KyberPreKeyId kyberPreKeyId, byte[] kyberCiphertext, ECPublicKey baseKey, IdentityKey identityKey, SignalMessage message)
        : base(serialized)
    {
        MessageVersion = version;
        RegistrationId = registrationId;
        PreKeyId = preKeyId;
        SignedPreKeyId = signedPreKeyId;
        KyberPreKeyId = kyberPreKeyId;
        _kyberCiphertext = kyberCiphertext;
        BaseKey = baseKey;
        IdentityKey = identityKey;
        Message = message;
    }

    public override CiphertextMessageType Type => CiphertextMessageType.PreKey;

    public byte MessageVersion { get; }

    /// <summary>The sender device's registration id.</summary>
    public uint RegistrationId { get; }

    /// <summary>The one-time EC prekey used, if the bundle had one.</summary>
    public PreKeyId? PreKeyId { get; }

    public SignedPreKeyId SignedPreKeyId { get; }

    public KyberPreKeyId KyberPreKeyId { get; }

    /// <summary>The Kyber1024 ciphertext, type byte first (1,569 bytes).</summary>
    public ReadOnlySpan<byte> KyberCiphertext => _kyberCiphertext;

    /// <summary>The sender's PQXDH ephemeral ("base") key; it also identifies the session.</summary>
    public ECPublicKey BaseKey { get; }

    /// <summary>The sender's identity key (checked against the identity store before anything else).</summary>
    public IdentityKey IdentityKey { get; }

    /// <summary>The first Double Ratchet message of the session.</summary>
    public SignalMessage Message { get; }

    /// <summary>Parses a PreKeySignalMessage received from a peer.</summary>
    /// <exception cref="ProtocolException">Malformed input; <see cref="ProtocolError.LegacyVersion"/> for X3DH (version 3).</exception>
    public static PreKeySignalMessage Deserialize(ReadOnlySpan<byte> serialized)
    {
        if (serialized.Length > ProtocolLimits.MaxMessageLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MessageTooLarge, $"Messages are at most {ProtocolLimits.MaxMessageLength} bytes.");
        }

        if (serialized.IsEmpty)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidEncoding, "An empty PreKeySignalMessage.");
        }

        CheckVersion(serialized[0]);
        Proto.Wire.PreKeySignalMessage proto;
        try
        {
            proto = Proto.Wire.PreKeySignalMessage.Parser.ParseFrom(serialized[1..]);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<PreKeySignalMessage>(ProtocolError.InvalidEncoding, "The PreKeySignalMessage protobuf is malformed.");
        }

        if (!proto.HasBaseKey || !proto.HasIdentityKey || !proto.HasMessage || !proto.HasSignedPreKeyId)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidEncoding, "The PreKeySignalMessage lacks a base key, identity key, message or signed prekey id.");
        }

        if (proto.HasKyberPreKeyId != proto.HasKyberCiphertext)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidEncoding, "A Kyber prekey id and ciphertext come together or not at all.");
        }

        if (!proto.HasKyberPreKeyId)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MissingKyberPreKey, "A version 4 PreKeySignalMessage must carry a Kyber prekey.");
        }

        if (proto.KyberCiphertext.Length != KemSecretKey.CiphertextLength || proto.KyberCiphertext.Span[0] != (byte)KemKeyType.Kyber1024)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidKemCiphertext, $"A Kyber1024 ciphertext is 0x08 followed by {KemSecretKey.CiphertextLength - 1} bytes.");
        }

        var baseKey = ECPublicKey.Deserialize(proto.BaseKey.Span);
        var identityKey = IdentityKey.Deserialize(proto.IdentityKey.Span);
        var message = SignalMessage.Deserialize(proto.Message.Span);
        return new PreKeySignalMessage(
            serialized.ToArray(),
            (byte)(serialized[0] >> 4),
            proto.RegistrationId,
            proto.HasPreKeyId ? new PreKeyId(proto.PreKeyId) : null,
            new SignedPreKeyId(proto.SignedPreKeyId),
            new KyberPreKeyId(proto.KyberPreKeyId),
            proto.KyberCiphertext.ToByteArray(),
            baseKey,
            identityKey,
            message);
    }

    internal static PreKeySignalMessage Create(byte version, uint registrationId, PreKeyId? preKeyId, SignedPreKeyId signedPreKeyId, KyberPreKeyId kyberPreKeyId, byte[] kyberCiphertext, ECPublicKey baseKey, IdentityKey identityKey, SignalMessage message)
    {
        var proto = new Proto.Wire.PreKeySignalMessage
        {
            RegistrationId = registrationId,
            SignedPreKeyId = signedPreKeyId.Value,
            KyberPreKeyId = kyberPreKeyId.Value,
            KyberCiphertext = UnsafeByteOperations.UnsafeWrap(kyberCiphertext),
            BaseKey = UnsafeByteOperations.UnsafeWrap(baseKey.SerializedMemory),
            IdentityKey = UnsafeByteOperations.UnsafeWrap(identityKey.PublicKey.SerializedMemory),
            Message = UnsafeByteOperations.UnsafeWrap(message.SerializedBytes),
        };
        if (preKeyId is { } id)
        {
            proto.PreKeyId = id.Value;
        }

        int size = proto.CalculateSize();
        var serialized = new byte[1 + size];
        serialized[0] = VersionByte(version);
        proto.WriteTo(serialized.AsSpan(1));
        return new PreKeySignalMessage(serialized, version, registrationId, preKeyId, signedPreKeyId, kyberPreKeyId, kyberCiphertext, baseKey, identityKey, message);
    }
}
