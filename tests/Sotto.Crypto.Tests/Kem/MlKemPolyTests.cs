using System.Runtime.Intrinsics.X86;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>
/// The arithmetic under <see cref="MlKemEngine"/>, checked against definitions rather than another implementation:
/// NTT-domain multiplication against schoolbook multiplication in Z_q[X]/(X^256 + 1), the compressions against
/// FIPS 203 §4.2.1's rounding formula for every input, and the AVX2 kernels against the scalar ones.
/// </summary>
public sealed class MlKemPolyTests
{
    private const int Q = 3329;
    private const int R = 65536 % Q;

    [Fact]
    public void NttMultiplicationEqualsSchoolbookNegacyclicMultiplication()
    {
        var rng = new SeededRandom("poly/multiply");
        for (int round = 0; round < 20; round++)
        {
            short[] a = RandomPoly(rng, Q), b = RandomPoly(rng, Q);
            var expected = new long[256];
            for (int i = 0; i < 256; i++)
            {
                for (int j = 0; j < 256; j++)
                {
                    // X^256 = −1.
                    long product = (long)a[i] * b[j];
                    if (i + j < 256)
                    {
                        expected[i + j] += product;
                    }
                    else
                    {
                        expected[i + j - 256] -= product;
                    }
                }
            }

            short[] na = (short[])a.Clone(), nb = (short[])b.Clone();
            MlKemPoly.NttScalar(na);
            MlKemPoly.NttScalar(nb);
            var c = new short[256];
            MlKemPoly.BaseMulAccumulateScalar(c, na, nb, 1);
            MlKemPoly.InvNttScalar(c); // R^-1 from the products, R from the inverse transform: plain a·b.

            for (int i = 0; i < 256; i++)
            {
                Assert.Equal(Mod(expected[i]), Mod(c[i]));
            }
        }
    }

    [Fact]
    public void InverseNttUndoesNttTimesMontgomeryFactor()
    {
        var rng = new SeededRandom("poly/roundtrip");
        var a = RandomPoly(rng, Q);
        var b = (short[])a.Clone();
        MlKemPoly.NttScalar(b);
        MlKemPoly.InvNttScalar(b);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(Mod((long)a[i] * R), Mod(b[i]));
            Assert.InRange(b[i], -Q + 1, Q - 1);
        }
    }

    [Fact]
    public void Avx2KernelsAreCongruentToScalarKernels()
    {
        Assert.SkipUnless(Avx2.IsSupported, "AVX2 is not available on this machine.");
        var rng = new SeededRandom("poly/avx2");
        for (int round = 0; round < 200; round++)
        {
            var input = RandomPoly(rng, 4096);
            short[] scalar = (short[])input.Clone(), vector = (short[])input.Clone();
            MlKemPoly.NttScalar(scalar);
            MlKemPolyAvx2.Ntt(vector);
            AssertCongruent(scalar, vector, 2 * Q);

            input = RandomPoly(rng, Q);
            scalar = (short[])input.Clone();
            vector = (short[])input.Clone();
            MlKemPoly.InvNttScalar(scalar);
            MlKemPolyAvx2.InvNtt(vector);
            AssertCongruent(scalar, vector, Q);

            int count = 1 + (round % 4);
            short[] a = RandomPoly(rng, Q, count), b = RandomPoly(rng, 4096, count);
            short[] r1 = new short[256], r2 = new short[256];
            MlKemPoly.BaseMulAccumulateScalar(r1, a, b, count);
            MlKemPolyAvx2.BaseMulAccumulate(r2, a, b, count);
            AssertCongruent(r1, r2, Q);

            var bytes = new byte[3 * 168];
            rng.Fill(bytes);
            r1 = new short[256];
            r2 = new short[256];
            // Several blocks, as SampleNTT draws them: the count carries over, and the sampler stops at 256.
            int c1 = 0, c2 = 0;
            for (int offset = 0; offset < bytes.Length; offset += 168)
            {
                c1 = MlKemPoly.RejectionSample(r1, c1, bytes.AsSpan(offset, 168));
                c2 = MlKemPolyAvx2.RejectionSample(r2, c2, bytes.AsSpan(offset, 168));
                Assert.Equal(c1, c2);
                Assert.Equal(r1[..c1], r2[..c2]);
            }

            MlKemPoly.SampleCbd2(bytes, r1);
            MlKemPolyAvx2.SampleCbd2(bytes, r2);
            Assert.Equal(r1, r2);

            input = RandomPoly(rng, Q);
            foreach (int d in (int[])[4, 5, 10, 11])
            {
                byte[] b1 = new byte[32 * d], b2 = new byte[32 * d];
                MlKemPoly.CompressEncode(input, d, b1);
                MlKemPolyAvx2.CompressEncode(input, d, b2);
                Assert.Equal(b1, b2);
                MlKemPoly.DecodeDecompress(b1, d, r1);
                MlKemPolyAvx2.DecodeDecompress(b1, d, r2);
                Assert.Equal(r1, r2);
            }

            byte[] m1 = new byte[32], m2 = new byte[32];
            MlKemPoly.ToMessage(input, m1);
            MlKemPolyAvx2.ToMessage(input, m2);
            Assert.Equal(m1, m2);
            MlKemPoly.FromMessage(m1, r1);
            MlKemPolyAvx2.FromMessage(m1, r2);
            Assert.Equal(r1, r2);

            byte[] e1 = new byte[384], e2 = new byte[384];
            MlKemPoly.Encode12(input, e1);
            MlKemPolyAvx2.Encode12(input, e2);
            Assert.Equal(e1, e2);

            var encoded = new byte[384];
            rng.Fill(encoded);
            Assert.Equal(MlKemPoly.Decode12(encoded, r1), MlKemPolyAvx2.Decode12(encoded, r2));
            Assert.Equal(r1, r2);

            scalar = (short[])input.Clone();
            vector = (short[])input.Clone();
            MlKemPoly.ToMontgomery(scalar);
            MlKemPolyAvx2.ToMontgomery(vector);
            AssertCongruent(scalar, vector, Q);

            input = RandomPoly(rng, 8 * Q / 2, 3);
            scalar = (short[])input.Clone();
            vector = (short[])input.Clone();
            MlKemPoly.ReduceScalar(scalar);
            MlKemPolyAvx2.Reduce(vector);
            AssertCongruent(scalar, vector, Q);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(11)]
    public void CompressionMatchesTheRoundingDefinitionForEveryCoefficient(int d)
    {
        // Compress_d(x) = ⌈2^d·x/q⌋ mod 2^d, checked on all of Z_q, plus the representatives x − q in (−q, 0).
        var poly = new short[256];
        var bytes = new byte[32 * d];
        var decoded = new short[256];
        for (int first = -Q + 1; first < Q; first += 256)
        {
            for (int i = 0; i < 256; i++)
            {
                poly[i] = (short)Math.Min(first + i, Q - 1);
            }

            foreach (bool vectorized in Avx2.IsSupported ? (bool[])[false, true] : [false])
            {
                if (vectorized)
                {
                    MlKemPolyAvx2.CompressEncode(poly, d, bytes);
                }
                else
                {
                    MlKemPoly.CompressEncode(poly, d, bytes);
                }

                for (int i = 0; i < 256; i++)
                {
                    int x = ((poly[i] % Q) + Q) % Q;
                    long expected = ((((long)x << (d + 1)) + Q) / (2 * Q)) & ((1 << d) - 1);
                    Assert.Equal(expected, ReadBits(bytes, i * d, d));
                }

                // Decompress_d(y) = ⌈q·y/2^d⌋.
                if (vectorized)
                {
                    MlKemPolyAvx2.DecodeDecompress(bytes, d, decoded);
                }
                else
                {
                    MlKemPoly.DecodeDecompress(bytes, d, decoded);
                }

                for (int i = 0; i < 256; i++)
                {
                    long y = ReadBits(bytes, i * d, d);
                    Assert.Equal((((2 * Q * y) + (1L << d)) >> (d + 1)), decoded[i]);
                }
            }
        }
    }

    [Fact]
    public void MessageRoundTripsThroughDecompressAndCompress()
    {
        var rng = new SeededRandom("poly/message");
        var message = new byte[32];
        rng.Fill(message);
        var poly = new short[256];
        MlKemPoly.FromMessage(message, poly);
        // Noise below q/4 in magnitude does not flip a bit.
        for (int i = 0; i < 256; i++)
        {
            poly[i] = MlKemPoly.BarrettReduce((short)(poly[i] + rng.Next(1663) - 831));
        }

        var back = new byte[32];
        MlKemPoly.ToMessage(poly, back);
        Assert.Equal(message, back);
    }

    [Fact]
    public void Decode12ReportsTheFirstUnreducedCoefficientAnywhere()
    {
        var poly = new short[256];
        var bytes = new byte[384];
        Assert.True(MlKemPoly.Decode12(bytes, poly));
        Assert.True(!Avx2.IsSupported || MlKemPolyAvx2.Decode12(bytes, poly));
        for (int index = 0; index < 256; index++)
        {
            Array.Clear(bytes);
            int at = 3 * (index / 2);
            if (index % 2 == 0)
            {
                bytes[at] = 0x01;
                bytes[at + 1] = 0x0D; // 0xD01 = 3329 = q
            }
            else
            {
                bytes[at + 1] = 0x10;
                bytes[at + 2] = 0xD0; // 0xD01 in the high 12 bits
            }

            Assert.False(MlKemPoly.Decode12(bytes, poly));
            Assert.Equal(Q, poly[index]);
            if (Avx2.IsSupported)
            {
                Assert.False(MlKemPolyAvx2.Decode12(bytes, poly));
                Assert.Equal(Q, poly[index]);
            }
        }
    }

    private static long ReadBits(byte[] bytes, int offset, int count)
    {
        long value = 0;
        for (int i = 0; i < count; i++)
        {
            int bit = offset + i;
            value |= (long)((bytes[bit / 8] >> (bit % 8)) & 1) << i;
        }

        return value;
    }

    private static short[] RandomPoly(SeededRandom rng, int bound, int count = 1)
    {
        var poly = new short[256 * count];
        for (int i = 0; i < poly.Length; i++)
        {
            poly[i] = (short)(rng.Next((2 * bound) - 1) - bound + 1);
        }

        return poly;
    }

    private static void AssertCongruent(short[] expected, short[] actual, int bound)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(Mod(expected[i]), Mod(actual[i]));
            Assert.InRange(actual[i], -bound + 1, bound - 1);
        }
    }

    private static int Mod(long x) => (int)(((x % Q) + Q) % Q);
}
