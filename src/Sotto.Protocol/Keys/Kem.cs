using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// KEM key types as libsignal's type byte (<c>rust/protocol/src/kem.rs</c>). Explicit values, only appended.
/// libsignal 0.103 (the Node build) accepts only <see cref="Kyber1024"/>, and so does Sotto.
/// </summary>
public enum KemKeyType : byte
{
    /// <summary>Round-3 Kyber1024 (not FIPS 203): ML-KEM-1024 formats, <c>ss = SHAKE256(ss' ‖ SHA3-256(ct), 32)</c>.</summary>
    Kyber1024 = 0x08,
}

/// <summary>
/// A KEM public key as libsignal serializes it: the type byte 0x08 followed by the 1,568-byte Kyber1024 key.
/// Prekey signatures cover all 1,569 bytes, type byte included.
/// </summary>
public sealed class KemPublicKey : IEquatable<KemPublicKey>
{
    /// <summary>Serialized length: type byte and key.</summary>
    public const int SerializedLength = 1 + Kyber1024.PublicKeySize;

    private readonly byte[] _serialized;

    private KemPublicKey(byte[] serialized)
    {
        _serialized = serialized;
    }

    public KemKeyType KeyType => KemKeyType.Kyber1024;

    /// <summary>The serialized key, type byte first.</summary>
    public ReadOnlySpan<byte> Serialized => _serialized;

    internal ReadOnlySpan<byte> RawKey => _serialized.AsSpan(1);

    /// <summary>Parses a serialized KEM public key from a peer.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.BadKeyType"/> or <see cref="ProtocolError.BadKeyLength"/>.</exception>
    public static KemPublicKey Deserialize(ReadOnlySpan<byte> serialized)
    {
        CheckType(serialized, "KEM public key");
        if (serialized.Length != SerializedLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyLength, $"Kyber1024 public keys are {SerializedLength} bytes, not {serialized.Length}.");
        }

        return new KemPublicKey(serialized.ToArray());
    }

    /// <summary>A copy of the serialized key.</summary>
    public byte[] Serialize() => (byte[])_serialized.Clone();

    /// <summary>
    /// Encapsulates a fresh secret to this key: returns the serialized ciphertext (0x08 ‖ 1,568 bytes) and writes
    /// the 32-byte shared secret.
    /// </summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidKemKey"/> when the key fails the FIPS 203 check.</exception>
    public byte[] Encapsulate(IRandom random, Span<byte> sharedSecret)
    {
        ThrowHelper.CheckLength(sharedSecret, Kyber1024.SharedSecretSize, nameof(sharedSecret));
        var ciphertext = new byte[KemSecretKey.CiphertextLength];
        ciphertext[0] = (byte)KemKeyType.Kyber1024;
        if (!Kyber1024.TryEncapsulate(RawKey, random, ciphertext.AsSpan(1), sharedSecret))
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidKemKey, "The Kyber1024 public key is malformed.");
        }

        return ciphertext;
    }

    public bool Equals(KemPublicKey? other) => other is not null && _serialized.AsSpan().SequenceEqual(other._serialized);

    public override bool Equals(object? obj) => Equals(obj as KemPublicKey);

    public override int GetHashCode() => BitConverter.ToInt32(_serialized, 1);

    internal static void CheckType(ReadOnlySpan<byte> serialized, string what)
    {
        if (serialized.IsEmpty)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyLength, $"Empty {what}.");
        }

        if (serialized[0] != (byte)KemKeyType.Kyber1024)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyType, $"Bad KEM key type 0x{serialized[0]:x2}.");
        }
    }
}

/// <summary>
/// A Kyber1024 secret (decapsulation) key, serialized as 0x08 followed by the 3,168-byte expanded key, the form
/// libsignal stores in a <c>KyberPreKeyRecord</c>. Zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class KemSecretKey : IDisposable
{
    /// <summary>Serialized length: type byte and key.</summary>
    public const int SerializedLength = 1 + Kyber1024.SecretKeySize;

    /// <summary>Length of a serialized ciphertext: type byte and Kyber1024 ciphertext.</summary>
    public const int CiphertextLength = 1 + Kyber1024.CiphertextSize;

    private readonly SecretBytes _serialized;

    private KemSecretKey(SecretBytes serialized)
    {
        _serialized = serialized;
    }

    /// <summary>Imports a serialized secret key (from a stored record).</summary>
    /// <exception cref="ProtocolException">Wrong type byte or length.</exception>
    public static KemSecretKey Deserialize(ReadOnlySpan<byte> serialized)
    {
        KemPublicKey.CheckType(serialized, "KEM secret key");
        if (serialized.Length != SerializedLength)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.BadKeyLength, $"Kyber1024 secret keys are {SerializedLength} bytes, not {serialized.Length}.");
        }

        return new KemSecretKey(new SecretBytes(serialized));
    }

    internal static KemSecretKey FromRaw(SecretBytes serialized) => new(serialized);

    /// <summary>Exports the serialized secret key. The caller owns (and should zero) the copy.</summary>
    public byte[] Serialize() => _serialized.Span.ToArray();

    internal ReadOnlySpan<byte> SerializedSpan => _serialized.Span;

    /// <summary>Decapsulates a serialized ciphertext from a peer into the 32-byte shared secret.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidKemCiphertext"/> for a wrong type byte or length.</exception>
    public void Decapsulate(ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        ThrowHelper.CheckLength(sharedSecret, Kyber1024.SharedSecretSize, nameof(sharedSecret));
        if (ciphertext.Length != CiphertextLength || ciphertext[0] != (byte)KemKeyType.Kyber1024)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidKemCiphertext, $"A Kyber1024 ciphertext is 0x08 followed by {Kyber1024.CiphertextSize} bytes.");
        }

        if (!Kyber1024.TryDecapsulate(_serialized.Span[1..], ciphertext[1..], sharedSecret))
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            ThrowHelper.ThrowInvalidState("The stored Kyber1024 secret key is malformed.");
        }
    }

    public void Dispose() => _serialized.Dispose();
}

/// <summary>A Kyber1024 key pair (libsignal <c>kem::KeyPair</c>). Disposing it disposes the secret key.</summary>
public sealed class KemKeyPair : IDisposable
{
    public KemKeyPair(KemPublicKey publicKey, KemSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(secretKey);
        PublicKey = publicKey;
        SecretKey = secretKey;
    }

    public KemPublicKey PublicKey { get; }

    public KemSecretKey SecretKey { get; }

    /// <summary>Generates a Kyber1024 key pair.</summary>
    public static KemKeyPair Generate(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var publicKey = new byte[KemPublicKey.SerializedLength];
        var secret = new SecretBytes(KemSecretKey.SerializedLength);
        publicKey[0] = (byte)KemKeyType.Kyber1024;
        secret.Span[0] = (byte)KemKeyType.Kyber1024;
        Kyber1024.GenerateKeyPair(random, publicKey.AsSpan(1), secret.Span[1..]);
        return new KemKeyPair(KemPublicKey.Deserialize(publicKey), KemSecretKey.FromRaw(secret));
    }

    public void Dispose() => SecretKey.Dispose();
}
