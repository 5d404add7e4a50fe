using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>The 25 lanes of one Keccak-f[1600] state (FIPS 202 §3.1), lane (x, y) at index x + 5y.</summary>
[InlineArray(25)]
internal struct KeccakState
{
    private ulong _lane;
}

/// <summary>Four Keccak-f[1600] states side by side: element t of vector i is lane i of instance t.</summary>
[InlineArray(25)]
internal struct KeccakState4
{
    private Vector256<ulong> _lane;
}

/// <summary>
/// Keccak-f[1600] (FIPS 202 §3) and the sponges ML-KEM needs: SHA3-256 (H), SHA3-512 (G), SHAKE128 (XOF) and
/// SHAKE256 (J, PRF), one instance at a time or four at once (<see cref="Permute4"/>, for the matrix and noise
/// sampling of FIPS 203, whose instances are independent).
/// </summary>
/// <remarks>
/// Managed code: the round function is fully unrolled over locals (two rounds per loop iteration, A → E → A, after
/// the Keccak team's "readable and compact" implementation); the four-way permutation keeps one instance per
/// 64-bit element of a <see cref="Vector256{T}"/> and uses AVX-512VL rotates and ternary logic when present.
/// Every operation is branch-free and indexes memory only by public lengths, so hashing secrets is constant
/// time. Callers zero states that held secrets (<see cref="Clear(ref KeccakState)"/>).
/// </remarks>
internal static class Keccak
{
    internal const int Shake128Rate = 168;
    internal const int Shake256Rate = 136;
    internal const int Sha3_256Rate = 136;
    internal const int Sha3_512Rate = 72;
    internal const byte Sha3Domain = 0x06;
    internal const byte ShakeDomain = 0x1F;

    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ];

    /// <summary>SHA3-256 (FIPS 202 §6.1) of <paramref name="data"/> into 32 bytes.</summary>
    internal static void Sha3_256(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        KeccakState state = default;
        AbsorbFinal(ref state, Sha3_256Rate, data, [], Sha3Domain);
        Squeeze(ref state, Sha3_256Rate, hash[..32]);
        Clear(ref state);
    }

    /// <summary>SHA3-512 of <c>first ‖ second</c> into 64 bytes.</summary>
    internal static void Sha3_512(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> hash)
    {
        KeccakState state = default;
        AbsorbFinal(ref state, Sha3_512Rate, first, second, Sha3Domain);
        Squeeze(ref state, Sha3_512Rate, hash[..64]);
        Clear(ref state);
    }

    /// <summary>SHAKE256 of <c>first ‖ second</c>, <paramref name="output"/>.Length bytes.</summary>
    internal static void Shake256(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> output)
    {
        KeccakState state = default;
        AbsorbFinal(ref state, Shake256Rate, first, second, ShakeDomain);
        Squeeze(ref state, Shake256Rate, output);
        Clear(ref state);
    }

    /// <summary>
    /// Absorbs <c>first ‖ second</c> into a zeroed <paramref name="state"/> and pads it (domain bits, then pad10*1),
    /// leaving the state ready to squeeze.
    /// </summary>
    internal static void AbsorbFinal(ref KeccakState state, int rate, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, byte domain)
    {
        int offset = 0;
        Absorb(ref state, rate, ref offset, first);
        Absorb(ref state, rate, ref offset, second);
        XorByte(ref state, offset, domain);
        XorByte(ref state, rate - 1, 0x80);
    }

    private static void Absorb(ref KeccakState state, int rate, ref int offset, ReadOnlySpan<byte> data)
    {
        if (offset > 0)
        {
            int n = Math.Min(rate - offset, data.Length);
            XorBytes(ref state, offset, data[..n]);
            data = data[n..];
            offset += n;
            if (offset < rate)
            {
                return;
            }

            Permute(ref state);
            offset = 0;
        }

        int lanes = rate / 8;
        while (data.Length >= rate)
        {
            for (int i = 0; i < lanes; i++)
            {
                state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(8 * i, 8));
            }

            Permute(ref state);
            data = data[rate..];
        }

        XorBytes(ref state, 0, data);
        offset = data.Length;
    }

    /// <summary>Squeezes <paramref name="output"/>.Length bytes from a padded state, permuting first.</summary>
    internal static void Squeeze(ref KeccakState state, int rate, Span<byte> output)
    {
        while (true)
        {
            Permute(ref state);
            int n = Math.Min(rate, output.Length);
            ExtractBytes(ref state, output[..n]);
            output = output[n..];
            if (output.IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>Squeezes whole blocks (<c>output.Length</c> a multiple of <paramref name="rate"/>), permuting before each.</summary>
    internal static void SqueezeBlocks(ref KeccakState state, int rate, Span<byte> output)
    {
        for (int offset = 0; offset < output.Length; offset += rate)
        {
            Permute(ref state);
            ExtractBytes(ref state, output.Slice(offset, rate));
        }
    }

    internal static void Clear(ref KeccakState state) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<ulong>)state));

    internal static void Clear(ref KeccakState4 state) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<Vector256<ulong>>)state));

    private static void XorByte(ref KeccakState state, int offset, byte value) =>
        state[offset >> 3] ^= (ulong)value << (8 * (offset & 7));

    private static void XorBytes(ref KeccakState state, int offset, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            XorByte(ref state, offset + i, data[i]);
        }
    }

    private static void ExtractBytes(ref KeccakState state, Span<byte> output)
    {
        int lanes = output.Length >> 3;
        for (int i = 0; i < lanes; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.Slice(8 * i, 8), state[i]);
        }

        for (int i = 8 * lanes; i < output.Length; i++)
        {
            output[i] = unchecked((byte)(state[i >> 3] >> (8 * (i & 7))));
        }
    }

    /// <summary>
    /// Absorbs <c>seed ‖ nonce[t]</c> into instance t of a SHAKE256 four-way state and pads it: ML-KEM's
    /// PRF(σ, N) for four nonces.
    /// </summary>
    internal static void AbsorbShake256x4(ref KeccakState4 state, ReadOnlySpan<byte> seed, byte nonce0, byte nonce1, byte nonce2, byte nonce3)
    {
        AbsorbSeed(ref state, seed);
        const ulong pad = (ulong)ShakeDomain << 8;
        state[4] = Vector256.Create(nonce0 | pad, nonce1 | pad, nonce2 | pad, nonce3 | pad);
        state[(Shake256Rate / 8) - 1] = Vector256.Create(0x80UL << 56);
    }

    private static void AbsorbSeed(ref KeccakState4 state, ReadOnlySpan<byte> seed)
    {
        Span<Vector256<ulong>> lanes = state;
        lanes.Clear();
        for (int i = 0; i < 4; i++)
        {
            lanes[i] = Vector256.Create(BinaryPrimitives.ReadUInt64LittleEndian(seed.Slice(8 * i, 8)));
        }
    }

    /// <summary>Permutes, then writes the first <paramref name="rate"/> bytes of each instance to its output.</summary>
    internal static void SqueezeBlock4(ref KeccakState4 state, int rate, Span<byte> output0, Span<byte> output1, Span<byte> output2, Span<byte> output3)
    {
        Permute4(ref state);
        output0 = output0[..rate];
        output1 = output1[..rate];
        output2 = output2[..rate];
        output3 = output3[..rate];
        for (int i = 0; i < rate / 8; i++)
        {
            var lane = state[i];
            BinaryPrimitives.WriteUInt64LittleEndian(output0.Slice(8 * i, 8), lane.GetElement(0));
            BinaryPrimitives.WriteUInt64LittleEndian(output1.Slice(8 * i, 8), lane.GetElement(1));
            BinaryPrimitives.WriteUInt64LittleEndian(output2.Slice(8 * i, 8), lane.GetElement(2));
            BinaryPrimitives.WriteUInt64LittleEndian(output3.Slice(8 * i, 8), lane.GetElement(3));
        }
    }

    /// <summary>Keccak-f[1600] on one state.</summary>
    internal static void Permute(ref KeccakState state) => PermuteScalar(ref state);

    /// <summary>Keccak-f[1600] on four independent states at once.</summary>
    internal static void Permute4(ref KeccakState4 state)
    {
        if (Avx512F.VL.IsSupported)
        {
            PermuteAvx512(ref state);
        }
        else
        {
            PermuteVector256(ref state);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rol(Vector256<ulong> value, [ConstantExpected(Min = 1, Max = 63)] int count) =>
        Vector256.ShiftLeft(value, count) | Vector256.ShiftRightLogical(value, 64 - count);

    [SkipLocalsInit]
    private static void PermuteScalar(ref KeccakState state)
    {
        ulong aba = state[0];
        ulong abe = state[1];
        ulong abi = state[2];
        ulong abo = state[3];
        ulong abu = state[4];
        ulong aga = state[5];
        ulong age = state[6];
        ulong agi = state[7];
        ulong ago = state[8];
        ulong agu = state[9];
        ulong aka = state[10];
        ulong ake = state[11];
        ulong aki = state[12];
        ulong ako = state[13];
        ulong aku = state[14];
        ulong ama = state[15];
        ulong ame = state[16];
        ulong ami = state[17];
        ulong amo = state[18];
        ulong amu = state[19];
        ulong asa = state[20];
        ulong ase = state[21];
        ulong asi = state[22];
        ulong aso = state[23];
        ulong asu = state[24];
        ulong eba, ebe, ebi, ebo, ebu, ega, ege, egi, ego, egu, eka, eke, eki, eko, eku, ema, eme, emi, emo, emu, esa, ese, esi, eso, esu;
        ulong c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
        ReadOnlySpan<ulong> roundConstants = RoundConstants;
        for (int round = 0; round < 24; round += 2)
        {
            ulong rc0 = roundConstants[round], rc1 = roundConstants[round + 1];
            c0 = aba ^ aga ^ aka ^ ama ^ asa;
            c1 = abe ^ age ^ ake ^ ame ^ ase;
            c2 = abi ^ agi ^ aki ^ ami ^ asi;
            c3 = abo ^ ago ^ ako ^ amo ^ aso;
            c4 = abu ^ agu ^ aku ^ amu ^ asu;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = aba ^ d0;
            b1 = BitOperations.RotateLeft(age ^ d1, 44);
            b2 = BitOperations.RotateLeft(aki ^ d2, 43);
            b3 = BitOperations.RotateLeft(amo ^ d3, 21);
            b4 = BitOperations.RotateLeft(asu ^ d4, 14);
            eba = b0 ^ (~b1 & b2) ^ rc0;
            ebe = b1 ^ (~b2 & b3);
            ebi = b2 ^ (~b3 & b4);
            ebo = b3 ^ (~b4 & b0);
            ebu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(abo ^ d3, 28);
            b1 = BitOperations.RotateLeft(agu ^ d4, 20);
            b2 = BitOperations.RotateLeft(aka ^ d0, 3);
            b3 = BitOperations.RotateLeft(ame ^ d1, 45);
            b4 = BitOperations.RotateLeft(asi ^ d2, 61);
            ega = b0 ^ (~b1 & b2);
            ege = b1 ^ (~b2 & b3);
            egi = b2 ^ (~b3 & b4);
            ego = b3 ^ (~b4 & b0);
            egu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(abe ^ d1, 1);
            b1 = BitOperations.RotateLeft(agi ^ d2, 6);
            b2 = BitOperations.RotateLeft(ako ^ d3, 25);
            b3 = BitOperations.RotateLeft(amu ^ d4, 8);
            b4 = BitOperations.RotateLeft(asa ^ d0, 18);
            eka = b0 ^ (~b1 & b2);
            eke = b1 ^ (~b2 & b3);
            eki = b2 ^ (~b3 & b4);
            eko = b3 ^ (~b4 & b0);
            eku = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(abu ^ d4, 27);
            b1 = BitOperations.RotateLeft(aga ^ d0, 36);
            b2 = BitOperations.RotateLeft(ake ^ d1, 10);
            b3 = BitOperations.RotateLeft(ami ^ d2, 15);
            b4 = BitOperations.RotateLeft(aso ^ d3, 56);
            ema = b0 ^ (~b1 & b2);
            eme = b1 ^ (~b2 & b3);
            emi = b2 ^ (~b3 & b4);
            emo = b3 ^ (~b4 & b0);
            emu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(abi ^ d2, 62);
            b1 = BitOperations.RotateLeft(ago ^ d3, 55);
            b2 = BitOperations.RotateLeft(aku ^ d4, 39);
            b3 = BitOperations.RotateLeft(ama ^ d0, 41);
            b4 = BitOperations.RotateLeft(ase ^ d1, 2);
            esa = b0 ^ (~b1 & b2);
            ese = b1 ^ (~b2 & b3);
            esi = b2 ^ (~b3 & b4);
            eso = b3 ^ (~b4 & b0);
            esu = b4 ^ (~b0 & b1);

            c0 = eba ^ ega ^ eka ^ ema ^ esa;
            c1 = ebe ^ ege ^ eke ^ eme ^ ese;
            c2 = ebi ^ egi ^ eki ^ emi ^ esi;
            c3 = ebo ^ ego ^ eko ^ emo ^ eso;
            c4 = ebu ^ egu ^ eku ^ emu ^ esu;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = eba ^ d0;
            b1 = BitOperations.RotateLeft(ege ^ d1, 44);
            b2 = BitOperations.RotateLeft(eki ^ d2, 43);
            b3 = BitOperations.RotateLeft(emo ^ d3, 21);
            b4 = BitOperations.RotateLeft(esu ^ d4, 14);
            aba = b0 ^ (~b1 & b2) ^ rc1;
            abe = b1 ^ (~b2 & b3);
            abi = b2 ^ (~b3 & b4);
            abo = b3 ^ (~b4 & b0);
            abu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(ebo ^ d3, 28);
            b1 = BitOperations.RotateLeft(egu ^ d4, 20);
            b2 = BitOperations.RotateLeft(eka ^ d0, 3);
            b3 = BitOperations.RotateLeft(eme ^ d1, 45);
            b4 = BitOperations.RotateLeft(esi ^ d2, 61);
            aga = b0 ^ (~b1 & b2);
            age = b1 ^ (~b2 & b3);
            agi = b2 ^ (~b3 & b4);
            ago = b3 ^ (~b4 & b0);
            agu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(ebe ^ d1, 1);
            b1 = BitOperations.RotateLeft(egi ^ d2, 6);
            b2 = BitOperations.RotateLeft(eko ^ d3, 25);
            b3 = BitOperations.RotateLeft(emu ^ d4, 8);
            b4 = BitOperations.RotateLeft(esa ^ d0, 18);
            aka = b0 ^ (~b1 & b2);
            ake = b1 ^ (~b2 & b3);
            aki = b2 ^ (~b3 & b4);
            ako = b3 ^ (~b4 & b0);
            aku = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(ebu ^ d4, 27);
            b1 = BitOperations.RotateLeft(ega ^ d0, 36);
            b2 = BitOperations.RotateLeft(eke ^ d1, 10);
            b3 = BitOperations.RotateLeft(emi ^ d2, 15);
            b4 = BitOperations.RotateLeft(eso ^ d3, 56);
            ama = b0 ^ (~b1 & b2);
            ame = b1 ^ (~b2 & b3);
            ami = b2 ^ (~b3 & b4);
            amo = b3 ^ (~b4 & b0);
            amu = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(ebi ^ d2, 62);
            b1 = BitOperations.RotateLeft(ego ^ d3, 55);
            b2 = BitOperations.RotateLeft(eku ^ d4, 39);
            b3 = BitOperations.RotateLeft(ema ^ d0, 41);
            b4 = BitOperations.RotateLeft(ese ^ d1, 2);
            asa = b0 ^ (~b1 & b2);
            ase = b1 ^ (~b2 & b3);
            asi = b2 ^ (~b3 & b4);
            aso = b3 ^ (~b4 & b0);
            asu = b4 ^ (~b0 & b1);
        }

        state[0] = aba;
        state[1] = abe;
        state[2] = abi;
        state[3] = abo;
        state[4] = abu;
        state[5] = aga;
        state[6] = age;
        state[7] = agi;
        state[8] = ago;
        state[9] = agu;
        state[10] = aka;
        state[11] = ake;
        state[12] = aki;
        state[13] = ako;
        state[14] = aku;
        state[15] = ama;
        state[16] = ame;
        state[17] = ami;
        state[18] = amo;
        state[19] = amu;
        state[20] = asa;
        state[21] = ase;
        state[22] = asi;
        state[23] = aso;
        state[24] = asu;
    }

    [SkipLocalsInit]
    internal static void PermuteAvx512(ref KeccakState4 state)
    {
        Vector256<ulong> aba = state[0];
        Vector256<ulong> abe = state[1];
        Vector256<ulong> abi = state[2];
        Vector256<ulong> abo = state[3];
        Vector256<ulong> abu = state[4];
        Vector256<ulong> aga = state[5];
        Vector256<ulong> age = state[6];
        Vector256<ulong> agi = state[7];
        Vector256<ulong> ago = state[8];
        Vector256<ulong> agu = state[9];
        Vector256<ulong> aka = state[10];
        Vector256<ulong> ake = state[11];
        Vector256<ulong> aki = state[12];
        Vector256<ulong> ako = state[13];
        Vector256<ulong> aku = state[14];
        Vector256<ulong> ama = state[15];
        Vector256<ulong> ame = state[16];
        Vector256<ulong> ami = state[17];
        Vector256<ulong> amo = state[18];
        Vector256<ulong> amu = state[19];
        Vector256<ulong> asa = state[20];
        Vector256<ulong> ase = state[21];
        Vector256<ulong> asi = state[22];
        Vector256<ulong> aso = state[23];
        Vector256<ulong> asu = state[24];
        Vector256<ulong> eba, ebe, ebi, ebo, ebu, ega, ege, egi, ego, egu, eka, eke, eki, eko, eku, ema, eme, emi, emo, emu, esa, ese, esi, eso, esu;
        Vector256<ulong> c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
        ReadOnlySpan<ulong> roundConstants = RoundConstants;
        for (int round = 0; round < 24; round += 2)
        {
            Vector256<ulong> rc0 = Vector256.Create(roundConstants[round]), rc1 = Vector256.Create(roundConstants[round + 1]);
            c0 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(aba, aga, aka, 0x96), ama, asa, 0x96);
            c1 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(abe, age, ake, 0x96), ame, ase, 0x96);
            c2 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(abi, agi, aki, 0x96), ami, asi, 0x96);
            c3 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(abo, ago, ako, 0x96), amo, aso, 0x96);
            c4 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(abu, agu, aku, 0x96), amu, asu, 0x96);
            d0 = c4 ^ Avx512F.VL.RotateLeft(c1, 1);
            d1 = c0 ^ Avx512F.VL.RotateLeft(c2, 1);
            d2 = c1 ^ Avx512F.VL.RotateLeft(c3, 1);
            d3 = c2 ^ Avx512F.VL.RotateLeft(c4, 1);
            d4 = c3 ^ Avx512F.VL.RotateLeft(c0, 1);
            b0 = aba ^ d0;
            b1 = Avx512F.VL.RotateLeft(age ^ d1, 44);
            b2 = Avx512F.VL.RotateLeft(aki ^ d2, 43);
            b3 = Avx512F.VL.RotateLeft(amo ^ d3, 21);
            b4 = Avx512F.VL.RotateLeft(asu ^ d4, 14);
            eba = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2) ^ rc0;
            ebe = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            ebi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            ebo = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            ebu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(abo ^ d3, 28);
            b1 = Avx512F.VL.RotateLeft(agu ^ d4, 20);
            b2 = Avx512F.VL.RotateLeft(aka ^ d0, 3);
            b3 = Avx512F.VL.RotateLeft(ame ^ d1, 45);
            b4 = Avx512F.VL.RotateLeft(asi ^ d2, 61);
            ega = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            ege = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            egi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            ego = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            egu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(abe ^ d1, 1);
            b1 = Avx512F.VL.RotateLeft(agi ^ d2, 6);
            b2 = Avx512F.VL.RotateLeft(ako ^ d3, 25);
            b3 = Avx512F.VL.RotateLeft(amu ^ d4, 8);
            b4 = Avx512F.VL.RotateLeft(asa ^ d0, 18);
            eka = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            eke = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            eki = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            eko = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            eku = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(abu ^ d4, 27);
            b1 = Avx512F.VL.RotateLeft(aga ^ d0, 36);
            b2 = Avx512F.VL.RotateLeft(ake ^ d1, 10);
            b3 = Avx512F.VL.RotateLeft(ami ^ d2, 15);
            b4 = Avx512F.VL.RotateLeft(aso ^ d3, 56);
            ema = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            eme = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            emi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            emo = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            emu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(abi ^ d2, 62);
            b1 = Avx512F.VL.RotateLeft(ago ^ d3, 55);
            b2 = Avx512F.VL.RotateLeft(aku ^ d4, 39);
            b3 = Avx512F.VL.RotateLeft(ama ^ d0, 41);
            b4 = Avx512F.VL.RotateLeft(ase ^ d1, 2);
            esa = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            ese = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            esi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            eso = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            esu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);

            c0 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(eba, ega, eka, 0x96), ema, esa, 0x96);
            c1 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(ebe, ege, eke, 0x96), eme, ese, 0x96);
            c2 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(ebi, egi, eki, 0x96), emi, esi, 0x96);
            c3 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(ebo, ego, eko, 0x96), emo, eso, 0x96);
            c4 = Avx512F.VL.TernaryLogic(Avx512F.VL.TernaryLogic(ebu, egu, eku, 0x96), emu, esu, 0x96);
            d0 = c4 ^ Avx512F.VL.RotateLeft(c1, 1);
            d1 = c0 ^ Avx512F.VL.RotateLeft(c2, 1);
            d2 = c1 ^ Avx512F.VL.RotateLeft(c3, 1);
            d3 = c2 ^ Avx512F.VL.RotateLeft(c4, 1);
            d4 = c3 ^ Avx512F.VL.RotateLeft(c0, 1);
            b0 = eba ^ d0;
            b1 = Avx512F.VL.RotateLeft(ege ^ d1, 44);
            b2 = Avx512F.VL.RotateLeft(eki ^ d2, 43);
            b3 = Avx512F.VL.RotateLeft(emo ^ d3, 21);
            b4 = Avx512F.VL.RotateLeft(esu ^ d4, 14);
            aba = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2) ^ rc1;
            abe = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            abi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            abo = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            abu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(ebo ^ d3, 28);
            b1 = Avx512F.VL.RotateLeft(egu ^ d4, 20);
            b2 = Avx512F.VL.RotateLeft(eka ^ d0, 3);
            b3 = Avx512F.VL.RotateLeft(eme ^ d1, 45);
            b4 = Avx512F.VL.RotateLeft(esi ^ d2, 61);
            aga = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            age = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            agi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            ago = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            agu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(ebe ^ d1, 1);
            b1 = Avx512F.VL.RotateLeft(egi ^ d2, 6);
            b2 = Avx512F.VL.RotateLeft(eko ^ d3, 25);
            b3 = Avx512F.VL.RotateLeft(emu ^ d4, 8);
            b4 = Avx512F.VL.RotateLeft(esa ^ d0, 18);
            aka = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            ake = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            aki = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            ako = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            aku = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(ebu ^ d4, 27);
            b1 = Avx512F.VL.RotateLeft(ega ^ d0, 36);
            b2 = Avx512F.VL.RotateLeft(eke ^ d1, 10);
            b3 = Avx512F.VL.RotateLeft(emi ^ d2, 15);
            b4 = Avx512F.VL.RotateLeft(eso ^ d3, 56);
            ama = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            ame = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            ami = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            amo = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            amu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
            b0 = Avx512F.VL.RotateLeft(ebi ^ d2, 62);
            b1 = Avx512F.VL.RotateLeft(ego ^ d3, 55);
            b2 = Avx512F.VL.RotateLeft(eku ^ d4, 39);
            b3 = Avx512F.VL.RotateLeft(ema ^ d0, 41);
            b4 = Avx512F.VL.RotateLeft(ese ^ d1, 2);
            asa = Avx512F.VL.TernaryLogic(b0, b1, b2, 0xD2);
            ase = Avx512F.VL.TernaryLogic(b1, b2, b3, 0xD2);
            asi = Avx512F.VL.TernaryLogic(b2, b3, b4, 0xD2);
            aso = Avx512F.VL.TernaryLogic(b3, b4, b0, 0xD2);
            asu = Avx512F.VL.TernaryLogic(b4, b0, b1, 0xD2);
        }

        state[0] = aba;
        state[1] = abe;
        state[2] = abi;
        state[3] = abo;
        state[4] = abu;
        state[5] = aga;
        state[6] = age;
        state[7] = agi;
        state[8] = ago;
        state[9] = agu;
        state[10] = aka;
        state[11] = ake;
        state[12] = aki;
        state[13] = ako;
        state[14] = aku;
        state[15] = ama;
        state[16] = ame;
        state[17] = ami;
        state[18] = amo;
        state[19] = amu;
        state[20] = asa;
        state[21] = ase;
        state[22] = asi;
        state[23] = aso;
        state[24] = asu;
    }

    [SkipLocalsInit]
    internal static void PermuteVector256(ref KeccakState4 state)
    {
        Vector256<ulong> aba = state[0];
        Vector256<ulong> abe = state[1];
        Vector256<ulong> abi = state[2];
        Vector256<ulong> abo = state[3];
        Vector256<ulong> abu = state[4];
        Vector256<ulong> aga = state[5];
        Vector256<ulong> age = state[6];
        Vector256<ulong> agi = state[7];
        Vector256<ulong> ago = state[8];
        Vector256<ulong> agu = state[9];
        Vector256<ulong> aka = state[10];
        Vector256<ulong> ake = state[11];
        Vector256<ulong> aki = state[12];
        Vector256<ulong> ako = state[13];
        Vector256<ulong> aku = state[14];
        Vector256<ulong> ama = state[15];
        Vector256<ulong> ame = state[16];
        Vector256<ulong> ami = state[17];
        Vector256<ulong> amo = state[18];
        Vector256<ulong> amu = state[19];
        Vector256<ulong> asa = state[20];
        Vector256<ulong> ase = state[21];
        Vector256<ulong> asi = state[22];
        Vector256<ulong> aso = state[23];
        Vector256<ulong> asu = state[24];
        Vector256<ulong> eba, ebe, ebi, ebo, ebu, ega, ege, egi, ego, egu, eka, eke, eki, eko, eku, ema, eme, emi, emo, emu, esa, ese, esi, eso, esu;
        Vector256<ulong> c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
        ReadOnlySpan<ulong> roundConstants = RoundConstants;
        for (int round = 0; round < 24; round += 2)
        {
            Vector256<ulong> rc0 = Vector256.Create(roundConstants[round]), rc1 = Vector256.Create(roundConstants[round + 1]);
            c0 = aba ^ aga ^ aka ^ ama ^ asa;
            c1 = abe ^ age ^ ake ^ ame ^ ase;
            c2 = abi ^ agi ^ aki ^ ami ^ asi;
            c3 = abo ^ ago ^ ako ^ amo ^ aso;
            c4 = abu ^ agu ^ aku ^ amu ^ asu;
            d0 = c4 ^ Rol(c1, 1);
            d1 = c0 ^ Rol(c2, 1);
            d2 = c1 ^ Rol(c3, 1);
            d3 = c2 ^ Rol(c4, 1);
            d4 = c3 ^ Rol(c0, 1);
            b0 = aba ^ d0;
            b1 = Rol(age ^ d1, 44);
            b2 = Rol(aki ^ d2, 43);
            b3 = Rol(amo ^ d3, 21);
            b4 = Rol(asu ^ d4, 14);
            eba = b0 ^ Vector256.AndNot(b2, b1) ^ rc0;
            ebe = b1 ^ Vector256.AndNot(b3, b2);
            ebi = b2 ^ Vector256.AndNot(b4, b3);
            ebo = b3 ^ Vector256.AndNot(b0, b4);
            ebu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(abo ^ d3, 28);
            b1 = Rol(agu ^ d4, 20);
            b2 = Rol(aka ^ d0, 3);
            b3 = Rol(ame ^ d1, 45);
            b4 = Rol(asi ^ d2, 61);
            ega = b0 ^ Vector256.AndNot(b2, b1);
            ege = b1 ^ Vector256.AndNot(b3, b2);
            egi = b2 ^ Vector256.AndNot(b4, b3);
            ego = b3 ^ Vector256.AndNot(b0, b4);
            egu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(abe ^ d1, 1);
            b1 = Rol(agi ^ d2, 6);
            b2 = Rol(ako ^ d3, 25);
            b3 = Rol(amu ^ d4, 8);
            b4 = Rol(asa ^ d0, 18);
            eka = b0 ^ Vector256.AndNot(b2, b1);
            eke = b1 ^ Vector256.AndNot(b3, b2);
            eki = b2 ^ Vector256.AndNot(b4, b3);
            eko = b3 ^ Vector256.AndNot(b0, b4);
            eku = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(abu ^ d4, 27);
            b1 = Rol(aga ^ d0, 36);
            b2 = Rol(ake ^ d1, 10);
            b3 = Rol(ami ^ d2, 15);
            b4 = Rol(aso ^ d3, 56);
            ema = b0 ^ Vector256.AndNot(b2, b1);
            eme = b1 ^ Vector256.AndNot(b3, b2);
            emi = b2 ^ Vector256.AndNot(b4, b3);
            emo = b3 ^ Vector256.AndNot(b0, b4);
            emu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(abi ^ d2, 62);
            b1 = Rol(ago ^ d3, 55);
            b2 = Rol(aku ^ d4, 39);
            b3 = Rol(ama ^ d0, 41);
            b4 = Rol(ase ^ d1, 2);
            esa = b0 ^ Vector256.AndNot(b2, b1);
            ese = b1 ^ Vector256.AndNot(b3, b2);
            esi = b2 ^ Vector256.AndNot(b4, b3);
            eso = b3 ^ Vector256.AndNot(b0, b4);
            esu = b4 ^ Vector256.AndNot(b1, b0);

            c0 = eba ^ ega ^ eka ^ ema ^ esa;
            c1 = ebe ^ ege ^ eke ^ eme ^ ese;
            c2 = ebi ^ egi ^ eki ^ emi ^ esi;
            c3 = ebo ^ ego ^ eko ^ emo ^ eso;
            c4 = ebu ^ egu ^ eku ^ emu ^ esu;
            d0 = c4 ^ Rol(c1, 1);
            d1 = c0 ^ Rol(c2, 1);
            d2 = c1 ^ Rol(c3, 1);
            d3 = c2 ^ Rol(c4, 1);
            d4 = c3 ^ Rol(c0, 1);
            b0 = eba ^ d0;
            b1 = Rol(ege ^ d1, 44);
            b2 = Rol(eki ^ d2, 43);
            b3 = Rol(emo ^ d3, 21);
            b4 = Rol(esu ^ d4, 14);
            aba = b0 ^ Vector256.AndNot(b2, b1) ^ rc1;
            abe = b1 ^ Vector256.AndNot(b3, b2);
            abi = b2 ^ Vector256.AndNot(b4, b3);
            abo = b3 ^ Vector256.AndNot(b0, b4);
            abu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(ebo ^ d3, 28);
            b1 = Rol(egu ^ d4, 20);
            b2 = Rol(eka ^ d0, 3);
            b3 = Rol(eme ^ d1, 45);
            b4 = Rol(esi ^ d2, 61);
            aga = b0 ^ Vector256.AndNot(b2, b1);
            age = b1 ^ Vector256.AndNot(b3, b2);
            agi = b2 ^ Vector256.AndNot(b4, b3);
            ago = b3 ^ Vector256.AndNot(b0, b4);
            agu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(ebe ^ d1, 1);
            b1 = Rol(egi ^ d2, 6);
            b2 = Rol(eko ^ d3, 25);
            b3 = Rol(emu ^ d4, 8);
            b4 = Rol(esa ^ d0, 18);
            aka = b0 ^ Vector256.AndNot(b2, b1);
            ake = b1 ^ Vector256.AndNot(b3, b2);
            aki = b2 ^ Vector256.AndNot(b4, b3);
            ako = b3 ^ Vector256.AndNot(b0, b4);
            aku = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(ebu ^ d4, 27);
            b1 = Rol(ega ^ d0, 36);
            b2 = Rol(eke ^ d1, 10);
            b3 = Rol(emi ^ d2, 15);
            b4 = Rol(eso ^ d3, 56);
            ama = b0 ^ Vector256.AndNot(b2, b1);
            ame = b1 ^ Vector256.AndNot(b3, b2);
            ami = b2 ^ Vector256.AndNot(b4, b3);
            amo = b3 ^ Vector256.AndNot(b0, b4);
            amu = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(ebi ^ d2, 62);
            b1 = Rol(ego ^ d3, 55);
            b2 = Rol(eku ^ d4, 39);
            b3 = Rol(ema ^ d0, 41);
            b4 = Rol(ese ^ d1, 2);
            asa = b0 ^ Vector256.AndNot(b2, b1);
            ase = b1 ^ Vector256.AndNot(b3, b2);
            asi = b2 ^ Vector256.AndNot(b4, b3);
            aso = b3 ^ Vector256.AndNot(b0, b4);
            asu = b4 ^ Vector256.AndNot(b1, b0);
        }

        state[0] = aba;
        state[1] = abe;
        state[2] = abi;
        state[3] = abo;
        state[4] = abu;
        state[5] = aga;
        state[6] = age;
        state[7] = agi;
        state[8] = ago;
        state[9] = agu;
        state[10] = aka;
        state[11] = ake;
        state[12] = aki;
        state[13] = ako;
        state[14] = aku;
        state[15] = ama;
        state[16] = ame;
        state[17] = ami;
        state[18] = amo;
        state[19] = amu;
        state[20] = asa;
        state[21] = ase;
        state[22] = asi;
        state[23] = aso;
        state[24] = asu;
    }
}

/// <summary>
/// A rate-136 sponge (SHA3-256 or SHAKE256, chosen by the domain byte) over <c>prefix ‖ message</c> into an output of
/// at most one block, as a job for a lane of a four-way state (<see cref="MlKemEngine"/> runs such hashes alongside
/// its matrix sampling) or computed on its own (<see cref="ComputeScalar"/>). An empty output means no job.
/// </summary>
internal readonly ref struct Rate136Lane
{
    private readonly ReadOnlySpan<byte> _prefix;
    private readonly ReadOnlySpan<byte> _message;
    private readonly byte _domain;

    internal Rate136Lane(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> message, byte domain, Span<byte> output)
    {
        if (output.Length > Keccak.Shake256Rate)
        {
            Error.ThrowArgument(nameof(output), "A rate-136 lane squeezes one block at most.");
        }

        _prefix = prefix;
        _message = message;
        _domain = domain;
        Output = output;
    }

    internal Span<byte> Output { get; }

    /// <summary>Absorbing permutations the lane needs (the last one holds the padding); 0 when unused.</summary>
    internal int Blocks => Output.IsEmpty ? 0 : ((_prefix.Length + _message.Length) / Keccak.Shake256Rate) + 1;

    /// <summary>Computes the hash one-at-a-time (the portable path); nothing when the output is empty.</summary>
    internal void ComputeScalar()
    {
        if (Output.IsEmpty)
        {
            return;
        }

        KeccakState state = default;
        Keccak.AbsorbFinal(ref state, Keccak.Shake256Rate, _prefix, _message, _domain);
        Keccak.Squeeze(ref state, Keccak.Shake256Rate, Output);
        Keccak.Clear(ref state);
    }

    /// <summary>Block <paramref name="index"/> of the lane's padded input; zeros past its end.</summary>
    internal void FillBlock(int index, Span<byte> block)
    {
        block.Clear();
        if (index >= Blocks)
        {
            return;
        }

        int start = index * Keccak.Shake256Rate;
        int end = Math.Min(start + Keccak.Shake256Rate, _prefix.Length + _message.Length);
        for (int at = start; at < end;)
        {
            int n;
            if (at < _prefix.Length)
            {
                n = Math.Min(_prefix.Length, end) - at;
                _prefix.Slice(at, n).CopyTo(block[(at - start)..]);
            }
            else
            {
                n = end - at;
                _message.Slice(at - _prefix.Length, n).CopyTo(block[(at - start)..]);
            }

            at += n;
        }

        if (index == Blocks - 1)
        {
            block[end - start] ^= _domain;
            block[Keccak.Shake256Rate - 1] ^= 0x80;
        }
    }
}
