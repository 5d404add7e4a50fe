using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// HMAC-SHA256 (RFC 2104) with its key schedule computed once: the SHA-256 states after absorbing
/// <c>key ⊕ ipad</c> and <c>key ⊕ opad</c>. Each tag then costs two compressions for a short message instead of four,
/// and no allocation: this is the keyed hash of the Signal ratchets (chain keys, HKDF, message MACs), which run it
/// several times per message with keys that change every message.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: a stack-only value holding secret-derived state; <see cref="Dispose"/> zeroes it. Results equal
/// <see cref="HmacSha256.Compute"/> for every key and message (tests compare them).
/// </para>
/// <para>
/// The SHA-256 compression function is OpenSSL's <c>SHA256_Transform</c> (SHA-NI or AVX2 code) when libcrypto 3 is
/// loadable — the library .NET's own cryptography uses on Linux — and a portable managed implementation otherwise.
/// </para>
/// </remarks>
public ref struct HmacSha256Key : IDisposable
{
    private const int BlockSize = 64;
    private Sha256State _inner;
    private Sha256State _outer;

    /// <summary>Prepares the key schedule of <paramref name="key"/> (any length; over 64 bytes it is hashed first).</summary>
    public HmacSha256Key(ReadOnlySpan<byte> key)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        Xor(block, 0x36, pad);
        _inner = Sha256State.Initial;
        Sha256Block.Compress(ref _inner, pad);
        Xor(block, 0x5C, pad);
        _outer = Sha256State.Initial;
        Sha256Block.Compress(ref _outer, pad);
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(pad);
    }

    /// <summary>HMAC(key, data) into a 32-byte <paramref name="tag"/>.</summary>
    public readonly void Compute(ReadOnlySpan<byte> data, Span<byte> tag) => Compute(data, default, default, tag);

    /// <summary>HMAC(key, a ‖ b ‖ c) into a 32-byte <paramref name="tag"/>, without concatenating the parts.</summary>
    public readonly void Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> tag)
    {
        Error.CheckLength(tag, HmacSha256.TagSize, nameof(tag));
        var hash = new Sha256Stream(_inner, BlockSize);
        hash.Append(a);
        hash.Append(b);
        hash.Append(c);
        Span<byte> innerHash = stackalloc byte[32];
        hash.Finish(innerHash);
        var outer = new Sha256Stream(_outer, BlockSize);
        outer.Append(innerHash);
        outer.Finish(tag);
        CryptographicOperations.ZeroMemory(innerHash);
    }

    /// <summary>
    /// HKDF-SHA256 (RFC 5869): Extract with <paramref name="salt"/> (empty means 32 zero bytes, as RFC 5869 says), then
    /// Expand with <paramref name="info"/> into <paramref name="output"/> (1 to 8,160 bytes). Equals <see cref="Hkdf.DeriveKey"/>.
    /// </summary>
    public static void DeriveHkdf(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length is 0 or > Hkdf.MaxOutputSize)
        {
            Error.ThrowArgument(nameof(output), $"HKDF-SHA256 output must be 1 to {Hkdf.MaxOutputSize} bytes, not {output.Length}.");
        }

        Span<byte> prk = stackalloc byte[32];
        Span<byte> block = stackalloc byte[32];
        try
        {
            using (var extract = new HmacSha256Key(salt))
            {
                extract.Compute(inputKeyMaterial, prk);
            }

            using var expand = new HmacSha256Key(prk);
            Span<byte> counter = stackalloc byte[1];
            int written = 0;
            for (int i = 1; written < output.Length; i++)
            {
                counter[0] = (byte)i;
                expand.Compute(i == 1 ? default : block, info, counter, block);
                int n = Math.Min(32, output.Length - written);
                block[..n].CopyTo(output[written..]);
                written += n;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>Zeroes the key schedule.</summary>
    public void Dispose()
    {
        _inner = default;
        _outer = default;
    }

    private static void Xor(ReadOnlySpan<byte> block, byte value, Span<byte> destination)
    {
        for (int i = 0; i < BlockSize; i++)
        {
            destination[i] = (byte)(block[i] ^ value);
        }
    }
}

/// <summary>The eight 32-bit words of a SHA-256 chaining value.</summary>
[InlineArray(8)]
internal struct Sha256State
{
    private uint _element;

    internal static Sha256State Initial
    {
        get
        {
            var s = default(Sha256State);
            s[0] = 0x6a09e667;
            s[1] = 0xbb67ae85;
            s[2] = 0x3c6ef372;
            s[3] = 0xa54ff53a;
            s[4] = 0x510e527f;
            s[5] = 0x9b05688c;
            s[6] = 0x1f83d9ab;
            s[7] = 0x5be0cd19;
            return s;
        }
    }
}

/// <summary>SHA-256 from a chaining value onwards: buffers partial blocks, pads, and writes the digest.</summary>
internal struct Sha256Stream
{
    private Sha256State _state;
    private Block _buffer;
    private int _buffered;
    private ulong _length;

    internal Sha256Stream(Sha256State state, ulong alreadyHashed)
    {
        _state = state;
        _length = alreadyHashed;
    }

    internal void Append(ReadOnlySpan<byte> data)
    {
        _length += (ulong)data.Length;
        Span<byte> buffer = _buffer;
        if (_buffered > 0)
        {
            int take = Math.Min(64 - _buffered, data.Length);
            data[..take].CopyTo(buffer[_buffered..]);
            _buffered += take;
            data = data[take..];
            if (_buffered < 64)
            {
                return;
            }

            Sha256Block.Compress(ref _state, buffer);
            _buffered = 0;
        }

        int whole = data.Length & ~63;
        if (whole > 0)
        {
            Sha256Block.Compress(ref _state, data[..whole]);
        }

        data[whole..].CopyTo(buffer);
        _buffered = data.Length - whole;
    }

    internal void Finish(Span<byte> digest)
    {
        Span<byte> buffer = _buffer;
        ulong bits = _length * 8;
        buffer[_buffered++] = 0x80;
        if (_buffered > 56)
        {
            buffer[_buffered..].Clear();
            Sha256Block.Compress(ref _state, buffer);
            _buffered = 0;
        }

        buffer[_buffered..56].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(buffer[56..], bits);
        Sha256Block.Compress(ref _state, buffer);
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest[(i * 4)..], _state[i]);
        }

        CryptographicOperations.ZeroMemory(buffer);
        _state = default;
    }

    [InlineArray(64)]
    private struct Block
    {
        private byte _element;
    }
}

/// <summary>
/// The SHA-256 compression function over whole 64-byte blocks: OpenSSL's <c>SHA256_Transform</c> when libcrypto 3
/// loads and passes a known answer, a managed implementation (FIPS 180-4 §6.2.2) otherwise.
/// </summary>
internal static unsafe class Sha256Block
{
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<uint*, byte*, void> Native = LoadNative();

    /// <summary>Whether the OpenSSL implementation is in use.</summary>
    internal static bool IsNative => Native != null;

    internal static void Compress(ref Sha256State state, ReadOnlySpan<byte> blocks)
    {
        if (Native != null)
        {
            CompressNative(ref state, blocks);
        }
        else
        {
            CompressManaged(ref state, blocks);
        }
    }

    internal static void CompressNative(ref Sha256State state, ReadOnlySpan<byte> blocks)
    {
        // SHA256_Transform(SHA256_CTX *c, const unsigned char *data) runs sha256_block_data_order(c, data, 1), which
        // reads and writes only c->h[0..7]: the first 32 bytes of the context, laid out as our eight words.
        fixed (uint* context = &state[0])
        fixed (byte* data = blocks)
        {
            for (int offset = 0; offset < blocks.Length; offset += 64)
            {
                Native(context, data + offset);
            }
        }
    }

    internal static void CompressManaged(ref Sha256State state, ReadOnlySpan<byte> blocks)
    {
        Span<uint> w = stackalloc uint[64];
        for (int offset = 0; offset < blocks.Length; offset += 64)
        {
            var block = blocks.Slice(offset, 64);
            for (int t = 0; t < 16; t++)
            {
                w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
            }

            for (int t = 16; t < 64; t++)
            {
                uint s0 = uint.RotateRight(w[t - 15], 7) ^ uint.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
                uint s1 = uint.RotateRight(w[t - 2], 17) ^ uint.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = unchecked(w[t - 16] + s0 + w[t - 7] + s1);
            }

            uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
            for (int t = 0; t < 64; t++)
            {
                uint s1 = uint.RotateRight(e, 6) ^ uint.RotateRight(e, 11) ^ uint.RotateRight(e, 25);
                uint ch = (e & f) ^ (~e & g);
                uint t1 = unchecked(h + s1 + ch + K[t] + w[t]);
                uint s0 = uint.RotateRight(a, 2) ^ uint.RotateRight(a, 13) ^ uint.RotateRight(a, 22);
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

            state[0] = unchecked(state[0] + a);
            state[1] = unchecked(state[1] + b);
            state[2] = unchecked(state[2] + c);
            state[3] = unchecked(state[3] + d);
            state[4] = unchecked(state[4] + e);
            state[5] = unchecked(state[5] + f);
            state[6] = unchecked(state[6] + g);
            state[7] = unchecked(state[7] + h);
        }

        w.Clear();
    }

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

    private static delegate* unmanaged[Cdecl, SuppressGCTransition]<uint*, byte*, void> LoadNative()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var name in new[] { "libcrypto.so.3", "libcrypto.so" })
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "SHA256_Transform", out var export))
            {
                var candidate = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint*, byte*, void>)export;
                if (PassesKnownAnswer(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>SHA-256("abc") through the candidate (FIPS 180-4 example).</summary>
    private static bool PassesKnownAnswer(delegate* unmanaged[Cdecl, SuppressGCTransition]<uint*, byte*, void> candidate)
    {
        byte* block = stackalloc byte[64];
        new Span<byte>(block, 64).Clear();
        block[0] = (byte)'a';
        block[1] = (byte)'b';
        block[2] = (byte)'c';
        block[3] = 0x80;
        block[63] = 24;
        var state = Sha256State.Initial;
        uint* context = (uint*)Unsafe.AsPointer(ref state[0]);
        candidate(context, block);
        return context[0] == 0xba7816bf && context[1] == 0x8f01cfea && context[2] == 0x414140de && context[3] == 0x5dae2223
            && context[4] == 0xb00361a3 && context[5] == 0x96177a9c && context[6] == 0xb410ff61 && context[7] == 0xf20015ad;
    }
}
