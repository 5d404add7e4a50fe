using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// An X25519 private key: 32 clamped bytes (libsignal <c>PrivateKey</c>), with the public key computed once.
/// Owns its memory and zeroes it on <see cref="Dispose"/>; <see cref="Serialize"/> is the explicit export (NSec <c>Key</c>).
/// </summary>
public sealed class ECPrivateKey : IDisposable
{
    /// <summary>Length of a private key.</summary>
    public const int KeyLength = 32;

    private readonly SecretBytes _key;
    private ECPublicKey? _publicKey;
    private XEdDsaSigningKey? _signingKey;

    private ECPrivateKey(SecretBytes key)
    {
        _key = key;
    }

    /// <summary>The matching public key (computed on first use, then cached).</summary>
    public ECPublicKey PublicKey => _publicKey ??= ComputePublicKey(_key.Span);

    internal ReadOnlySpan<byte> Span => _key.Span;

    /// <summary>Generates a new private key from <paramref name="random"/>.</summary>
    public static ECPrivateKey Generate(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var key = new SecretBytes(KeyLength);
        X25519.GeneratePrivateKey(random, key.Span);
        return new ECPrivateKey(key);
    }

    /// <summary>Imports 32 bytes, clamping them (libsignal clamps on deserialization for backward compatibility).</summary>
    public static ECPrivateKey Deserialize(ReadOnlySpan<byte> privateKey)
    {
        ThrowHelper.CheckLength(privateKey, KeyLength, nameof(privateKey));
        var key = new SecretBytes(privateKey);
        X25519.Clamp(key.Span);
        return new ECPrivateKey(key);
    }

    /// <summary>Exports the 32 private bytes. The caller owns (and should zero) the copy.</summary>
    public byte[] Serialize() => _key.Span.ToArray();

    /// <summary>
    /// Signs <paramref name="message"/> with XEdDSA (libsignal's variant: the sign bit rides in byte 63). The first
    /// signature prepares an <see cref="XEdDsaSigningKey"/> (the Edwards public key), which later ones reuse.
    /// </summary>
    public byte[] CalculateSignature(ReadOnlySpan<byte> message, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var signature = new byte[XEdDsa.SignatureSize];
        SigningKey.Sign(message, random, signature);
        return signature;
    }

    private XEdDsaSigningKey SigningKey
    {
        get
        {
            if (_signingKey is { } key)
            {
                return key;
            }

            var created = new XEdDsaSigningKey(_key.Span);
            var existing = Interlocked.CompareExchange(ref _signingKey, created, null);
            if (existing is null)
            {
                return created;
            }

            created.Dispose();
            return existing;
        }
    }

    /// <summary>
    /// X25519 with <paramref name="theirKey"/> into <paramref name="sharedSecret"/> (32 bytes).
    /// </summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidKeyAgreement"/> for an all-zero result.</exception>
    public void CalculateAgreement(ECPublicKey theirKey, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(theirKey);
        Agree(_key.Span, theirKey, sharedSecret);
    }

    public void Dispose()
    {
        _key.Dispose();
        _signingKey?.Dispose();
    }

    internal static ECPublicKey ComputePublicKey(ReadOnlySpan<byte> privateKey)
    {
        Span<byte> publicKey = stackalloc byte[ECPublicKey.KeyLength];
        X25519.DerivePublicKey(privateKey, publicKey);
        return ECPublicKey.FromPublicKeyBytes(publicKey);
    }

    internal static void Agree(ReadOnlySpan<byte> privateKey, ECPublicKey theirKey, Span<byte> sharedSecret)
    {
        if (!X25519.TryAgree(privateKey, theirKey.PublicKeyBytes, sharedSecret))
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidKeyAgreement, "X25519 produced the all-zero shared secret.");
        }
    }
}

/// <summary>An X25519 key pair (libsignal <c>KeyPair</c>). Disposing it disposes the private key.</summary>
public sealed class ECKeyPair : IDisposable
{
    public ECKeyPair(ECPublicKey publicKey, ECPrivateKey privateKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(privateKey);
        PublicKey = publicKey;
        PrivateKey = privateKey;
    }

    public ECPublicKey PublicKey { get; }

    public ECPrivateKey PrivateKey { get; }

    /// <summary>Generates a key pair from <paramref name="random"/>.</summary>
    public static ECKeyPair Generate(IRandom random)
    {
        var privateKey = ECPrivateKey.Generate(random);
        return new ECKeyPair(privateKey.PublicKey, privateKey);
    }

    public void Dispose() => PrivateKey.Dispose();
}
