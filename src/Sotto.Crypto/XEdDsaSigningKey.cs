using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// An X25519 private key prepared for XEdDSA signing: it computes a = k mod L and the Edwards public key A = aB
/// (with its sign bit) once, so each signature costs one fixed-base multiplication (R = rB) instead of the two
/// <see cref="XEdDsa.Sign"/> spends. Signatures are identical to <see cref="XEdDsa.Sign"/>'s for the same randomness.
/// </summary>
/// <remarks>
/// Owns copies of k and a in pinned memory and zeroes them on <see cref="Dispose"/> (after NSec <c>Key</c>); A is
/// public. Thread-safe for signing as long as the <see cref="IRandom"/> passed in is.
/// </remarks>
public sealed class XEdDsaSigningKey : IDisposable
{
    private readonly SecretBytes _secret = new(64); // k ‖ a
    private readonly byte[] _edwardsPublicKey = new byte[32];

    /// <summary>Prepares the (clamped) 32-byte X25519 private key <paramref name="privateKey"/>.</summary>
    public XEdDsaSigningKey(ReadOnlySpan<byte> privateKey)
    {
        Error.CheckLength(privateKey, X25519.KeySize, nameof(privateKey));
        var secret = _secret.Span;
        privateKey.CopyTo(secret);
        try
        {
            XEdDsa.DeriveKey(privateKey, secret[32..], _edwardsPublicKey);
        }
        catch (CryptographicException)
        {
            _secret.Dispose();
            throw;
        }
    }

    /// <summary>Signs <paramref name="message"/> into <paramref name="signature"/> (64 bytes) with 64 bytes of <paramref name="random"/>.</summary>
    public void Sign(ReadOnlySpan<byte> message, IRandom random, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(random);
        Error.CheckLength(signature, XEdDsa.SignatureSize, nameof(signature));
        var secret = _secret.Span;
        XEdDsa.SignCore(secret[..32], secret[32..], _edwardsPublicKey, message, random, signature);
    }

    /// <inheritdoc />
    public void Dispose() => _secret.Dispose();
}
