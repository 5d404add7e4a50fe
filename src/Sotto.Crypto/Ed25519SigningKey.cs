using Sotto.Crypto.Interop;

namespace Sotto.Crypto;

/// <summary>
/// An Ed25519 signing key held in libsodium's expanded form (seed ‖ public key), so that each signature costs one
/// signing operation instead of re-deriving the key pair from the seed as <see cref="Ed25519.Sign"/> does. Signatures
/// are identical to <see cref="Ed25519.Sign"/>'s (RFC 8032 signing is deterministic).
/// </summary>
/// <remarks>Owns the expanded key in pinned memory and zeroes it on <see cref="Dispose"/>. Thread-safe for signing.</remarks>
public sealed unsafe class Ed25519SigningKey : IDisposable
{
    private readonly SecretBytes _expanded = new(64);

    /// <summary>Expands a 32-byte private key (seed).</summary>
    public Ed25519SigningKey(ReadOnlySpan<byte> seed)
    {
        Error.CheckLength(seed, Ed25519.PrivateKeySize, nameof(seed));
        Sodium.EnsureInitialized();
        PublicKey = new byte[Ed25519.PublicKeySize];
        fixed (byte* pk = PublicKey)
        fixed (byte* sk = _expanded.Span)
        fixed (byte* s = seed)
        {
            _ = Sodium.crypto_sign_ed25519_seed_keypair(pk, sk, s);
        }
    }

    /// <summary>The public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The seed, for storage; the caller owns the copy.</summary>
    public byte[] ExportSeed() => _expanded.Span[..32].ToArray();

    /// <summary>Signs <paramref name="message"/> into <paramref name="signature"/> (64 bytes).</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        Error.CheckLength(signature, Ed25519.SignatureSize, nameof(signature));
        fixed (byte* sig = signature)
        fixed (byte* m = message)
        fixed (byte* sk = _expanded.Span)
        {
            _ = Sodium.crypto_sign_ed25519_detached(sig, null, m, (ulong)message.Length, sk);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _expanded.Dispose();
}
