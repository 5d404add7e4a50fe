using Google.Protobuf;
using Sotto.Crypto;
using Sotto.Protocol.Proto.Storage;

namespace Sotto.Protocol;

/// <summary>
/// The long-term public identity of a user (libsignal <c>IdentityKey</c>): an X25519 key, serialized as 33 bytes,
/// that also verifies XEdDSA signatures. All devices of a Sotto account share it (DESIGN.md §1, multi-device).
/// </summary>
public sealed class IdentityKey : IEquatable<IdentityKey>
{
    public IdentityKey(ECPublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        PublicKey = publicKey;
    }

    public ECPublicKey PublicKey { get; }

    /// <summary>The 33-byte serialized form.</summary>
    public ReadOnlySpan<byte> Serialized => PublicKey.Serialized;

    /// <summary>Parses a 33-byte identity key received from a peer.</summary>
    /// <exception cref="ProtocolException">The key is malformed.</exception>
    public static IdentityKey Deserialize(ReadOnlySpan<byte> serialized) => new(ECPublicKey.Deserialize(serialized));

    /// <summary>A copy of the 33-byte serialized form.</summary>
    public byte[] Serialize() => PublicKey.Serialize();

    /// <summary>
    /// True when both (key, address) pairs belong to one account: the same key and the same ServiceId (libsignal
    /// <c>is_same_account</c>). Sessions with oneself (between one's own devices) have no forward-jump limit.
    /// </summary>
    public bool IsSameAccount(ProtocolAddress selfAddress, IdentityKey otherKey, ProtocolAddress otherAddress)
    {
        ArgumentNullException.ThrowIfNull(otherKey);
        if (!Equals(otherKey))
        {
            return false;
        }

        return ServiceId.TryParse(selfAddress.Name, out var self)
            && ServiceId.TryParse(otherAddress.Name, out var other)
            && self == other;
    }

    public bool Equals(IdentityKey? other) => other is not null && PublicKey.Equals(other.PublicKey);

    public override bool Equals(object? obj) => Equals(obj as IdentityKey);

    public override int GetHashCode() => PublicKey.GetHashCode();

    public override string ToString() => PublicKey.ToString();
}

/// <summary>
/// An identity key with its private half (libsignal <c>IdentityKeyPair</c>). Serialized as libsignal's
/// <c>IdentityKeyPairStructure</c> protobuf. Owns the private key and zeroes it on <see cref="Dispose"/>.
/// </summary>
public sealed class IdentityKeyPair : IDisposable
{
    public IdentityKeyPair(IdentityKey identityKey, ECPrivateKey privateKey)
    {
        ArgumentNullException.ThrowIfNull(identityKey);
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!privateKey.PublicKey.Equals(identityKey.PublicKey))
        {
            ThrowHelper.ThrowArgument(nameof(privateKey), "The private key does not match the identity key.");
        }

        IdentityKey = identityKey;
        PrivateKey = privateKey;
    }

    public IdentityKey IdentityKey { get; }

    public ECPublicKey PublicKey => IdentityKey.PublicKey;

    public ECPrivateKey PrivateKey { get; }

    /// <summary>Generates a new identity.</summary>
    public static IdentityKeyPair Generate(IRandom random)
    {
        var privateKey = ECPrivateKey.Generate(random);
        return new IdentityKeyPair(new IdentityKey(privateKey.PublicKey), privateKey);
    }

    /// <summary>Loads a key pair written by <see cref="Serialize"/> (or by libsignal).</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidSessionState"/> for a corrupt record.</exception>
    public static IdentityKeyPair Deserialize(ReadOnlySpan<byte> serialized)
    {
        IdentityKeyPairStructure structure;
        try
        {
            structure = IdentityKeyPairStructure.Parser.ParseFrom(serialized);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<IdentityKeyPair>(ProtocolError.InvalidSessionState, "Corrupt identity key pair record.");
        }

        if (structure.PrivateKey.Length != ECPrivateKey.KeyLength)
        {
            ThrowHelper.ThrowInvalidState("Corrupt identity key pair record.");
        }

        var privateKey = ECPrivateKey.Deserialize(structure.PrivateKey.Span);
        var identity = IdentityKey.Deserialize(structure.PublicKey.Span);
        if (!privateKey.PublicKey.Equals(identity.PublicKey))
        {
            privateKey.Dispose();
            ThrowHelper.ThrowInvalidState("Identity key pair record: private and public keys do not match.");
        }

        return new IdentityKeyPair(identity, privateKey);
    }

    /// <summary>Exports the pair, private key included, as an <c>IdentityKeyPairStructure</c>.</summary>
    public byte[] Serialize()
    {
        var privateBytes = PrivateKey.Serialize();
        try
        {
            return new IdentityKeyPairStructure
            {
                PublicKey = ByteString.CopyFrom(IdentityKey.Serialized),
                PrivateKey = ByteString.CopyFrom(privateBytes),
            }.ToByteArray();
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(privateBytes);
        }
    }

    /// <summary>Signs with the identity key (XEdDSA), as prekey signatures are made.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message, IRandom random) => PrivateKey.CalculateSignature(message, random);

    public void Dispose() => PrivateKey.Dispose();
}
