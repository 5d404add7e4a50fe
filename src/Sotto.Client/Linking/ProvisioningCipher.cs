using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.Client.Linking;

/// <summary>
/// Encrypts the provisioning message (the account identity key pair, account id and username) from the approving
/// device to the new device's ephemeral X25519 key, so that the server, which relays it, learns nothing.
/// </summary>
/// <remarks>
/// <code>
///   new device:  n, N = n·G                         (N travels in the link code the user copies by hand)
///   approver:    e, E = e·G;  s = X25519(e, N)
///                key = HKDF-SHA256(ikm = s, salt = "", info = "Sotto provisioning v1" ‖ E ‖ N), 32 bytes
///                message = 0x01 ‖ E(32) ‖ nonce(12) ‖ AES-256-GCM(key, nonce, plaintext, ad = 0x01 ‖ code)
///   new device:  s = X25519(n, E) … decrypts; a wrong key, code or any flipped bit fails the tag check.
/// </code>
/// The code (the server's link code, normalized) is bound as associated data, so a message cannot be replayed into
/// another link. N itself is authenticated by the user: the approving device takes it from the code the user typed,
/// not from the server, and refuses when the server's copy differs.
/// </remarks>
internal static class ProvisioningCipher
{
    public const byte Version = 1;
    public const int Overhead = 1 + X25519.KeySize + AesGcmAead.NonceSize + AesGcmAead.TagSize;
    private static ReadOnlySpan<byte> Info => "Sotto provisioning v1"u8;

    public static byte[] Encrypt(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> code, ReadOnlySpan<byte> plaintext, IRandom random)
    {
        if (recipientPublicKey.Length != X25519.KeySize)
        {
            throw new ArgumentException("The new device's key must be 32 bytes.", nameof(recipientPublicKey));
        }

        using var ephemeral = new SecretBytes(X25519.KeySize);
        X25519.GeneratePrivateKey(random, ephemeral.Span);
        var result = new byte[Overhead + plaintext.Length];
        result[0] = Version;
        var ephemeralPublic = result.AsSpan(1, X25519.KeySize);
        X25519.DerivePublicKey(ephemeral.Span, ephemeralPublic);
        var nonce = result.AsSpan(1 + X25519.KeySize, AesGcmAead.NonceSize);
        random.Fill(nonce);

        Span<byte> key = stackalloc byte[32];
        try
        {
            if (!DeriveKey(ephemeral.Span, recipientPublicKey, ephemeralPublic, recipientPublicKey, key))
            {
                throw new SottoClientException(ClientError.LinkTampered, "The new device's key is not a usable X25519 key.");
            }

            AesGcmAead.Encrypt(key, nonce, plaintext, AssociatedData(code), result.AsSpan(1 + X25519.KeySize + AesGcmAead.NonceSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return result;
    }

    /// <summary>The plaintext, or <see langword="null"/> when the message is malformed or does not authenticate.</summary>
    public static byte[]? TryDecrypt(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> code, ReadOnlySpan<byte> message)
    {
        if (message.Length < Overhead || message[0] != Version)
        {
            return null;
        }

        var ephemeralPublic = message.Slice(1, X25519.KeySize);
        var nonce = message.Slice(1 + X25519.KeySize, AesGcmAead.NonceSize);
        var ciphertext = message[(1 + X25519.KeySize + AesGcmAead.NonceSize)..];
        Span<byte> ownPublic = stackalloc byte[X25519.KeySize];
        X25519.DerivePublicKey(privateKey, ownPublic);
        Span<byte> key = stackalloc byte[32];
        try
        {
            if (!DeriveKey(privateKey, ephemeralPublic, ephemeralPublic, ownPublic, key))
            {
                return null;
            }

            return AesGcmAead.Decrypt(key, nonce, ciphertext, AssociatedData(code));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static bool DeriveKey(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublic, ReadOnlySpan<byte> ephemeralPublic, ReadOnlySpan<byte> recipientPublic, Span<byte> key)
    {
        Span<byte> shared = stackalloc byte[X25519.KeySize];
        try
        {
            if (!X25519.TryAgree(privateKey, peerPublic, shared))
            {
                return false;
            }

            Span<byte> info = stackalloc byte[Info.Length + (2 * X25519.KeySize)];
            Info.CopyTo(info);
            ephemeralPublic.CopyTo(info[Info.Length..]);
            recipientPublic.CopyTo(info[(Info.Length + X25519.KeySize)..]);
            Hkdf.DeriveKey(shared, [], info, key);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> code)
    {
        var ad = new byte[1 + code.Length];
        ad[0] = Version;
        code.CopyTo(ad.AsSpan(1));
        return ad;
    }
}
