using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// The keyed hashes of the protocol, on spans: HMAC-SHA256 over several parts and HKDF-SHA256 with the salts and
/// labels of libsignal and spqr, on <see cref="HmacSha256Key"/> (no allocation, key schedules computed once).
/// Every temporary that holds key material is zeroed before return.
/// </summary>
internal static class Kdf
{
    internal const int HashLength = 32;

    /// <summary>HMAC-SHA256(key, a ‖ b ‖ c) into a 32-byte <paramref name="tag"/>.</summary>
    internal static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> tag)
    {
        using var prepared = new HmacSha256Key(key);
        prepared.Compute(a, b, c, tag);
    }

    /// <summary>HMAC-SHA256(key, data).</summary>
    internal static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        using var prepared = new HmacSha256Key(key);
        prepared.Compute(data, tag);
    }

    /// <summary>
    /// HKDF-SHA256 (RFC 5869) with <paramref name="salt"/> (empty: 32 zero bytes, as Rust's <c>Hkdf::new(None, …)</c>),
    /// filling <paramref name="output"/>.
    /// </summary>
    internal static void Hkdf(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> info, Span<byte> output) =>
        HmacSha256Key.DeriveHkdf(inputKeyMaterial, salt, info, output);

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
