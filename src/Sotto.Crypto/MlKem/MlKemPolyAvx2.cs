using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// AVX2 forms of the <see cref="MlKemPoly"/> kernels: sixteen 16-bit coefficients per vector, Montgomery
/// multiplication by <c>vpmulhw</c>/<c>vpmullw</c> (as in the pq-crystals AVX2 code, with precomputed ζ·q^-1), and
/// coefficients in FIPS 203's order in memory, so these kernels and the scalar ones are interchangeable.
/// </summary>
/// <remarks>
/// The NTT's layers with distance ≥ 16 pair whole vectors. The three layers with distance 8, 4 and 2 pair halves,
/// quarters and 32-bit pairs of two neighbouring vectors x, y: each is gathered into (lo, hi) so that lane i of lo
/// and lane i of hi are a butterfly, and scattered back after it:
/// <code>
///   distance 8   lo = [x.lo128, y.lo128]        hi = [x.hi128, y.hi128]          (vperm2i128)
///   distance 4   lo = [x.q0, y.q0 | x.q2, y.q2]  hi = [x.q1, y.q1 | x.q3, y.q3]    (vpunpck[lh]qdq)
///   distance 2   as distance 4 after swapping the middle 32-bit words of each 128-bit half (vpshufd 0xD8)
/// </code>
/// The twiddle vectors of those layers are built once by applying the same gathers to each coefficient's ζ index
/// (<see cref="LowLayerZetas"/>), so table and code cannot disagree. Only called when <see cref="Avx2.IsSupported"/>.
/// </remarks>
internal static class MlKemPolyAvx2
{
    private const int N = MlKemPoly.N;

    /// <summary>
    /// Twiddles of the NTT layers with distance 8, 4, 2 (forward, then inverse) for each of the eight vector pairs:
    /// [layer][pair] → (ζ, ζ·q^-1), flattened as 6 × 8 × 2 vectors of 16 shorts.
    /// </summary>
    private static readonly short[] LowLayerZetas = BuildLowLayerZetas();

    /// <summary>For each of the 16 vectors of an NTT-domain polynomial: R at even lanes, ±γ (Montgomery form) at odd lanes.</summary>
    private static readonly short[] BaseMulZetas = BuildBaseMulZetas();

    /// <summary>For each 8-bit mask: the byte shuffle that moves the selected 16-bit words, in order, to the front.</summary>
    private static readonly byte[] CompactShuffles = BuildCompactShuffles();

    private static ReadOnlySpan<byte> SwapPairsMask =>
    [
        2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
        2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> FqMul(Vector256<short> a, Vector256<short> b, Vector256<short> bQInv)
    {
        var high = Avx2.MultiplyHigh(a, b);
        var t = Avx2.MultiplyLow(a, bQInv);
        return Avx2.Subtract(high, Avx2.MultiplyHigh(t, Vector256.Create(MlKemPoly.Q)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> FqMul(Vector256<short> a, Vector256<short> b) =>
        FqMul(a, b, Avx2.MultiplyLow(b, Vector256.Create(MlKemPoly.QInv)));

    /// <summary>Barrett reduction to roughly [−q/2, q/2] (pq-crystals <c>red16</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Barrett(Vector256<short> a)
    {
        var t = Avx2.MultiplyHigh(a, Vector256.Create(MlKemPoly.BarrettMultiplier));
        t = Avx2.MultiplyHighRoundScale(t, Vector256.Create((short)32));
        return Avx2.Subtract(a, Avx2.MultiplyLow(t, Vector256.Create(MlKemPoly.Q)));
    }

    // ---- The gathers of the three low layers (each is undone by Scatter with the same distance) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather8(Vector256<short> x, Vector256<short> y, out Vector256<short> lo, out Vector256<short> hi)
    {
        lo = Avx2.Permute2x128(x, y, 0x20);
        hi = Avx2.Permute2x128(x, y, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather4(Vector256<short> x, Vector256<short> y, out Vector256<short> lo, out Vector256<short> hi)
    {
        lo = Avx2.UnpackLow(x.AsInt64(), y.AsInt64()).AsInt16();
        hi = Avx2.UnpackHigh(x.AsInt64(), y.AsInt64()).AsInt16();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather2(Vector256<short> x, Vector256<short> y, out Vector256<short> lo, out Vector256<short> hi) =>
        Gather4(Avx2.Shuffle(x.AsInt32(), 0xD8).AsInt16(), Avx2.Shuffle(y.AsInt32(), 0xD8).AsInt16(), out lo, out hi);

    // Gather8 is its own inverse on (lo, hi); Gather4's inverse is Gather4; Gather2's is Gather4 then the word swap.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter2(Vector256<short> lo, Vector256<short> hi, out Vector256<short> x, out Vector256<short> y)
    {
        Gather4(lo, hi, out var xs, out var ys);
        x = Avx2.Shuffle(xs.AsInt32(), 0xD8).AsInt16();
        y = Avx2.Shuffle(ys.AsInt32(), 0xD8).AsInt16();
    }

    // ---- Transforms ----

    internal static void Ntt(Span<short> poly)
    {
        ref short r = ref MemoryMarshal.GetReference(poly[..N]);
        var zetas = MlKemPoly.Zetas;

        int k = 1;
        for (int len = 128; len >= 16; len >>= 1)
        {
            for (int start = 0; start < N; start += 2 * len)
            {
                short zeta = zetas[k++];
                var z = Vector256.Create(zeta);
                var zq = Vector256.Create(unchecked((short)(zeta * MlKemPoly.QInv)));
                for (int j = start; j < start + len; j += 16)
                {
                    var a = Vector256.LoadUnsafe(ref r, (nuint)j);
                    var b = Vector256.LoadUnsafe(ref r, (nuint)(j + len));
                    var t = FqMul(b, z, zq);
                    Avx2.Subtract(a, t).StoreUnsafe(ref r, (nuint)(j + len));
                    Avx2.Add(a, t).StoreUnsafe(ref r, (nuint)j);
                }
            }
        }

        ref short tw = ref MemoryMarshal.GetArrayDataReference(LowLayerZetas);
        for (int pair = 0; pair < 8; pair++)
        {
            var x = Vector256.LoadUnsafe(ref r, (nuint)(32 * pair));
            var y = Vector256.LoadUnsafe(ref r, (nuint)((32 * pair) + 16));

            Gather8(x, y, out var lo, out var hi);
            ForwardButterfly(ref lo, ref hi, ref tw, 0, pair);
            Gather8(lo, hi, out x, out y);

            Gather4(x, y, out lo, out hi);
            ForwardButterfly(ref lo, ref hi, ref tw, 1, pair);
            Gather4(lo, hi, out x, out y);

            Gather2(x, y, out lo, out hi);
            ForwardButterfly(ref lo, ref hi, ref tw, 2, pair);
            Scatter2(lo, hi, out x, out y);

            Barrett(x).StoreUnsafe(ref r, (nuint)(32 * pair));
            Barrett(y).StoreUnsafe(ref r, (nuint)((32 * pair) + 16));
        }
    }

    internal static void InvNtt(Span<short> poly)
    {
        ref short r = ref MemoryMarshal.GetReference(poly[..N]);
        var zetas = MlKemPoly.Zetas;

        ref short tw = ref MemoryMarshal.GetArrayDataReference(LowLayerZetas);
        for (int pair = 0; pair < 8; pair++)
        {
            var x = Vector256.LoadUnsafe(ref r, (nuint)(32 * pair));
            var y = Vector256.LoadUnsafe(ref r, (nuint)((32 * pair) + 16));

            Gather2(x, y, out var lo, out var hi);
            InverseButterfly(ref lo, ref hi, ref tw, 3, pair);
            Scatter2(lo, hi, out x, out y);

            Gather4(x, y, out lo, out hi);
            InverseButterfly(ref lo, ref hi, ref tw, 4, pair);
            Gather4(lo, hi, out x, out y);

            Gather8(x, y, out lo, out hi);
            InverseButterfly(ref lo, ref hi, ref tw, 5, pair);
            Gather8(lo, hi, out x, out y);

            x.StoreUnsafe(ref r, (nuint)(32 * pair));
            y.StoreUnsafe(ref r, (nuint)((32 * pair) + 16));
        }

        for (int len = 16; len <= 128; len <<= 1)
        {
            for (int start = 0; start < N; start += 2 * len)
            {
                short zeta = zetas[(N / len) - 1 - (start / (2 * len))];
                var z = Vector256.Create(zeta);
                var zq = Vector256.Create(unchecked((short)(zeta * MlKemPoly.QInv)));
                for (int j = start; j < start + len; j += 16)
                {
                    var a = Vector256.LoadUnsafe(ref r, (nuint)j);
                    var b = Vector256.LoadUnsafe(ref r, (nuint)(j + len));
                    Barrett(Avx2.Add(a, b)).StoreUnsafe(ref r, (nuint)j);
                    FqMul(Avx2.Subtract(b, a), z, zq).StoreUnsafe(ref r, (nuint)(j + len));
                }
            }
        }

        var f = Vector256.Create(MlKemPoly.InvNttFactor);
        var fq = Vector256.Create(unchecked((short)(MlKemPoly.InvNttFactor * MlKemPoly.QInv)));
        for (int j = 0; j < N; j += 16)
        {
            FqMul(Vector256.LoadUnsafe(ref r, (nuint)j), f, fq).StoreUnsafe(ref r, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardButterfly(ref Vector256<short> lo, ref Vector256<short> hi, ref short tw, int layer, int pair)
    {
        nuint at = (nuint)(((layer * 8) + pair) * 32);
        var t = FqMul(hi, Vector256.LoadUnsafe(ref tw, at), Vector256.LoadUnsafe(ref tw, at + 16));
        hi = Avx2.Subtract(lo, t);
        lo = Avx2.Add(lo, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InverseButterfly(ref Vector256<short> lo, ref Vector256<short> hi, ref short tw, int layer, int pair)
    {
        nuint at = (nuint)(((layer * 8) + pair) * 32);
        var t = lo;
        lo = Barrett(Avx2.Add(t, hi));
        hi = FqMul(Avx2.Subtract(hi, t), Vector256.LoadUnsafe(ref tw, at), Vector256.LoadUnsafe(ref tw, at + 16));
    }

    /// <summary>
    /// Σ_j a[j] ∘ b[j] times R^-1. Per vector, with s() swapping neighbouring coefficients: T = Σ a·b and
    /// U = Σ a·s(b) (Montgomery products), then W = T·[R, γ] gives c0 = W + s(W) at even lanes and c1 = U + s(U)
    /// at odd lanes (FIPS 203 Algorithm 12: c0 = a0·b0 + a1·b1·γ, c1 = a0·b1 + a1·b0).
    /// </summary>
    internal static void BaseMulAccumulate(Span<short> result, ReadOnlySpan<short> a, ReadOnlySpan<short> b, int count)
    {
        ref short rr = ref MemoryMarshal.GetReference(result[..N]);
        ref short ra = ref MemoryMarshal.GetReference(a[..(count * N)]);
        ref short rb = ref MemoryMarshal.GetReference(b[..(count * N)]);
        ref short rz = ref MemoryMarshal.GetArrayDataReference(BaseMulZetas);
        var swap = Vector256.Create(SwapPairsMask);
        for (int i = 0; i < N; i += 16)
        {
            var t = Vector256<short>.Zero;
            var u = Vector256<short>.Zero;
            for (int p = 0; p < count; p++)
            {
                nuint at = (nuint)((p * N) + i);
                var x = Vector256.LoadUnsafe(ref ra, at);
                var y = Vector256.LoadUnsafe(ref rb, at);
                t = Avx2.Add(t, FqMul(x, y));
                u = Avx2.Add(u, FqMul(x, Avx2.Shuffle(y.AsByte(), swap).AsInt16()));
            }

            var w = FqMul(t, Vector256.LoadUnsafe(ref rz, (nuint)(2 * i)), Vector256.LoadUnsafe(ref rz, (nuint)((2 * i) + 16)));
            var c0 = Avx2.Add(w, Avx2.Shuffle(w.AsByte(), swap).AsInt16());
            var c1 = Avx2.Add(u, Avx2.Shuffle(u.AsByte(), swap).AsInt16());
            Barrett(Avx2.Blend(c0, c1, 0xAA)).StoreUnsafe(ref rr, (nuint)i);
        }
    }

    internal static void Reduce(Span<short> polys)
    {
        ref short r = ref MemoryMarshal.GetReference(polys);
        int i = 0;
        for (; i + 16 <= polys.Length; i += 16)
        {
            Barrett(Vector256.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        }

        MlKemPoly.ReduceScalar(polys[i..]);
    }

    /// <summary>
    /// <see cref="MlKemPoly.RejectionSample"/> (same contract, same output) eight candidates at a time: twelve bytes
    /// spread into eight 16-bit words, compared with q, and the accepted words moved to the front by a byte shuffle
    /// chosen by the 8-bit acceptance mask (<see cref="CompactShuffles"/>, after pq-crystals' <c>rej_uniform_avx</c>).
    /// The mask indexes memory, which is fine: the bytes are the public matrix seed's XOF stream.
    /// </summary>
    internal static int RejectionSample(Span<short> poly, int count, ReadOnlySpan<byte> bytes)
    {
        poly = poly[..N];
        ref byte input = ref MemoryMarshal.GetReference(bytes);
        ref short output = ref MemoryMarshal.GetReference(poly);
        ref byte shuffles = ref MemoryMarshal.GetArrayDataReference(CompactShuffles);
        var spread = Vector128.Create((byte)0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
        var mask12 = Vector128.Create((short)0x0FFF);
        var bound = Vector128.Create(MlKemPoly.Q);
        int pos = 0;
        while (count <= N - 8 && pos + 16 <= bytes.Length)
        {
            var words = Ssse3.Shuffle(Vector128.LoadUnsafe(ref input, (nuint)pos), spread).AsInt16();
            words = Sse2.And(Sse41.Blend(words, Sse2.ShiftRightLogical(words, 4), 0xAA), mask12);
            var accepted = Sse2.CompareGreaterThan(bound, words);
            int good = Sse2.MoveMask(Sse2.PackSignedSaturate(accepted, accepted).AsByte()) & 0xFF;
            var compacted = Ssse3.Shuffle(words.AsByte(), Vector128.LoadUnsafe(ref shuffles, (nuint)(16 * good)));
            compacted.AsInt16().StoreUnsafe(ref output, (nuint)count);
            count += BitOperations.PopCount((uint)good);
            pos += 12;
        }

        return MlKemPoly.RejectionSample(poly, count, bytes[pos..]);
    }

    /// <summary>
    /// <see cref="MlKemPoly.SampleCbd2"/> 32 bytes (64 coefficients) at a time: per byte, pairs of bits are summed,
    /// then each nibble becomes a − b + 3, and the nibbles are spread to 16-bit coefficients in order.
    /// </summary>
    internal static void SampleCbd2(ReadOnlySpan<byte> bytes, Span<short> poly)
    {
        ref byte input = ref MemoryMarshal.GetReference(bytes[..128]);
        ref short output = ref MemoryMarshal.GetReference(poly[..N]);
        var m55 = Vector256.Create((byte)0x55);
        var m33 = Vector256.Create((byte)0x33);
        var m0F = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((short)3);
        for (int i = 0; i < 4; i++)
        {
            var x = Vector256.LoadUnsafe(ref input, (nuint)(32 * i));
            var d = Avx2.Add(Avx2.And(x, m55), Avx2.And(Avx2.ShiftRightLogical(x.AsUInt16(), 1).AsByte(), m55));
            var e = Avx2.Subtract(Avx2.Add(Avx2.And(d, m33), m33), Avx2.And(Avx2.ShiftRightLogical(d.AsUInt16(), 2).AsByte(), m33));
            var lo = Avx2.And(e, m0F);
            var hi = Avx2.And(Avx2.ShiftRightLogical(e.AsUInt16(), 4).AsByte(), m0F);
            var first = Avx2.UnpackLow(lo, hi);
            var second = Avx2.UnpackHigh(lo, hi);
            nuint at = (nuint)(64 * i);
            Avx2.Subtract(Avx2.ConvertToVector256Int16(first.GetLower()), three).StoreUnsafe(ref output, at);
            Avx2.Subtract(Avx2.ConvertToVector256Int16(second.GetLower()), three).StoreUnsafe(ref output, at + 16);
            Avx2.Subtract(Avx2.ConvertToVector256Int16(first.GetUpper()), three).StoreUnsafe(ref output, at + 32);
            Avx2.Subtract(Avx2.ConvertToVector256Int16(second.GetUpper()), three).StoreUnsafe(ref output, at + 48);
        }
    }

    /// <summary>Multiplies every coefficient by R (a Montgomery multiplication by R^2); output in (−q, q).</summary>
    internal static void ToMontgomery(Span<short> polys)
    {
        ref short r = ref MemoryMarshal.GetReference(polys);
        var f = Vector256.Create(MlKemPoly.MontSquared);
        var fq = Vector256.Create(unchecked((short)(MlKemPoly.MontSquared * MlKemPoly.QInv)));
        for (int i = 0; i + 16 <= polys.Length; i += 16)
        {
            FqMul(Vector256.LoadUnsafe(ref r, (nuint)i), f, fq).StoreUnsafe(ref r, (nuint)i);
        }
    }

    /// <summary>Maps coefficients in (−q, q) to [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> ToPositive(Vector256<short> a) =>
        Avx2.Add(a, Avx2.And(Avx2.ShiftRightArithmetic(a, 15), Vector256.Create(MlKemPoly.Q)));

    /// <summary>
    /// Compress_d(x) = ⌊(2^d·x + ⌊q/2⌋)/q⌋ mod 2^d for x in [0, q), d ≤ 11, exactly, in 16-bit lanes: the estimate
    /// t = ⌊x·⌊2^(16+d)/q⌋ / 2^16⌋ is at most 2 below the quotient, so the remainder n − t·q lies in [0, 3q) and is
    /// exact modulo 2^16; two compare-and-add steps finish the division. No branch, no table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Compress(Vector256<short> x, int d, Vector256<ushort> multiplier)
    {
        var q = Vector256.Create(MlKemPoly.Q);
        var qMinus1 = Vector256.Create((short)(MlKemPoly.Q - 1));
        var t = Avx2.MultiplyHigh(x.AsUInt16(), multiplier).AsInt16();
        var n = Avx2.Add(Avx2.ShiftLeftLogical(x, Vector128.CreateScalar((short)d)), Vector256.Create((short)(MlKemPoly.Q / 2)));
        var remainder = Avx2.Subtract(n, Avx2.MultiplyLow(t, q));
        var carry = Avx2.CompareGreaterThan(remainder, qMinus1);
        t = Avx2.Subtract(t, carry);
        remainder = Avx2.Subtract(remainder, Avx2.And(carry, q));
        t = Avx2.Subtract(t, Avx2.CompareGreaterThan(remainder, qMinus1));
        return Avx2.And(t, Vector256.Create((short)((1 << d) - 1)));
    }

    /// <summary><see cref="MlKemPoly.CompressEncode"/>: compression sixteen at a time, then the shared bit packing.</summary>
    [SkipLocalsInit]
    internal static void CompressEncode(ReadOnlySpan<short> poly, int d, Span<byte> bytes)
    {
        ref short input = ref MemoryMarshal.GetReference(poly[..N]);
        Span<ushort> values = stackalloc ushort[N];
        ref ushort output = ref MemoryMarshal.GetReference(values);
        var multiplier = Vector256.Create((ushort)((1 << (16 + d)) / MlKemPoly.Q));
        for (int i = 0; i < N; i += 16)
        {
            Compress(ToPositive(Vector256.LoadUnsafe(ref input, (nuint)i)), d, multiplier).AsUInt16().StoreUnsafe(ref output, (nuint)i);
        }

        MlKemPoly.PackBits(values, d, bytes);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(values));
    }

    /// <summary>
    /// <see cref="MlKemPoly.DecodeDecompress"/>: the shared bit unpacking, then Decompress_d(y) = ⌊(q·y + 2^(d−1))/2^d⌋
    /// as one rounding multiply, <c>vpmulhrsw(y·2^(15−d), q)</c>.
    /// </summary>
    [SkipLocalsInit]
    internal static void DecodeDecompress(ReadOnlySpan<byte> bytes, int d, Span<short> poly)
    {
        Span<ushort> values = stackalloc ushort[N];
        MlKemPoly.UnpackBits(bytes, d, values);
        ref short input = ref Unsafe.As<ushort, short>(ref MemoryMarshal.GetReference(values));
        ref short output = ref MemoryMarshal.GetReference(poly[..N]);
        var q = Vector256.Create(MlKemPoly.Q);
        var shift = Vector128.CreateScalar((short)(15 - d));
        for (int i = 0; i < N; i += 16)
        {
            var y = Avx2.ShiftLeftLogical(Vector256.LoadUnsafe(ref input, (nuint)i), shift);
            Avx2.MultiplyHighRoundScale(y, q).StoreUnsafe(ref output, (nuint)i);
        }
    }

    /// <summary>
    /// <see cref="MlKemPoly.Decode12"/> sixteen coefficients (24 bytes) at a time, with the modulus check folded in;
    /// the last group is decoded by the scalar code so that no load reads past the 384 bytes.
    /// </summary>
    internal static bool Decode12(ReadOnlySpan<byte> bytes, Span<short> poly)
    {
        bytes = bytes[..384];
        poly = poly[..N];
        ref byte input = ref MemoryMarshal.GetReference(bytes);
        ref short output = ref MemoryMarshal.GetReference(poly);
        var spread = Vector256.Create(
            (byte)0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,
            4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
        var mask12 = Vector256.Create((short)0x0FFF);
        var qMinus1 = Vector256.Create((short)(MlKemPoly.Q - 1));
        var unreduced = Vector256<short>.Zero;
        for (int g = 0; g < (N / 16) - 1; g++)
        {
            // Bytes 24g … 24g + 23 as [0 … 15 | 8 … 23]: each 128-bit half holds its twelve bytes.
            var raw = Avx2.Permute4x64(Vector256.LoadUnsafe(ref input, (nuint)(24 * g)).AsUInt64(), 0x94).AsByte();
            var words = Avx2.Shuffle(raw, spread).AsInt16();
            words = Avx2.And(Avx2.Blend(words, Avx2.ShiftRightLogical(words, 4), 0xAA), mask12);
            unreduced = Avx2.Or(unreduced, Avx2.CompareGreaterThan(words, qMinus1));
            words.StoreUnsafe(ref output, (nuint)(16 * g));
        }

        bool tail = MlKemPoly.Decode12Tail(bytes[(24 * ((N / 16) - 1))..], poly[(16 * ((N / 16) - 1))..]);
        return tail && Avx2.MoveMask(unreduced.AsByte()) == 0;
    }

    /// <summary>
    /// <see cref="MlKemPoly.Encode12"/> sixteen coefficients (24 bytes) at a time: neighbours pair into 24-bit values
    /// (<c>vpmaddwd</c> by [1, 2^12]), each 128-bit half drops its top bytes, and the halves join.
    /// </summary>
    internal static void Encode12(ReadOnlySpan<short> poly, Span<byte> bytes)
    {
        ref short input = ref MemoryMarshal.GetReference(poly[..N]);
        bytes = bytes[..384];
        ref byte output = ref MemoryMarshal.GetReference(bytes);
        var pairWeights = Vector256.Create(1, (short)4096, 1, 4096, 1, 4096, 1, 4096, 1, 4096, 1, 4096, 1, 4096, 1, 4096);
        var drop = Vector256.Create(
            (byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80,
            0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
        var join = Vector256.Create(0, 1, 2, 4, 5, 6, 3, 7);
        for (int g = 0; g < N / 16; g++)
        {
            var words = ToPositive(Vector256.LoadUnsafe(ref input, (nuint)(16 * g)));
            var packed = Avx2.Shuffle(Avx2.MultiplyAddAdjacent(words, pairWeights).AsByte(), drop);
            packed = Avx2.PermuteVar8x32(packed.AsInt32(), join).AsByte();
            if (g < (N / 16) - 1)
            {
                // Writes 8 bytes past the group; the next group overwrites them.
                packed.StoreUnsafe(ref output, (nuint)(24 * g));
            }
            else
            {
                packed.GetLower().StoreUnsafe(ref output, (nuint)(24 * g));
                BinaryPrimitives.WriteUInt64LittleEndian(bytes[((24 * g) + 16)..], packed.AsUInt64().GetElement(2));
            }
        }
    }

    /// <summary><see cref="MlKemPoly.ToMessage"/>: Compress_1 sixteen at a time; the bits leave through a byte mask.</summary>
    internal static void ToMessage(ReadOnlySpan<short> poly, Span<byte> message)
    {
        ref short input = ref MemoryMarshal.GetReference(poly[..N]);
        message = message[..32];
        var multiplier = Vector256.Create((ushort)((1 << 17) / MlKemPoly.Q));
        for (int i = 0; i < N / 16; i++)
        {
            var bits = Compress(ToPositive(Vector256.LoadUnsafe(ref input, (nuint)(16 * i))), 1, multiplier);
            var set = Avx2.CompareEqual(bits, Vector256.Create((short)1));
            int mask = Avx2.MoveMask(Avx2.PackSignedSaturate(set, set).AsByte());
            // packs per 128-bit half: [c0…c7, c0…c7 | c8…c15, c8…c15].
            message[2 * i] = unchecked((byte)mask);
            message[(2 * i) + 1] = unchecked((byte)(mask >> 16));
        }
    }

    /// <summary><see cref="MlKemPoly.FromMessage"/>: bit b of the message to b·⌈q/2⌉, sixteen coefficients at a time.</summary>
    internal static void FromMessage(ReadOnlySpan<byte> message, Span<short> poly)
    {
        message = message[..32];
        ref short output = ref MemoryMarshal.GetReference(poly[..N]);
        var bitOf = Vector256.Create((short)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var half = Vector256.Create((short)((MlKemPoly.Q + 1) / 2));
        for (int i = 0; i < N / 16; i++)
        {
            var bytes = Vector256.Create(Vector128.Create((short)message[2 * i]), Vector128.Create((short)message[(2 * i) + 1]));
            var set = Avx2.CompareEqual(Avx2.And(bytes, bitOf), bitOf);
            Avx2.And(set, half).StoreUnsafe(ref output, (nuint)(16 * i));
        }
    }

    // ---- Tables ----

    private static short[] BuildLowLayerZetas()
    {
        var table = new short[6 * 8 * 32];
        if (!Avx2.IsSupported)
        {
            return table;
        }

        var zetas = MlKemPoly.Zetas;
        Span<short> indices = stackalloc short[32];
        Span<short> lanes = stackalloc short[16];
        for (int layer = 0; layer < 6; layer++)
        {
            // Layers 0-2: forward distances 8, 4, 2; layers 3-5: inverse distances 2, 4, 8.
            int distance = layer < 3 ? 8 >> layer : 2 << (layer - 3);

            for (int pair = 0; pair < 8; pair++)
            {
                for (int c = 0; c < 32; c++)
                {
                    indices[c] = (short)((32 * pair) + c);
                }

                var x = Vector256.Create<short>(indices[..16]);
                var y = Vector256.Create<short>(indices[16..]);
                Vector256<short> lo;
                switch (distance)
                {
                    case 8:
                        Gather8(x, y, out lo, out _);
                        break;
                    case 4:
                        Gather4(x, y, out lo, out _);
                        break;
                    default:
                        Gather2(x, y, out lo, out _);
                        break;
                }

                lo.CopyTo(lanes);
                int at = ((layer * 8) + pair) * 32;
                for (int lane = 0; lane < 16; lane++)
                {
                    int group = lanes[lane] / (2 * distance);
                    // Forward layers count ζ indices up from N/(2·distance), inverse ones down from N/distance − 1.
                    short zeta = layer < 3 ? zetas[(N / (2 * distance)) + group] : zetas[(N / distance) - 1 - group];
                    table[at + lane] = zeta;
                    table[at + 16 + lane] = unchecked((short)(zeta * MlKemPoly.QInv));
                }
            }
        }

        return table;
    }

    private static byte[] BuildCompactShuffles()
    {
        var table = new byte[256 * 16];
        for (int mask = 0; mask < 256; mask++)
        {
            int at = 16 * mask;
            table.AsSpan(at, 16).Fill(0x80);
            for (int word = 0; word < 8; word++)
            {
                if ((mask >> word & 1) != 0)
                {
                    table[at++] = (byte)(2 * word);
                    table[at++] = (byte)((2 * word) + 1);
                }
            }
        }

        return table;
    }

    private static short[] BuildBaseMulZetas()
    {
        var zetas = MlKemPoly.Zetas;
        var table = new short[N * 2];
        for (int v = 0; v < N / 16; v++)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                int pair = (8 * v) + (lane / 2);
                short gamma = (pair & 1) == 0 ? zetas[64 + (pair / 2)] : (short)-zetas[64 + (pair / 2)];
                short value = (lane & 1) == 0 ? MlKemPoly.Mont : gamma;
                table[(32 * v) + lane] = value;
                table[(32 * v) + 16 + lane] = unchecked((short)(value * MlKemPoly.QInv));
            }
        }

        return table;
    }
}
