namespace Sotto.Protocol;

/// <summary>
/// The message type codes of libsignal (<c>protocol.rs</c> <c>CiphertextMessageType</c>), carried beside the
/// bytes by the transport. Explicit values, only appended.
/// </summary>
public enum CiphertextMessageType : byte
{
    /// <summary>A <see cref="SignalMessage"/> ("Whisper" in libsignal).</summary>
    Whisper = 2,

    /// <summary>A <see cref="PreKeySignalMessage"/>.</summary>
    PreKey = 3,

    /// <summary>A sender-key group message (not handled by this library: Sotto groups use MLS).</summary>
    SenderKey = 7,

    /// <summary>Unencrypted content (libsignal <c>PlaintextContent</c>; not handled here).</summary>
    Plaintext = 8,
}

/// <summary>
/// A 1:1 ciphertext message, as <see cref="SessionCipher.EncryptAsync"/> returns it and
/// <see cref="SessionCipher.DecryptAsync"/> takes it (libsignal <c>CiphertextMessage</c>).
/// </summary>
/// <remarks>
/// As in libsignal, one type serves both directions: an instance parsed from a peer's bytes has passed the format
/// checks (lengths, version, required fields, key encodings) but is not authenticated; its MAC is verified by
/// <see cref="SessionCipher"/> before any state changes. The original bytes are kept, and the MAC covers them.
/// </remarks>
public abstract class CiphertextMessage
{
    private protected CiphertextMessage(byte[] serialized)
    {
        SerializedBytes = serialized;
    }

    /// <summary>The type code to send beside the bytes.</summary>
    public abstract CiphertextMessageType Type { get; }

    /// <summary>The serialized message, exactly as sent or received.</summary>
    public ReadOnlyMemory<byte> Serialized => SerializedBytes;

    internal byte[] SerializedBytes { get; }

    /// <summary>A copy of the serialized message.</summary>
    public byte[] Serialize() => (byte[])SerializedBytes.Clone();

    /// <summary>Parses bytes received with type code <paramref name="type"/>.</summary>
    /// <exception cref="ProtocolException">Malformed input, or a type this library does not decrypt.</exception>
    public static CiphertextMessage Deserialize(CiphertextMessageType type, ReadOnlySpan<byte> serialized) => type switch
    {
        CiphertextMessageType.Whisper => SignalMessage.Deserialize(serialized),
        CiphertextMessageType.PreKey => PreKeySignalMessage.Deserialize(serialized),
        _ => ThrowHelper.ThrowProtocol<CiphertextMessage>(ProtocolError.InvalidEncoding, $"Message type {(int)type} is not a 1:1 Signal message."),
    };

    /// <summary>The version byte: <c>(version &lt;&lt; 4) | 4</c>. Its high nibble is the message version.</summary>
    internal static byte VersionByte(byte version) => (byte)(((version & 0xF) << 4) | MessageVersions.Current);

    internal static void CheckVersion(byte versionByte)
    {
        int version = versionByte >> 4;
        if (version < MessageVersions.Current)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.LegacyVersion, $"Message version {version} (X3DH without Kyber) is not supported.");
        }

        if (version > MessageVersions.Current)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.UnrecognizedVersion, $"Unrecognized message version {version}.");
        }
    }
}

/// <summary>Message and session versions (libsignal <c>protocol.rs</c>).</summary>
internal static class MessageVersions
{
    /// <summary>PQXDH with Kyber: the only version Sotto creates or accepts.</summary>
    internal const byte Current = 4;

    /// <summary>X3DH without Kyber: rejected.</summary>
    internal const byte PreKyber = 3;
}
