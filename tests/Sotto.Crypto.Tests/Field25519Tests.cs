using System.Numerics;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

/// <summary><see cref="Field25519"/> against <see cref="BigInteger"/> arithmetic modulo p = 2^255 − 19.</summary>
public sealed class Field25519Tests
{
    private static readonly BigInteger P = (BigInteger.One << 255) - 19;

    // Edge values: 0, 1, p − 1, p, p + 1, 2^255 − 1 (bit 255 is ignored), values with all limbs saturated.
    private static readonly string[] Edges =
    [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "1300000000000000000000000000000000000000000000000000000000000080",
    ];

    public static TheoryData<string> EdgeEncodings => [.. Edges];

    [Theory]
    [MemberData(nameof(EdgeEncodings))]
    public void ToBytesGivesTheCanonicalValueOfTheInput(string hex)
    {
        var bytes = Hex.Decode(hex);
        var actual = new byte[32];
        Field25519.FromBytes(bytes).ToBytes(actual);
        Assert.Equal(Encode(Decode(bytes) % P), actual);
    }

    [Fact]
    public void ArithmeticMatchesBigIntegerOnRandomAndEdgeInputs()
    {
        var rng = new SeededRandom("field25519");
        var inputs = Edges.Select(Hex.Decode).ToList();
        for (int i = 0; i < 200; i++)
        {
            var b = new byte[32];
            rng.Fill(b);
            inputs.Add(b);
        }

        var out1 = new byte[32];
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            var y = inputs[(i * 7 + 3) % inputs.Count];
            BigInteger bx = Decode(x) % P, by = Decode(y) % P;
            var fx = Field25519.FromBytes(x);
            var fy = Field25519.FromBytes(y);

            Field25519.Mul(fx, fy).ToBytes(out1);
            Assert.Equal(Encode(bx * by % P), out1);
            Field25519.Square(fx).ToBytes(out1);
            Assert.Equal(Encode(bx * bx % P), out1);
            Field25519.Add(fx, fy).ToBytes(out1);
            Assert.Equal(Encode((bx + by) % P), out1);
            Field25519.Sub(fx, fy).ToBytes(out1);
            Assert.Equal(Encode(((bx - by) % P + P) % P), out1);

            // Chains keep limbs within the bounds the next operation assumes.
            var chained = Field25519.Mul(Field25519.Add(Field25519.Square(fx), fy), Field25519.Sub(fy, fx));
            chained.ToBytes(out1);
            Assert.Equal(Encode(((bx * bx + by) * (by - bx) % P + P) % P), out1);

            Field25519.Invert(fx).ToBytes(out1);
            Assert.Equal(Encode(BigInteger.ModPow(bx, P - 2, P)), out1);
            Assert.Equal(bx.IsZero, fx.IsZero());
        }
    }

    private static BigInteger Decode(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[31] &= 0x7F;
        return new BigInteger(copy, isUnsigned: true, isBigEndian: false);
    }

    private static byte[] Encode(BigInteger value)
    {
        var result = new byte[32];
        Assert.True(value.TryWriteBytes(result, out _, isUnsigned: true, isBigEndian: false));
        return result;
    }
}
