using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sotto.Crypto;

/// <summary>
/// Arithmetic in GF(2^255 − 19) with five 51-bit limbs (the layout of ref10's 64-bit field code). It exists for
/// one job libsodium does not expose: mapping a Montgomery u-coordinate to an Edwards y-coordinate,
/// y = (u − 1)/(u + 1), which XEdDSA verification needs. Not constant time in <see cref="IsZero"/> only.
/// </summary>
internal struct Field25519
{
    private const ulong Mask51 = (1UL << 51) - 1;

    private ulong _l0, _l1, _l2, _l3, _l4;

    internal static Field25519 One => new() { _l0 = 1 };

    /// <summary>Decodes 32 little-endian bytes, ignoring bit 255 (RFC 7748 §5); non-canonical values reduce.</summary>
    internal static Field25519 FromBytes(ReadOnlySpan<byte> s)
    {
        ulong w0 = BinaryPrimitives.ReadUInt64LittleEndian(s[..8]);
        ulong w1 = BinaryPrimitives.ReadUInt64LittleEndian(s[8..16]);
        ulong w2 = BinaryPrimitives.ReadUInt64LittleEndian(s[16..24]);
        ulong w3 = BinaryPrimitives.ReadUInt64LittleEndian(s[24..32]);
        return new Field25519
        {
            _l0 = w0 & Mask51,
            _l1 = ((w0 >> 51) | (w1 << 13)) & Mask51,
            _l2 = ((w1 >> 38) | (w2 << 26)) & Mask51,
            _l3 = ((w2 >> 25) | (w3 << 39)) & Mask51,
            _l4 = (w3 >> 12) & Mask51,
        };
    }

    /// <summary>Encodes the canonical (fully reduced) value as 32 little-endian bytes.</summary>
    internal readonly void ToBytes(Span<byte> s)
    {
        var t = this;
        t.Carry();
        // Now each limb < 2^51 and the value < 2^255 + small; subtract p if value >= p.
        ulong q = (t._l0 + 19) >> 51;
        q = (t._l1 + q) >> 51;
        q = (t._l2 + q) >> 51;
        q = (t._l3 + q) >> 51;
        q = (t._l4 + q) >> 51;
        t._l0 += 19 * q;
        ulong c = t._l0 >> 51; t._l0 &= Mask51;
        t._l1 += c; c = t._l1 >> 51; t._l1 &= Mask51;
        t._l2 += c; c = t._l2 >> 51; t._l2 &= Mask51;
        t._l3 += c; c = t._l3 >> 51; t._l3 &= Mask51;
        t._l4 += c; t._l4 &= Mask51;
        ulong w0 = t._l0 | (t._l1 << 51);
        ulong w1 = (t._l1 >> 13) | (t._l2 << 38);
        ulong w2 = (t._l2 >> 26) | (t._l3 << 25);
        ulong w3 = (t._l3 >> 39) | (t._l4 << 12);
        BinaryPrimitives.WriteUInt64LittleEndian(s[..8], w0);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..16], w1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..24], w2);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..32], w3);
    }

    internal readonly bool IsZero()
    {
        Span<byte> b = stackalloc byte[32];
        ToBytes(b);
        foreach (var x in b)
        {
            if (x != 0)
            {
                return false;
            }
        }

        return true;
    }

    internal static Field25519 Add(in Field25519 a, in Field25519 b)
    {
        var r = new Field25519
        {
            _l0 = a._l0 + b._l0,
            _l1 = a._l1 + b._l1,
            _l2 = a._l2 + b._l2,
            _l3 = a._l3 + b._l3,
            _l4 = a._l4 + b._l4,
        };
        r.Carry();
        return r;
    }

    internal static Field25519 Sub(in Field25519 a, in Field25519 b)
    {
        // Add 2p before subtracting so that no limb underflows (inputs are carried, limbs < 2^52).
        var r = new Field25519
        {
            _l0 = a._l0 + 0xFFFFFFFFFFFDAUL - b._l0,
            _l1 = a._l1 + 0xFFFFFFFFFFFFEUL - b._l1,
            _l2 = a._l2 + 0xFFFFFFFFFFFFEUL - b._l2,
            _l3 = a._l3 + 0xFFFFFFFFFFFFEUL - b._l3,
            _l4 = a._l4 + 0xFFFFFFFFFFFFEUL - b._l4,
        };
        r.Carry();
        return r;
    }

    // Limbs stay below 2^52 between operations, so each column of a product is a sum of five terms below
    // 2^52 · 19 · 2^52 < 2^109: it fits 128 bits with room to spare. The arithmetic below is unchecked on purpose
    // (the project compiles with overflow checks, which would turn every 128-bit add into a slow checked one).
    // Column sums are kept as (lo, hi) pairs of ulong rather than UInt128: the JIT keeps those in registers.
    internal static Field25519 Mul(in Field25519 a, in Field25519 b)
    {
        unchecked
        {
            ulong a0 = a._l0, a1 = a._l1, a2 = a._l2, a3 = a._l3, a4 = a._l4;
            ulong b0 = b._l0, b1 = b._l1, b2 = b._l2, b3 = b._l3, b4 = b._l4;
            ulong b1_19 = b1 * 19, b2_19 = b2 * 19, b3_19 = b3 * 19, b4_19 = b4 * 19;

            Product(a0, b0, out ulong c0, out ulong h0);
            Accumulate(ref c0, ref h0, a1, b4_19);
            Accumulate(ref c0, ref h0, a2, b3_19);
            Accumulate(ref c0, ref h0, a3, b2_19);
            Accumulate(ref c0, ref h0, a4, b1_19);

            Product(a0, b1, out ulong c1, out ulong h1);
            Accumulate(ref c1, ref h1, a1, b0);
            Accumulate(ref c1, ref h1, a2, b4_19);
            Accumulate(ref c1, ref h1, a3, b3_19);
            Accumulate(ref c1, ref h1, a4, b2_19);

            Product(a0, b2, out ulong c2, out ulong h2);
            Accumulate(ref c2, ref h2, a1, b1);
            Accumulate(ref c2, ref h2, a2, b0);
            Accumulate(ref c2, ref h2, a3, b4_19);
            Accumulate(ref c2, ref h2, a4, b3_19);

            Product(a0, b3, out ulong c3, out ulong h3);
            Accumulate(ref c3, ref h3, a1, b2);
            Accumulate(ref c3, ref h3, a2, b1);
            Accumulate(ref c3, ref h3, a3, b0);
            Accumulate(ref c3, ref h3, a4, b4_19);

            Product(a0, b4, out ulong c4, out ulong h4);
            Accumulate(ref c4, ref h4, a1, b3);
            Accumulate(ref c4, ref h4, a2, b2);
            Accumulate(ref c4, ref h4, a3, b1);
            Accumulate(ref c4, ref h4, a4, b0);

            return Reduce(c0, h0, c1, h1, c2, h2, c3, h3, c4, h4);
        }
    }

    internal static Field25519 Square(in Field25519 a)
    {
        unchecked
        {
            ulong a0 = a._l0, a1 = a._l1, a2 = a._l2, a3 = a._l3, a4 = a._l4;
            ulong d0 = a0 * 2, d1 = a1 * 2, d2 = a2 * 2, d3 = a3 * 2;
            ulong a3_19 = a3 * 19, a4_19 = a4 * 19;

            Product(a0, a0, out ulong c0, out ulong h0);
            Accumulate(ref c0, ref h0, d1, a4_19);
            Accumulate(ref c0, ref h0, d2, a3_19);

            Product(d0, a1, out ulong c1, out ulong h1);
            Accumulate(ref c1, ref h1, d2, a4_19);
            Accumulate(ref c1, ref h1, a3, a3_19);

            Product(d0, a2, out ulong c2, out ulong h2);
            Accumulate(ref c2, ref h2, a1, a1);
            Accumulate(ref c2, ref h2, d3, a4_19);

            Product(d0, a3, out ulong c3, out ulong h3);
            Accumulate(ref c3, ref h3, d1, a2);
            Accumulate(ref c3, ref h3, a4, a4_19);

            Product(d0, a4, out ulong c4, out ulong h4);
            Accumulate(ref c4, ref h4, d1, a3);
            Accumulate(ref c4, ref h4, a2, a2);

            return Reduce(c0, h0, c1, h1, c2, h2, c3, h3, c4, h4);
        }
    }

    /// <summary>(hi, lo) = x · y. BMI2's mulx for the high half plus an imul keeps both in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Product(ulong x, ulong y, out ulong lo, out ulong hi)
    {
        unchecked
        {
            if (Bmi2.X64.IsSupported)
            {
                hi = Bmi2.X64.MultiplyNoFlags(x, y);
                lo = x * y;
            }
            else if (ArmBase.Arm64.IsSupported)
            {
                hi = ArmBase.Arm64.MultiplyHigh(x, y);
                lo = x * y;
            }
            else
            {
                hi = Math.BigMul(x, y, out lo);
            }
        }
    }

    /// <summary>(hi, lo) += x · y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref ulong lo, ref ulong hi, ulong x, ulong y)
    {
        unchecked
        {
            Product(x, y, out ulong l, out ulong h);
            lo += l;
            hi += h + (lo < l ? 1UL : 0UL);
        }
    }

    private static Field25519 SquareTimes(Field25519 a, int n)
    {
        for (int i = 0; i < n; i++)
        {
            a = Square(a);
        }

        return a;
    }

    /// <summary>z^(p−2) = 1/z (ref10 <c>fe_invert</c> addition chain); 0 maps to 0.</summary>
    internal static Field25519 Invert(in Field25519 z)
    {
        var z2 = Square(z);
        var t = SquareTimes(z2, 2);
        var z9 = Mul(t, z);
        var z11 = Mul(z9, z2);
        t = Square(z11);
        var z2_5_0 = Mul(t, z9);
        t = SquareTimes(z2_5_0, 5);
        var z2_10_0 = Mul(t, z2_5_0);
        t = SquareTimes(z2_10_0, 10);
        var z2_20_0 = Mul(t, z2_10_0);
        t = SquareTimes(z2_20_0, 20);
        t = Mul(t, z2_20_0);
        t = SquareTimes(t, 10);
        var z2_50_0 = Mul(t, z2_10_0);
        t = SquareTimes(z2_50_0, 50);
        var z2_100_0 = Mul(t, z2_50_0);
        t = SquareTimes(z2_100_0, 100);
        t = Mul(t, z2_100_0);
        t = SquareTimes(t, 50);
        t = Mul(t, z2_50_0);
        t = SquareTimes(t, 5);
        return Mul(t, z11);
    }

    private static Field25519 Reduce(ulong c0, ulong h0, ulong c1, ulong h1, ulong c2, ulong h2, ulong c3, ulong h3, ulong c4, ulong h4)
    {
        unchecked
        {
            ulong carry = (c0 >> 51) | (h0 << 13);
            ulong r0 = c0 & Mask51;
            c1 += carry;
            h1 += c1 < carry ? 1UL : 0UL;
            carry = (c1 >> 51) | (h1 << 13);
            ulong r1 = c1 & Mask51;
            c2 += carry;
            h2 += c2 < carry ? 1UL : 0UL;
            carry = (c2 >> 51) | (h2 << 13);
            ulong r2 = c2 & Mask51;
            c3 += carry;
            h3 += c3 < carry ? 1UL : 0UL;
            carry = (c3 >> 51) | (h3 << 13);
            ulong r3 = c3 & Mask51;
            c4 += carry;
            h4 += c4 < carry ? 1UL : 0UL;
            carry = (c4 >> 51) | (h4 << 13);
            ulong r4 = c4 & Mask51;
            r0 += carry * 19;
            r1 += r0 >> 51;
            r0 &= Mask51;
            return new Field25519 { _l0 = r0, _l1 = r1, _l2 = r2, _l3 = r3, _l4 = r4 };
        }
    }

    private void Carry()
    {
        ulong c = _l0 >> 51; _l0 &= Mask51;
        _l1 += c; c = _l1 >> 51; _l1 &= Mask51;
        _l2 += c; c = _l2 >> 51; _l2 &= Mask51;
        _l3 += c; c = _l3 >> 51; _l3 &= Mask51;
        _l4 += c; c = _l4 >> 51; _l4 &= Mask51;
        _l0 += c * 19;
        c = _l0 >> 51; _l0 &= Mask51;
        _l1 += c;
    }
}
