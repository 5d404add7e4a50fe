using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// Arithmetic in R_q = Z_q[X]/(X^256 + 1), q = 3329 (FIPS 203 §4.3), for <see cref="MlKemEngine"/>: the NTT and its
/// inverse, multiplication in the NTT domain, and the encodings, compressions and samplers of FIPS 203 §4.2. A
/// polynomial is 256 <see cref="short"/> coefficients; the NTT domain keeps FIPS 203's order (the transform's output
/// in bit-reversed order), so <c>ByteEncode12</c> of an NTT-domain polynomial is FIPS 203's encoding.
/// </summary>
/// <remarks>
/// <para>
/// Montgomery arithmetic with R = 2^16 as in the pq-crystals reference implementation: <see cref="Zetas"/> hold
/// ζ^BitRev7(i)·R mod q, so the forward NTT maps a normal polynomial to a normal NTT-domain one;
/// <see cref="BaseMulAccumulateScalar"/> returns the sum of products times R^-1, which <see cref="InvNttScalar"/>
/// (it multiplies by R/128) or <see cref="ToMontgomery"/> (times R) takes back out. Coefficients are kept in (−q, q)
/// between steps unless a method says otherwise; encoders map them to [0, q).
/// </para>
/// <para>
/// This is the portable form. <see cref="MlKemPolyAvx2"/> has the same kernels with the same contracts (the
/// transforms are named <c>…Scalar</c> here); <see cref="MlKemEngine"/> chooses. Outputs of the two forms are
/// congruent mod q, and equal wherever they leave the engine (encodings are canonical), so the choice never shows.
/// Everything that touches secrets is branch-free and indexes memory only by public positions;
/// <see cref="RejectionSample"/> reads public bytes (the XOF stream of the matrix seed ρ) and may branch on them.
/// </para>
/// </remarks>
internal static class MlKemPoly
{
    internal const int N = 256;
    internal const short Q = 3329;

    /// <summary>q^-1 mod 2^16, as a signed 16-bit value.</summary>
    internal const short QInv = -3327;

    /// <summary>R mod q = 2^16 mod q, centred: the Montgomery form of 1.</summary>
    internal const short Mont = -1044;

    /// <summary>round(2^26 / q), for Barrett reduction.</summary>
    internal const short BarrettMultiplier = 20159;

    /// <summary>R^2/128 mod q: the inverse NTT's final factor (a Montgomery multiplication by it is ×R/128).</summary>
    internal const short InvNttFactor = 1441;

    /// <summary>R^2 mod q: a Montgomery multiplication by it is ×R.</summary>
    internal const short MontSquared = 1353;

    /// <summary>ζ^BitRev7(i)·R mod q for ζ = 17 (FIPS 203 Appendix A), centred in [−q/2, q/2].</summary>
    internal static readonly short[] Zetas = ComputeZetas();

    private static short[] ComputeZetas()
    {
        var zetas = new short[128];
        for (int i = 0; i < 128; i++)
        {
            int exponent = 0;
            for (int bit = 0; bit < 7; bit++)
            {
                exponent |= ((i >> bit) & 1) << (6 - bit);
            }

            int power = 1;
            for (int e = 0; e < exponent; e++)
            {
                power = power * 17 % Q;
            }

            int montgomery = (int)(((long)power << 16) % Q);
            zetas[i] = (short)(montgomery > Q / 2 ? montgomery - Q : montgomery);
        }

        return zetas;
    }

    // ---- Field arithmetic (scalar) ----

    /// <summary>a·R^-1 mod q in (−q, q), for |a| ≤ q·2^15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static short MontgomeryReduce(int a)
    {
        unchecked
        {
            short t = (short)((short)a * QInv);
            return (short)((a - (t * Q)) >> 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static short FqMul(short a, short b) => MontgomeryReduce(a * b);

    /// <summary>The representative of a mod q in [−(q−1)/2, (q−1)/2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static short BarrettReduce(short a)
    {
        unchecked
        {
            int t = ((BarrettMultiplier * a) + (1 << 25)) >> 26;
            return (short)(a - (t * Q));
        }
    }

    /// <summary>Maps a value in (−q, q) to [0, q) without branching.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ToPositive(short a) => a + ((a >> 15) & Q);

    // ---- Transforms ----

    /// <summary>
    /// FIPS 203 Algorithm 9 (NTT) in place; input |coefficients| &lt; 2^12, output Barrett-reduced.
    /// </summary>
    internal static void NttScalar(Span<short> poly)
    {
        var r = poly[..N];
        unchecked
        {
            int k = 1;
            for (int len = 128; len >= 2; len >>= 1)
            {
                for (int start = 0; start < N; start += 2 * len)
                {
                    short zeta = Zetas[k++];
                    for (int j = start; j < start + len; j++)
                    {
                        short t = FqMul(zeta, r[j + len]);
                        r[j + len] = (short)(r[j] - t);
                        r[j] = (short)(r[j] + t);
                    }
                }
            }
        }

        ReduceScalar(r);
    }

    /// <summary>FIPS 203 Algorithm 10 (NTT^-1) in place, times R; output in (−q, q).</summary>
    internal static void InvNttScalar(Span<short> poly)
    {
        var r = poly[..N];
        unchecked
        {
            int k = 127;
            for (int len = 2; len <= 128; len <<= 1)
            {
                for (int start = 0; start < N; start += 2 * len)
                {
                    short zeta = Zetas[k--];
                    for (int j = start; j < start + len; j++)
                    {
                        short t = r[j];
                        r[j] = BarrettReduce((short)(t + r[j + len]));
                        r[j + len] = FqMul(zeta, (short)(r[j + len] - t));
                    }
                }
            }

            for (int j = 0; j < N; j++)
            {
                r[j] = FqMul(r[j], InvNttFactor);
            }
        }
    }

    /// <summary>
    /// <c>result = R^-1 · Σ_j a[j] ∘ b[j]</c> over <paramref name="count"/> polynomials (FIPS 203 Algorithm 11,
    /// MultiplyNTTs, summed), Barrett-reduced. <paramref name="a"/> and <paramref name="b"/> hold the polynomials
    /// back to back; one factor of each product below q in magnitude, the other below 2^12.
    /// </summary>
    internal static void BaseMulAccumulateScalar(Span<short> result, ReadOnlySpan<short> a, ReadOnlySpan<short> b, int count)
    {
        var r = result[..N];
        r.Clear();
        unchecked
        {
            for (int p = 0; p < count; p++)
            {
                var x = a.Slice(p * N, N);
                var y = b.Slice(p * N, N);
                for (int i = 0; i < N / 4; i++)
                {
                    short zeta = Zetas[64 + i];
                    int o = 4 * i;
                    r[o] += (short)(FqMul(FqMul(x[o + 1], y[o + 1]), zeta) + FqMul(x[o], y[o]));
                    r[o + 1] += (short)(FqMul(x[o], y[o + 1]) + FqMul(x[o + 1], y[o]));
                    r[o + 2] += (short)(FqMul(FqMul(x[o + 3], y[o + 3]), (short)-zeta) + FqMul(x[o + 2], y[o + 2]));
                    r[o + 3] += (short)(FqMul(x[o + 2], y[o + 3]) + FqMul(x[o + 3], y[o + 2]));
                }
            }
        }

        ReduceScalar(r);
    }

    // ---- Coefficient-wise ----

    /// <summary>Barrett-reduces every coefficient of <paramref name="polys"/> (any number of polynomials).</summary>
    internal static void ReduceScalar(Span<short> polys)
    {
        for (int i = 0; i < polys.Length; i++)
        {
            polys[i] = BarrettReduce(polys[i]);
        }
    }

    /// <summary>Multiplies every coefficient by R (a Montgomery multiplication by R^2); output in (−q, q).</summary>
    internal static void ToMontgomery(Span<short> polys)
    {
        for (int i = 0; i < polys.Length; i++)
        {
            polys[i] = FqMul(polys[i], MontSquared);
        }
    }

    /// <summary><c>a += b</c>, coefficient-wise, without reduction (the caller bounds the sums).</summary>
    internal static void Add(Span<short> a, ReadOnlySpan<short> b)
    {
        b = b[..a.Length];
        int i = 0;
        for (; i + Vector<short>.Count <= a.Length; i += Vector<short>.Count)
        {
            (new Vector<short>(a[i..]) + new Vector<short>(b[i..])).CopyTo(a[i..]);
        }

        unchecked
        {
            for (; i < a.Length; i++)
            {
                a[i] = (short)(a[i] + b[i]);
            }
        }
    }

    /// <summary><c>a = b − a</c>, coefficient-wise, without reduction.</summary>
    internal static void SubtractFrom(Span<short> a, ReadOnlySpan<short> b)
    {
        b = b[..a.Length];
        int i = 0;
        for (; i + Vector<short>.Count <= a.Length; i += Vector<short>.Count)
        {
            (new Vector<short>(b[i..]) - new Vector<short>(a[i..])).CopyTo(a[i..]);
        }

        unchecked
        {
            for (; i < a.Length; i++)
            {
                a[i] = (short)(b[i] - a[i]);
            }
        }
    }

    // ---- Sampling ----

    /// <summary>
    /// FIPS 203 Algorithm 8 (SamplePolyCBD_2): 128 PRF bytes to a polynomial with coefficients in [−2, 2].
    /// </summary>
    internal static void SampleCbd2(ReadOnlySpan<byte> bytes, Span<short> poly)
    {
        bytes = bytes[..128];
        poly = poly[..N];
        unchecked
        {
            for (int i = 0; i < N / 8; i++)
            {
                uint t = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4 * i, 4));
                uint d = (t & 0x55555555) + ((t >> 1) & 0x55555555);
                for (int j = 0; j < 8; j++)
                {
                    int a = (int)((d >> (4 * j)) & 3);
                    int b = (int)((d >> ((4 * j) + 2)) & 3);
                    poly[(8 * i) + j] = (short)(a - b);
                }
            }
        }
    }

    /// <summary>
    /// FIPS 203 Algorithm 7 (SampleNTT) on a prefix of the XOF stream: appends to <paramref name="poly"/> from
    /// coefficient <paramref name="count"/> every 12-bit candidate below q in <paramref name="bytes"/> (a multiple
    /// of 3 long), and returns the new count (at most 256).
    /// </summary>
    internal static int RejectionSample(Span<short> poly, int count, ReadOnlySpan<byte> bytes)
    {
        poly = poly[..N];
        int pos = 0;
        while (count < N && pos + 3 <= bytes.Length)
        {
            int b0 = bytes[pos], b1 = bytes[pos + 1], b2 = bytes[pos + 2];
            pos += 3;
            int d1 = b0 | ((b1 & 0x0F) << 8);
            int d2 = (b1 >> 4) | (b2 << 4);
            if (d1 < Q)
            {
                poly[count++] = (short)d1;
            }

            if (d2 < Q && count < N)
            {
                poly[count++] = (short)d2;
            }
        }

        return count;
    }

    // ---- Encodings (FIPS 203 §4.2.1) ----

    /// <summary>ByteEncode12 of a polynomial with coefficients in (−q, q), mapped to [0, q) first: 384 bytes.</summary>
    internal static void Encode12(ReadOnlySpan<short> poly, Span<byte> bytes)
    {
        poly = poly[..N];
        bytes = bytes[..384];
        unchecked
        {
            for (int i = 0; i < N / 2; i++)
            {
                int t0 = ToPositive(poly[2 * i]);
                int t1 = ToPositive(poly[(2 * i) + 1]);
                bytes[3 * i] = (byte)t0;
                bytes[(3 * i) + 1] = (byte)((t0 >> 8) | (t1 << 4));
                bytes[(3 * i) + 2] = (byte)(t1 >> 4);
            }
        }
    }

    /// <summary>
    /// ByteDecode12 of 384 bytes. Returns false when a coefficient is not below q: the modulus check of FIPS 203
    /// §7.2 (the decoded values stay in <paramref name="poly"/> either way).
    /// </summary>
    internal static bool Decode12(ReadOnlySpan<byte> bytes, Span<short> poly) => Decode12Tail(bytes[..384], poly[..N]);

    /// <summary><see cref="Decode12"/> of any whole number of 3-byte groups (the AVX2 form finishes with it).</summary>
    internal static bool Decode12Tail(ReadOnlySpan<byte> bytes, Span<short> poly)
    {
        int bad = 0;
        for (int i = 0; i < bytes.Length / 3; i++)
        {
            int b0 = bytes[3 * i], b1 = bytes[(3 * i) + 1], b2 = bytes[(3 * i) + 2];
            int t0 = b0 | ((b1 & 0x0F) << 8);
            int t1 = (b1 >> 4) | (b2 << 4);
            bad |= (Q - 1 - t0) | (Q - 1 - t1);
            poly[2 * i] = (short)t0;
            poly[(2 * i) + 1] = (short)t1;
        }

        return bad >= 0;
    }

    /// <summary>ByteDecode1 then Decompress1 (FIPS 203 Algorithm 14, line 20): bit b to b·⌈q/2⌉.</summary>
    internal static void FromMessage(ReadOnlySpan<byte> message, Span<short> poly)
    {
        message = message[..32];
        poly = poly[..N];
        unchecked
        {
            for (int i = 0; i < 32; i++)
            {
                for (int j = 0; j < 8; j++)
                {
                    int mask = -((message[i] >> j) & 1);
                    poly[(8 * i) + j] = (short)(mask & ((Q + 1) / 2));
                }
            }
        }
    }

    /// <summary>Compress1 then ByteEncode1 (FIPS 203 Algorithm 15, line 7) of coefficients in (−q, q).</summary>
    internal static void ToMessage(ReadOnlySpan<short> poly, Span<byte> message)
    {
        poly = poly[..N];
        message = message[..32];
        unchecked
        {
            for (int i = 0; i < 32; i++)
            {
                uint m = 0;
                for (int j = 0; j < 8; j++)
                {
                    // round(2x/q) mod 2 for x in [0, q): ((2x + q/2)·80635) >> 28 is (2x + q/2)/q for these x.
                    uint t = (uint)ToPositive(poly[(8 * i) + j]);
                    t = (((t << 1) + 1665) * 80635) >> 28;
                    m |= (t & 1) << j;
                }

                message[i] = (byte)m;
            }
        }
    }

    /// <summary>Compress_d then ByteEncode_d of one polynomial with coefficients in (−q, q), d ∈ {4, 5, 10, 11}.</summary>
    [SkipLocalsInit]
    internal static void CompressEncode(ReadOnlySpan<short> poly, int d, Span<byte> bytes)
    {
        poly = poly[..N];
        Span<ushort> values = stackalloc ushort[N];
        uint mask = (1U << d) - 1;
        for (int i = 0; i < N; i++)
        {
            values[i] = (ushort)(Compress((uint)ToPositive(poly[i]), d) & mask);
        }

        PackBits(values, d, bytes);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(values));
    }

    /// <summary>ByteDecode_d then Decompress_d (d ∈ {4, 5, 10, 11}): values in [0, q].</summary>
    [SkipLocalsInit]
    internal static void DecodeDecompress(ReadOnlySpan<byte> bytes, int d, Span<short> poly)
    {
        poly = poly[..N];
        Span<ushort> values = stackalloc ushort[N];
        UnpackBits(bytes, d, values);
        for (int i = 0; i < N; i++)
        {
            poly[i] = (short)(((values[i] * Q) + (1 << (d - 1))) >> d);
        }
    }

    /// <summary>
    /// Compress_d(x) = round(2^d·x / q) mod 2^d (before the mask) for x in [0, q), by a multiplication and a shift
    /// rather than a division: floor((2^d·x + ⌊q/2⌋)·⌈2^s/q⌉ / 2^s) with s = 35 is exact for these x and d ≤ 11.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Compress(uint x, int d) =>
        unchecked(((((ulong)x << d) + (ulong)(Q / 2)) * CompressMultiplier) >> CompressShift);

    private const int CompressShift = 35;
    private const ulong CompressMultiplier = ((1UL << CompressShift) + (ulong)Q - 1) / (ulong)Q;

    /// <summary>
    /// ByteEncode_d's bit packing (FIPS 203 Algorithm 5) of 256 values below 2^d into 32·d bytes, little-endian;
    /// d ∈ {4, 5, 10, 11} take unrolled paths (8 values at a time), others a generic one.
    /// </summary>
    internal static void PackBits(ReadOnlySpan<ushort> values, int d, Span<byte> bytes)
    {
        values = values[..N];
        bytes = bytes[..(32 * d)];
        unchecked
        {
            switch (d)
            {
                case 11:
                    for (int g = 0; g < N / 8; g++)
                    {
                        var v = values.Slice(8 * g, 8);
                        var o = bytes.Slice(11 * g, 11);
                        ulong a = v[0] | ((ulong)v[1] << 11) | ((ulong)v[2] << 22) | ((ulong)v[3] << 33) | ((ulong)v[4] << 44) | ((ulong)v[5] << 55);
                        uint b = (uint)(v[5] >> 9) | ((uint)v[6] << 2) | ((uint)v[7] << 13);
                        BinaryPrimitives.WriteUInt64LittleEndian(o, a);
                        o[8] = (byte)b;
                        o[9] = (byte)(b >> 8);
                        o[10] = (byte)(b >> 16);
                    }

                    return;
                case 10:
                    for (int g = 0; g < N / 4; g++)
                    {
                        var v = values.Slice(4 * g, 4);
                        var o = bytes.Slice(5 * g, 5);
                        ulong a = v[0] | ((ulong)v[1] << 10) | ((ulong)v[2] << 20) | ((ulong)v[3] << 30);
                        BinaryPrimitives.WriteUInt32LittleEndian(o, (uint)a);
                        o[4] = (byte)(a >> 32);
                    }

                    return;
                case 5:
                    for (int g = 0; g < N / 8; g++)
                    {
                        var v = values.Slice(8 * g, 8);
                        var o = bytes.Slice(5 * g, 5);
                        ulong a = v[0] | ((ulong)v[1] << 5) | ((ulong)v[2] << 10) | ((ulong)v[3] << 15) |
                            ((ulong)v[4] << 20) | ((ulong)v[5] << 25) | ((ulong)v[6] << 30) | ((ulong)v[7] << 35);
                        BinaryPrimitives.WriteUInt32LittleEndian(o, (uint)a);
                        o[4] = (byte)(a >> 32);
                    }

                    return;
                case 4:
                    for (int g = 0; g < N / 8; g++)
                    {
                        var v = values.Slice(8 * g, 8);
                        uint a = v[0] | ((uint)v[1] << 4) | ((uint)v[2] << 8) | ((uint)v[3] << 12) |
                            ((uint)v[4] << 16) | ((uint)v[5] << 20) | ((uint)v[6] << 24) | ((uint)v[7] << 28);
                        BinaryPrimitives.WriteUInt32LittleEndian(bytes.Slice(4 * g, 4), a);
                    }

                    return;
                default:
                    ulong buffer = 0;
                    int bits = 0, at = 0;
                    for (int i = 0; i < N; i++)
                    {
                        buffer |= (ulong)values[i] << bits;
                        bits += d;
                        while (bits >= 8)
                        {
                            bytes[at++] = (byte)buffer;
                            buffer >>= 8;
                            bits -= 8;
                        }
                    }

                    return;
            }
        }
    }

    /// <summary>ByteDecode_d's bit unpacking (FIPS 203 Algorithm 6) for d &lt; 12: 32·d bytes to 256 values below 2^d.</summary>
    internal static void UnpackBits(ReadOnlySpan<byte> bytes, int d, Span<ushort> values)
    {
        values = values[..N];
        bytes = bytes[..(32 * d)];
        unchecked
        {
            switch (d)
            {
                case 11:
                    for (int g = 0; g < N / 8; g++)
                    {
                        var b = bytes.Slice(11 * g, 11);
                        var v = values.Slice(8 * g, 8);
                        ulong a = BinaryPrimitives.ReadUInt64LittleEndian(b);
                        uint c = b[8] | ((uint)b[9] << 8) | ((uint)b[10] << 16);
                        v[0] = (ushort)(a & 0x7FF);
                        v[1] = (ushort)((a >> 11) & 0x7FF);
                        v[2] = (ushort)((a >> 22) & 0x7FF);
                        v[3] = (ushort)((a >> 33) & 0x7FF);
                        v[4] = (ushort)((a >> 44) & 0x7FF);
                        v[5] = (ushort)(((a >> 55) | (c << 9)) & 0x7FF);
                        v[6] = (ushort)((c >> 2) & 0x7FF);
                        v[7] = (ushort)(c >> 13);
                    }

                    return;
                case 10:
                    for (int g = 0; g < N / 4; g++)
                    {
                        var b = bytes.Slice(5 * g, 5);
                        var v = values.Slice(4 * g, 4);
                        ulong a = BinaryPrimitives.ReadUInt32LittleEndian(b) | ((ulong)b[4] << 32);
                        v[0] = (ushort)(a & 0x3FF);
                        v[1] = (ushort)((a >> 10) & 0x3FF);
                        v[2] = (ushort)((a >> 20) & 0x3FF);
                        v[3] = (ushort)(a >> 30);
                    }

                    return;
                case 5:
                    for (int g = 0; g < N / 8; g++)
                    {
                        var b = bytes.Slice(5 * g, 5);
                        var v = values.Slice(8 * g, 8);
                        ulong a = BinaryPrimitives.ReadUInt32LittleEndian(b) | ((ulong)b[4] << 32);
                        for (int j = 0; j < 8; j++)
                        {
                            v[j] = (ushort)((a >> (5 * j)) & 0x1F);
                        }
                    }

                    return;
                case 4:
                    for (int i = 0; i < N / 2; i++)
                    {
                        values[2 * i] = (ushort)(bytes[i] & 0x0F);
                        values[(2 * i) + 1] = (ushort)(bytes[i] >> 4);
                    }

                    return;
                default:
                    ulong buffer = 0;
                    int bits = 0, at = 0;
                    uint mask = (1U << d) - 1;
                    for (int i = 0; i < N; i++)
                    {
                        while (bits < d)
                        {
                            buffer |= (ulong)bytes[at++] << bits;
                            bits += 8;
                        }

                        values[i] = (ushort)(buffer & mask);
                        buffer >>= d;
                        bits -= d;
                    }

                    return;
            }
        }
    }
}
