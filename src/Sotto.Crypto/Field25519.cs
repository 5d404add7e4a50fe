using System.Buffers.Binary;

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

    internal static Field25519 Mul(in Field25519 a, in Field25519 b)
    {
        ulong b1_19 = b._l1 * 19, b2_19 = b._l2 * 19, b3_19 = b._l3 * 19, b4_19 = b._l4 * 19;
        UInt128 t0 = M(a._l0, b._l0) + M(a._l1, b4_19) + M(a._l2, b3_19) + M(a._l3, b2_19) + M(a._l4, b1_19);
        UInt128 t1 = M(a._l0, b._l1) + M(a._l1, b._l0) + M(a._l2, b4_19) + M(a._l3, b3_19) + M(a._l4, b2_19);
        UInt128 t2 = M(a._l0, b._l2) + M(a._l1, b._l1) + M(a._l2, b._l0) + M(a._l3, b4_19) + M(a._l4, b3_19);
        UInt128 t3 = M(a._l0, b._l3) + M(a._l1, b._l2) + M(a._l2, b._l1) + M(a._l3, b._l0) + M(a._l4, b4_19);
        UInt128 t4 = M(a._l0, b._l4) + M(a._l1, b._l3) + M(a._l2, b._l2) + M(a._l3, b._l1) + M(a._l4, b._l0);
        return Reduce(t0, t1, t2, t3, t4);
    }

    internal static Field25519 Square(in Field25519 a) => Mul(a, a);

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

    private static UInt128 M(ulong x, ulong y) => (UInt128)x * y;

    private static Field25519 Reduce(UInt128 t0, UInt128 t1, UInt128 t2, UInt128 t3, UInt128 t4)
    {
        // The narrowing casts below take the low 64 bits on purpose.
        unchecked
        {
            t1 += (ulong)(t0 >> 51);
            ulong r0 = (ulong)t0 & Mask51;
            t2 += (ulong)(t1 >> 51);
            ulong r1 = (ulong)t1 & Mask51;
            t3 += (ulong)(t2 >> 51);
            ulong r2 = (ulong)t2 & Mask51;
            t4 += (ulong)(t3 >> 51);
            ulong r3 = (ulong)t3 & Mask51;
            ulong c = (ulong)(t4 >> 51);
            ulong r4 = (ulong)t4 & Mask51;
            r0 += c * 19;
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
