using System.Buffers;
using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// The keyed hashes of the protocol, on spans: HMAC-SHA256 over several parts and HKDF-SHA256 with the salts and
/// labels of libsignal and spqr. Every temporary that holds key material is zeroed before return.
/// </summary>
internal static class Kdf
{
    internal const int HashLength = 32;

    /// <summary>HMAC-SHA256(key, a ‖ b ‖ c) into a 32-byte <paramref name="tag"/>.</summary>
    internal static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> tag)
    {
        int length = a.Length + b.Length + c.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            a.CopyTo(buffer);
            b.CopyTo(buffer[a.Length..]);
            c.CopyTo(buffer[(a.Length + b.Length)..]);
            HmacSha256.Compute(key, buffer[..length], tag);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>HMAC-SHA256(key, data).</summary>
    internal static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag) => HmacSha256.Compute(key, data, tag);

    /// <summary>
    /// HKDF-SHA256 (RFC 5869) with <paramref name="salt"/> (empty: 32 zero bytes, as Rust's <c>Hkdf::new(None, …)</c>),
    /// filling <paramref name="output"/>.
    /// </summary>
    internal static void Hkdf(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> info, Span<byte> output)
    {
        Span<byte> zeroSalt = stackalloc byte[HashLength];
        zeroSalt.Clear();
        Sotto.Crypto.Hkdf.DeriveKey(inputKeyMaterial, salt.IsEmpty ? zeroSalt : salt, info, output);
    }

    /// <summary>Zeroes a span of key material.</summary>
    internal static void Zero(Span<byte> secret) => CryptographicOperations.ZeroMemory(secret);
}

/// <summary>The truncated SignalMessage MAC (libsignal <c>SignalMessage::compute_mac</c>).</summary>
internal static class MessageMac
{
    internal static void Compute(ReadOnlySpan<byte> macKey, IdentityKey sender, IdentityKey receiver, ReadOnlySpan<byte> message, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[Kdf.HashLength];
        Kdf.Hmac(macKey, sender.Serialized, receiver.Serialized, message, full);
        full[..SignalMessage.MacLength].CopyTo(mac);
    }
}
