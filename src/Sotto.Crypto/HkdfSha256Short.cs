using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// HKDF-SHA256 Expand (RFC 5869 §2.3) for outputs of at most one hash length, computed in managed code:
/// <c>OKM = T(1)[..L]</c>, <c>T(1) = HMAC-SHA256(PRK, info ‖ 0x01)</c>. MLS derives every key, nonce and ratchet
/// secret this way, several times per message; a call into the platform library costs more than the four SHA-256
/// compressions themselves, so this path avoids it. Results equal <see cref="Hkdf.Expand"/>'s (tests compare them).
/// </summary>
/// <remarks>The SHA-256 here has no data-dependent branches or table lookups.</remarks>
public static class HkdfSha256Short
{
    /// <summary>The largest output: one SHA-256 block of output.</summary>
    public const int MaxOutputSize = 32;

    /// <summary>Fills <paramref name="output"/> (1 to 32 bytes) with HKDF-Expand(prk, info, output.Length).</summary>
    public static void Expand(ReadOnlySpan<byte> pseudoRandomKey, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > MaxOutputSize)
        {
            Error.ThrowArgument(nameof(output), $"Output must be 1 to {MaxOutputSize} bytes, not {output.Length}.");
        }

        if (pseudoRandomKey.Length is < Hkdf.HashSize or > Sha256Compressor.BlockSize)
        {
            Error.ThrowArgument(nameof(pseudoRandomKey), $"The PRK must be {Hkdf.HashSize} to {Sha256Compressor.BlockSize} bytes.");
        }

        Span<byte> pad = stackalloc byte[Sha256Compressor.BlockSize];
        Span<byte> inner = stackalloc byte[32];
        Span<byte> outer = stackalloc byte[32];
        try
        {
            // Inner: SHA256((K ^ ipad) ‖ info ‖ 0x01).
            pad.Fill(0x36);
            for (int i = 0; i < pseudoRandomKey.Length; i++)
            {
                pad[i] ^= pseudoRandomKey[i];
            }

            var sha = Sha256Compressor.Create();
            sha.Compress(pad);
            sha.Finish(info, 0x01, Sha256Compressor.BlockSize, inner);

            // Outer: SHA256((K ^ opad) ‖ inner).
            for (int i = 0; i < pad.Length; i++)
            {
                pad[i] ^= 0x36 ^ 0x5c;
            }

            sha = Sha256Compressor.Create();
            sha.Compress(pad);
            sha.Finish(inner, null, Sha256Compressor.BlockSize, outer);
            outer[..output.Length].CopyTo(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pad);
            CryptographicOperations.ZeroMemory(inner);
            CryptographicOperations.ZeroMemory(outer);
        }
    }
}

/// <summary>The SHA-256 compression function and Merkle–Damgård padding (FIPS 180-4), on the stack.</summary>
internal struct Sha256Compressor
{
    public const int BlockSize = 64;

    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private uint _a, _b, _c, _d, _e, _f, _g, _h;

    public static Sha256Compressor Create() => new()
    {
        _a = 0x6a09e667, _b = 0xbb67ae85, _c = 0x3c6ef372, _d = 0xa54ff53a,
        _e = 0x510e527f, _f = 0x9b05688c, _g = 0x1f83d9ab, _h = 0x5be0cd19,
    };

    /// <summary>
    /// Hashes <paramref name="tail"/> (and an optional extra byte) after <paramref name="processed"/> bytes already
    /// compressed, pads, and writes the 32-byte digest.
    /// </summary>
    public void Finish(ReadOnlySpan<byte> tail, byte? extra, long processed, Span<byte> digest)
    {
        int length = tail.Length + (extra.HasValue ? 1 : 0);
        long total = processed + length;
        Span<byte> block = stackalloc byte[BlockSize];
        int offset = 0;
        while (length - offset >= BlockSize)
        {
            CopyMessage(tail, extra, offset, block, BlockSize);
            Compress(block);
            offset += BlockSize;
        }

        int rest = length - offset;
        block.Clear();
        CopyMessage(tail, extra, offset, block, rest);
        block[rest] = 0x80;
        if (rest >= BlockSize - 8)
        {
            Compress(block);
            block.Clear();
        }

        BinaryPrimitives.WriteUInt64BigEndian(block[(BlockSize - 8)..], checked((ulong)total * 8));
        Compress(block);
        CryptographicOperations.ZeroMemory(block);
        BinaryPrimitives.WriteUInt32BigEndian(digest, _a);
        BinaryPrimitives.WriteUInt32BigEndian(digest[4..], _b);
        BinaryPrimitives.WriteUInt32BigEndian(digest[8..], _c);
        BinaryPrimitives.WriteUInt32BigEndian(digest[12..], _d);
        BinaryPrimitives.WriteUInt32BigEndian(digest[16..], _e);
        BinaryPrimitives.WriteUInt32BigEndian(digest[20..], _f);
        BinaryPrimitives.WriteUInt32BigEndian(digest[24..], _g);
        BinaryPrimitives.WriteUInt32BigEndian(digest[28..], _h);
    }

    private static void CopyMessage(ReadOnlySpan<byte> tail, byte? extra, int offset, Span<byte> block, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int index = offset + i;
            block[i] = index < tail.Length ? tail[index] : extra!.Value;
        }
    }

    public void Compress(ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (int i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * i)..]);
        }

        for (int i = 16; i < 64; i++)
        {
            uint s0 = BitOperations.RotateRight(w[i - 15], 7) ^ BitOperations.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint s1 = BitOperations.RotateRight(w[i - 2], 17) ^ BitOperations.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = unchecked(w[i - 16] + s0 + w[i - 7] + s1);
        }

        uint a = _a, b = _b, c = _c, d = _d, e = _e, f = _f, g = _g, h = _h;
        var k = K;
        for (int i = 0; i < 64; i++)
        {
            uint s1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            uint ch = (e & f) ^ (~e & g);
            uint t1 = unchecked(h + s1 + ch + k[i] + w[i]);
            uint s0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            uint maj = (a & b) ^ (a & c) ^ (b & c);
            uint t2 = unchecked(s0 + maj);
            h = g;
            g = f;
            f = e;
            e = unchecked(d + t1);
            d = c;
            c = b;
            b = a;
            a = unchecked(t1 + t2);
        }

        unchecked
        {
            _a += a;
            _b += b;
            _c += c;
            _d += d;
            _e += e;
            _f += f;
            _g += g;
            _h += h;
        }

        w.Clear();
    }
}
