using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Org.BouncyCastle.Crypto.Digests;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>
/// Sotto's Keccak (<see cref="Keccak"/>): FIPS 202 known answers, every message length across several blocks
/// against BouncyCastle's SHA-3, the lane jobs <see cref="MlKemEngine"/> schedules, and the four-way permutation
/// (both its AVX-512 and its plain 256-bit form) against four one-at-a-time permutations.
/// </summary>
public sealed class KeccakTests
{
    // FIPS 202 example values (NIST CSRC "SHA-3 examples"): the empty string and "abc".
    [Theory]
    [InlineData("", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")]
    [InlineData("616263", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    public void Sha3_256MatchesFips202Examples(string message, string expected)
    {
        var hash = new byte[32];
        Keccak.Sha3_256(Hex.Decode(message), hash);
        Assert.Equal(expected, Hex.Encode(hash));
    }

    [Fact]
    public void Sha3_512AndShake256MatchFips202ExamplesForAbc()
    {
        var hash = new byte[64];
        Keccak.Sha3_512("abc"u8, [], hash);
        Assert.Equal("b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0", Hex.Encode(hash));

        var shake = new byte[32];
        Keccak.Shake256([], [], shake);
        Assert.Equal("46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f", Hex.Encode(shake));
    }

    [Fact]
    public void SpongesMatchBouncyCastleForEveryLengthUpToFiveBlocks()
    {
        var rng = new SeededRandom("keccak/lengths");
        var data = new byte[700];
        rng.Fill(data);
        for (int length = 0; length <= data.Length; length++)
        {
            var message = data.AsSpan(0, length);
            int split = length / 3;

            var ours256 = new byte[32];
            Keccak.Sha3_256(message, ours256);
            Assert.Equal(BouncyCastle(new Sha3Digest(256), message, 32), ours256);

            var ours512 = new byte[64];
            Keccak.Sha3_512(message[..split], message[split..], ours512);
            Assert.Equal(BouncyCastle(new Sha3Digest(512), message, 64), ours512);

            int outputLength = 1 + (length * 7 % 400);
            var oursShake = new byte[outputLength];
            Keccak.Shake256(message[..split], message[split..], oursShake);
            Assert.Equal(BouncyCastle(new ShakeDigest(256), message, outputLength), oursShake);
        }
    }

    [Fact]
    public void FourWayPrfMatchesOneAtATimeShake()
    {
        var rng = new SeededRandom("keccak/x4");
        var seed = new byte[32];
        rng.Fill(seed);
        byte[][] outputs = [new byte[136], new byte[136], new byte[136], new byte[136]];
        KeccakState4 state = default;
        Keccak.AbsorbShake256x4(ref state, seed, 9, 10, 11, 12);
        Keccak.SqueezeBlock4(ref state, 136, outputs[0], outputs[1], outputs[2], outputs[3]);
        for (int lane = 0; lane < 4; lane++)
        {
            byte[] input = [.. seed, (byte)(9 + lane)];
            Assert.Equal(BouncyCastle(new ShakeDigest(256), input, 136), outputs[lane]);
        }
    }

    [Fact]
    public void Rate136LaneBlocksAreThePaddedInputAndItsHashIsTheSponge()
    {
        var rng = new SeededRandom("keccak/rate136lane");
        var data = new byte[700];
        rng.Fill(data);
        // Around block boundaries (136·k − 1, 136·k, 136·k + 1), with prefixes that end mid-block.
        int[] lengths = [0, 1, 135, 136, 137, 271, 272, 273, 500];
        foreach (int a in lengths)
        {
            foreach (int b in lengths)
            {
                var prefix = data.AsSpan(0, Math.Min(a, 200));
                var message = data.AsSpan(200, b);
                var output = new byte[100];
                var lane = new Rate136Lane(prefix, message, Keccak.ShakeDomain, output);

                // pad10*1 after the domain bits: input ‖ 0x1F ‖ 0… ‖ 0x80, to a whole number of blocks.
                byte[] input = [.. prefix, .. message];
                var expected = new byte[136 * ((input.Length / 136) + 1)];
                input.CopyTo(expected, 0);
                expected[input.Length] ^= Keccak.ShakeDomain;
                expected[^1] ^= 0x80;
                Assert.Equal(expected.Length / 136, lane.Blocks);
                var blocks = new byte[expected.Length + 136];
                for (int i = 0; i <= lane.Blocks; i++)
                {
                    lane.FillBlock(i, blocks.AsSpan(136 * i, 136));
                }

                Assert.Equal(expected, blocks[..expected.Length]);
                Assert.Equal(new byte[136], blocks[expected.Length..]);

                lane.ComputeScalar();
                Assert.Equal(BouncyCastle(new ShakeDigest(256), input, 100), output);
            }
        }
    }

    [Fact]
    public void EveryFourWayPermutationFormMatchesFourScalarPermutations()
    {
        var rng = new SeededRandom("keccak/permute4");
        var scalar = new KeccakState[4];
        KeccakState4 vector = default;
        var bytes = new byte[8];
        for (int i = 0; i < 25; i++)
        {
            var lanes = new ulong[4];
            for (int t = 0; t < 4; t++)
            {
                rng.Fill(bytes);
                lanes[t] = BitConverter.ToUInt64(bytes);
                scalar[t][i] = lanes[t];
            }

            vector[i] = Vector256.Create(lanes);
        }

        var plain = vector;
        Keccak.PermuteVector256(ref plain);
        for (int t = 0; t < 4; t++)
        {
            Keccak.Permute(ref scalar[t]);
        }

        for (int i = 0; i < 25; i++)
        {
            Assert.Equal(Vector256.Create(scalar[0][i], scalar[1][i], scalar[2][i], scalar[3][i]), plain[i]);
        }

        if (Avx512F.VL.IsSupported)
        {
            var avx512 = vector;
            Keccak.PermuteAvx512(ref avx512);
            for (int i = 0; i < 25; i++)
            {
                Assert.Equal(plain[i], avx512[i]);
            }
        }
    }

    private static byte[] BouncyCastle(Org.BouncyCastle.Crypto.IDigest digest, ReadOnlySpan<byte> message, int outputLength)
    {
        digest.BlockUpdate(message);
        var output = new byte[outputLength];
        if (digest is ShakeDigest shake)
        {
            shake.OutputFinal(output);
        }
        else
        {
            digest.DoFinal(output);
        }

        return output;
    }
}
