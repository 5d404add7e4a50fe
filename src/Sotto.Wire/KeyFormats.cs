namespace Sotto.Wire;

/// <summary>
/// Serialized key formats as libsignal 0.103 writes them (<c>rust/core/src/curve.rs</c>, <c>kem.rs</c>): a one-byte
/// type followed by the raw key. Every public key in the REST API carries its type byte; signatures are XEdDSA over
/// the serialized public key (type byte included), made with the account's identity key.
/// </summary>
public static class KeyFormats
{
    /// <summary>Type byte of a Curve25519 (X25519/XEdDSA) public key.</summary>
    public const byte DjbType = 0x05;

    /// <summary>Serialized Curve25519 public key: <see cref="DjbType"/> ‖ 32-byte u-coordinate.</summary>
    public const int EcPublicKeySize = 33;

    /// <summary>Type byte of a Kyber1024 public key.</summary>
    public const byte Kyber1024Type = 0x08;

    /// <summary>Serialized Kyber1024 public key: <see cref="Kyber1024Type"/> ‖ 1568-byte encapsulation key.</summary>
    public const int KyberPublicKeySize = 1569;

    /// <summary>An XEdDSA signature.</summary>
    public const int SignatureSize = 64;

    /// <summary>Registration ids are 14-bit, as libsignal generates them; 0 is never valid.</summary>
    public const int MaxRegistrationId = 0x3FFF;

    /// <summary>True when <paramref name="key"/> is a serialized Curve25519 public key.</summary>
    public static bool IsEcPublicKey(ReadOnlySpan<byte> key) => key.Length == EcPublicKeySize && key[0] == DjbType;

    /// <summary>True when <paramref name="key"/> has the shape of a serialized Kyber1024 public key.</summary>
    public static bool IsKyberPublicKey(ReadOnlySpan<byte> key) => key.Length == KyberPublicKeySize && key[0] == Kyber1024Type;
}
