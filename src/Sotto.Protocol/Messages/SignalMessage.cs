using Google.Protobuf;

namespace Sotto.Protocol;

/// <summary>
/// A Double Ratchet message (libsignal <c>protocol.rs</c> <c>SignalMessage</c>):
/// <code>
///   0x44 ‖ SignalMessage{ 1 ratchet_key(33), 2 counter, 3 previous_counter, 4 ciphertext,
///                         5 pq_ratchet, 6 addresses } ‖ MAC(8)
///   MAC = HMAC-SHA256(mac_key, sender_identity(33) ‖ receiver_identity(33) ‖ all bytes before the MAC)[0..8]
/// </code>
/// </summary>
/// <remarks>See <see cref="CiphertextMessage"/>: a parsed instance is unauthenticated until decrypted.</remarks>
public sealed class SignalMessage : CiphertextMessage
{
    /// <summary>Length of the truncated MAC.</summary>
    public const int MacLength = 8;

    private readonly byte[] _ciphertext;
    private readonly byte[] _pqRatchet;
    private readonly byte[]? _addresses;

    private SignalMessage(byte[] serialized, byte version, ECPublicKey senderRatchetKey, uint counter, uint previousCounter, byte[] ciphertext, byte[] pqRatchet, byte[]? addresses)
        : base(serialized)
    {
        MessageVersion = version;
        SenderRatchetKey = senderRatchetKey;
        Counter = counter;
        PreviousCounter = previousCounter;
        _ciphertext = ciphertext;
        _pqRatchet = pqRatchet;
        _addresses = addresses;
    }

    public override CiphertextMessageType Type => CiphertextMessageType.Whisper;

    public byte MessageVersion { get; }

    /// <summary>The sender's current ratchet public key.</summary>
    public ECPublicKey SenderRatchetKey { get; }

    /// <summary>The index of the message key in the sender's chain.</summary>
    public uint Counter { get; }

    /// <summary>The length of the sender's previous chain (informational; never verified).</summary>
    public uint PreviousCounter { get; }

    /// <summary>The AES-256-CBC body.</summary>
    public ReadOnlySpan<byte> Body => _ciphertext;

    /// <summary>The SPQR V1 message (empty when absent, which libsignal 0.103 rejects).</summary>
    public ReadOnlySpan<byte> PqRatchet => _pqRatchet;

    /// <summary>Whether the authenticated sender/recipient <c>addresses</c> field is present.</summary>
    public bool HasAddresses => _addresses is not null;

    /// <summary>The <c>addresses</c> field (empty when absent).</summary>
    public ReadOnlySpan<byte> Addresses => _addresses;

    /// <summary>Parses a SignalMessage received from a peer.</summary>
    /// <exception cref="ProtocolException">Too short or too long, a wrong version, bad protobuf, a missing field or a malformed ratchet key.</exception>
    public static SignalMessage Deserialize(ReadOnlySpan<byte> serialized)
    {
        if (serialized.Length > ProtocolLimits.MaxMessageLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MessageTooLarge, $"Messages are at most {ProtocolLimits.MaxMessageLength} bytes.");
        }

        if (serialized.Length < 1 + MacLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidEncoding, $"A SignalMessage of {serialized.Length} bytes is too short.");
        }

        CheckVersion(serialized[0]);
        Proto.Wire.SignalMessage proto;
        try
        {
            proto = Proto.Wire.SignalMessage.Parser.ParseFrom(serialized[1..^MacLength]);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<SignalMessage>(ProtocolError.InvalidEncoding, "The SignalMessage protobuf is malformed.");
        }

        if (!proto.HasRatchetKey || !proto.HasCounter || !proto.HasCiphertext)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidEncoding, "The SignalMessage lacks a ratchet key, counter or ciphertext.");
        }

        var ratchetKey = ECPublicKey.Deserialize(proto.RatchetKey.Span);
        return new SignalMessage(
            serialized.ToArray(),
            (byte)(serialized[0] >> 4),
            ratchetKey,
            proto.Counter,
            proto.PreviousCounter,
            proto.Ciphertext.ToByteArray(),
            proto.HasPqRatchet ? proto.PqRatchet.ToByteArray() : [],
            proto.HasAddresses ? proto.Addresses.ToByteArray() : null);
    }

    /// <summary>Builds and MACs an outgoing message (libsignal <c>SignalMessage::new</c>).</summary>
    internal static SignalMessage Create(
        byte version,
        ReadOnlySpan<byte> macKey,
        byte[]? addresses,
        ECPublicKey senderRatchetKey,
        uint counter,
        uint previousCounter,
        byte[] ciphertext,
        IdentityKey senderIdentity,
        IdentityKey receiverIdentity,
        byte[] pqRatchet)
    {
        var proto = new Proto.Wire.SignalMessage
        {
            RatchetKey = UnsafeByteOperations.UnsafeWrap(senderRatchetKey.SerializedMemory),
            Counter = counter,
            PreviousCounter = previousCounter,
            Ciphertext = UnsafeByteOperations.UnsafeWrap(ciphertext),
        };
        if (pqRatchet.Length != 0)
        {
            proto.PqRatchet = UnsafeByteOperations.UnsafeWrap(pqRatchet);
        }

        if (addresses is not null)
        {
            proto.Addresses = UnsafeByteOperations.UnsafeWrap(addresses);
        }

        int size = proto.CalculateSize();
        var serialized = new byte[1 + size + MacLength];
        serialized[0] = VersionByte(version);
        proto.WriteTo(serialized.AsSpan(1, size));
        MessageMac.Compute(macKey, senderIdentity, receiverIdentity, serialized.AsSpan(0, 1 + size), serialized.AsSpan(1 + size));
        return new SignalMessage(serialized, version, senderRatchetKey, counter, previousCounter, ciphertext, pqRatchet, addresses);
    }

    /// <summary>Checks the truncated MAC in constant time.</summary>
    internal bool VerifyMac(IdentityKey senderIdentity, IdentityKey receiverIdentity, ReadOnlySpan<byte> macKey)
    {
        var serialized = SerializedBytes.AsSpan();
        Span<byte> mac = stackalloc byte[MacLength];
        MessageMac.Compute(macKey, senderIdentity, receiverIdentity, serialized[..^MacLength], mac);
        return Sotto.Crypto.ConstantTime.Equals(mac, serialized[^MacLength..]);
    }

    /// <summary>
    /// The <c>addresses</c> field for a sender and recipient (libsignal <c>serialize_addresses</c>):
    /// fixed-width ServiceId (17) ‖ device (1), sender first. <see langword="null"/> unless both names are ServiceIds.
    /// </summary>
    internal static byte[]? SerializeAddresses(ProtocolAddress sender, ProtocolAddress recipient)
    {
        if (!ServiceId.TryParse(sender.Name, out var senderId) || !ServiceId.TryParse(recipient.Name, out var recipientId))
        {
            return null;
        }

        var bytes = new byte[36];
        senderId.WriteFixedWidthBinary(bytes);
        bytes[17] = (byte)sender.DeviceId.Value;
        recipientId.WriteFixedWidthBinary(bytes.AsSpan(18));
        bytes[35] = (byte)recipient.DeviceId.Value;
        return bytes;
    }
}
