using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// An X25519 public key as libsignal serializes it: the type byte 0x05 followed by the 32-byte u-coordinate
/// (libsignal <c>rust/core/src/curve.rs</c>). Immutable; equality compares the serialized bytes in constant time.
/// </summary>
/// <remarks>
/// <see cref="Deserialize"/> is strict: exactly 33 bytes (libsignal still tolerates trailing bytes with a warning;
/// no libsignal 0.103 peer sends them). Whether the point is in the prime-order subgroup is only checked where
/// libsignal checks it, for PQXDH base keys (<see cref="IsCanonical"/>).
/// </remarks>
public sealed class ECPublicKey : IEquatable<ECPublicKey>
{
    /// <summary>The type byte of a Curve25519 ("DJB") key.</summary>
    public const byte DjbType = 0x05;

    /// <summary>Length of the serialized key: type byte and u-coordinate.</summary>
    public const int SerializedLength = 33;

    /// <summary>Length of the raw u-coordinate.</summary>
    public const int KeyLength = 32;

    private readonly byte[] _serialized;
    private XEdDsaVerifyingKey? _verifyingKey;

    private ECPublicKey(byte[] serialized)
    {
        _serialized = serialized;
    }

    /// <summary>The 32-byte u-coordinate, without the type byte.</summary>
    public ReadOnlySpan<byte> PublicKeyBytes => _serialized.AsSpan(1);

    /// <summary>The 33-byte serialized form.</summary>
    public ReadOnlySpan<byte> Serialized => _serialized;

    internal ReadOnlyMemory<byte> SerializedMemory => _serialized;

    /// <summary>
    /// Whether the key is a canonical encoding of a point in the prime-order subgroup (libsignal
    /// <c>PublicKey::is_canonical</c>): required of the base key in a PreKey message.
    /// </summary>
    public bool IsCanonical => X25519.IsCanonicalPublicKey(PublicKeyBytes);

    /// <summary>Parses a 33-byte serialized key received from a peer.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.BadKeyType"/> or <see cref="ProtocolError.BadKeyLength"/>.</exception>
    public static ECPublicKey Deserialize(ReadOnlySpan<byte> serialized)
    {
        if (serialized.IsEmpty)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyLength, "Empty EC public key.");
        }

        if (serialized[0] != DjbType)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyType, $"Bad EC key type 0x{serialized[0]:x2}.");
        }

        if (serialized.Length != SerializedLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyLength, $"EC public keys are {SerializedLength} bytes, not {serialized.Length}.");
        }

        return new ECPublicKey(serialized.ToArray());
    }

    /// <summary>Wraps a raw 32-byte u-coordinate.</summary>
    public static ECPublicKey FromPublicKeyBytes(ReadOnlySpan<byte> publicKey)
    {
        ThrowHelper.CheckLength(publicKey, KeyLength, nameof(publicKey));
        var serialized = new byte[SerializedLength];
        serialized[0] = DjbType;
        publicKey.CopyTo(serialized.AsSpan(1));
        return new ECPublicKey(serialized);
    }

    /// <summary>A copy of the 33-byte serialized form.</summary>
    public byte[] Serialize() => (byte[])_serialized.Clone();

    /// <summary>
    /// Verifies an XEdDSA signature made with the matching private key (libsignal's variant). The key's Edwards form
    /// is computed on the first verification and kept (it is public), so later ones skip the field inversion.
    /// </summary>
    public bool VerifySignature(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        (_verifyingKey ??= new XEdDsaVerifyingKey(PublicKeyBytes)).Verify(message, signature);

    public bool Equals(ECPublicKey? other) => other is not null && ConstantTime.Equals(_serialized, other._serialized);

    public override bool Equals(object? obj) => Equals(obj as ECPublicKey);

    public override int GetHashCode() => BitConverter.ToInt32(_serialized, 1);

    /// <summary>The key in lowercase hex (public keys are not secret).</summary>
    public override string ToString() => Convert.ToHexStringLower(_serialized);
}
