using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// A symmetric-ratchet chain key and its index (libsignal <c>ratchet/keys.rs</c> <c>ChainKey</c>):
/// <code>
///   message key seed = HMAC-SHA256(CK, 0x01)      next CK = HMAC-SHA256(CK, 0x02), index + 1
/// </code>
/// Immutable: stepping returns a new value, so a staged ratchet update never disturbs the state it came from.
/// </summary>
internal readonly struct ChainKey
{
    private static readonly byte[] MessageKeySeedInput = [0x01];
    private static readonly byte[] ChainKeySeedInput = [0x02];

    internal ChainKey(byte[] key, uint index)
    {
        Key = key;
        Index = index;
    }

    internal byte[] Key { get; }

    internal uint Index { get; }

    internal ChainKey Next()
    {
        var next = new byte[Kdf.HashLength];
        using var prepared = new HmacSha256Key(Key);
        prepared.Compute(ChainKeySeedInput, next);
        return new ChainKey(next, checked(Index + 1));
    }

    /// <summary>The message key seed of this index and the next chain key, on one key schedule.</summary>
    internal ChainKey Next(Span<byte> seed)
    {
        var next = new byte[Kdf.HashLength];
        using var prepared = new HmacSha256Key(Key);
        prepared.Compute(MessageKeySeedInput, seed);
        prepared.Compute(ChainKeySeedInput, next);
        return new ChainKey(next, checked(Index + 1));
    }

    internal void MessageKeySeed(Span<byte> seed) => Kdf.Hmac(Key, MessageKeySeedInput, seed);
}

/// <summary>
/// The root-key step of the Double Ratchet (libsignal <c>RootKey::create_chain</c>):
/// <code>
///   RK' ‖ CK = HKDF-SHA256(salt = RK, ikm = X25519(our private, their ratchet key), "WhisperRatchet", 64)
/// </code>
/// </summary>
internal static class RootKey
{
    private static ReadOnlySpan<byte> Info => "WhisperRatchet"u8;

    internal static (byte[] RootKey, ChainKey ChainKey) CreateChain(ReadOnlySpan<byte> rootKey, ECPublicKey theirRatchetKey, ReadOnlySpan<byte> ourPrivateKey)
    {
        Span<byte> shared = stackalloc byte[32];
        Span<byte> okm = stackalloc byte[64];
        try
        {
            ECPrivateKey.Agree(ourPrivateKey, theirRatchetKey, shared);
            Kdf.Hkdf(rootKey, shared, Info, okm);
            return (okm[..32].ToArray(), new ChainKey(okm[32..].ToArray(), 0));
        }
        finally
        {
            Kdf.Zero(shared);
            Kdf.Zero(okm);
        }
    }
}

/// <summary>
/// Per-message keys (libsignal <c>MessageKeys::derive_keys</c>, with the SPQR key as salt since 0.100):
/// <code>
///   cipher key(32) ‖ MAC key(32) ‖ IV(16) = HKDF-SHA256(salt = SPQR message key or none, ikm = seed, "WhisperMessageKeys", 80)
/// </code>
/// </summary>
internal static class MessageKeys
{
    internal const int Length = 80;

    private static ReadOnlySpan<byte> Info => "WhisperMessageKeys"u8;

    /// <summary>Derives the 80 bytes into <paramref name="keys"/>; an empty <paramref name="spqrKey"/> means no salt.</summary>
    internal static void Derive(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> spqrKey, Span<byte> keys) =>
        Kdf.Hkdf(spqrKey, seed, Info, keys[..Length]);

    internal static ReadOnlySpan<byte> CipherKey(ReadOnlySpan<byte> keys) => keys[..32];

    internal static ReadOnlySpan<byte> MacKey(ReadOnlySpan<byte> keys) => keys[32..64];

    internal static ReadOnlySpan<byte> Iv(ReadOnlySpan<byte> keys) => keys[64..80];
}
