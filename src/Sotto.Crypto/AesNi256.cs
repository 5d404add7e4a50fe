using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Sotto.Crypto;

/// <summary>
/// AES-256 (FIPS 197) in CBC mode with PKCS#7 padding on x86-64 AES-NI, for <see cref="AesCbc"/>. The key schedule
/// is the one in Intel's AES-NI white paper (Gueron, "Intel Advanced Encryption Standard (AES) New Instructions
/// Set", §5.1, AES_256_Key_Expansion); decryption uses the equivalent inverse cipher (round keys through
/// AESIMC). AES-NI runs in constant time; the padding check below does too.
/// </summary>
/// <remarks>
/// Owns nothing: round keys live in a stack buffer that is zeroed before returning. Callers check lengths,
/// overlap and <see cref="IsSupported"/>; <see cref="AesCbc"/> is the only caller.
/// </remarks>
internal static class AesNi256
{
    internal const int KeySize = 32;
    private const int Rounds = 14;

    internal static bool IsSupported => X86Aes.IsSupported && Sse2.IsSupported;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/> (exactly the padded length).</summary>
    internal static void EncryptCbc(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        RoundKeys rk = default;
        Span<byte> last = stackalloc byte[16];
        try
        {
            ExpandEncryptionKey(key, ref rk);
            var chain = Load(iv);
            int full = plaintext.Length / 16;
            for (int i = 0; i < full; i++)
            {
                chain = EncryptBlock(Load(plaintext.Slice(16 * i)) ^ chain, ref rk);
                Store(chain, destination.Slice(16 * i));
            }

            int tail = plaintext.Length - 16 * full;
            plaintext.Slice(16 * full, tail).CopyTo(last);
            last[tail..].Fill((byte)(16 - tail));
            chain = EncryptBlock(Load(last) ^ chain, ref rk);
            Store(chain, destination.Slice(16 * full));
        }
        finally
        {
            Clear(ref rk);
            CryptographicOperations.ZeroMemory(last);
        }
    }

    /// <summary>
    /// Decrypts whole blocks (the caller checked the length) and strips the padding. The last block is decrypted
    /// first, so that only the plaintext — never the padding — is written, and <paramref name="destination"/>
    /// needs <c>ciphertext.Length − 1</c> bytes at most. Blocks are read before the block at the same offset is
    /// written, so decrypting in place works.
    /// </summary>
    internal static bool TryDecryptCbc(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int bytesWritten)
    {
        RoundKeys rk = default;
        Span<byte> last = stackalloc byte[16];
        try
        {
            ExpandDecryptionKey(key, ref rk);
            int blocks = ciphertext.Length / 16;
            var beforeLast = blocks > 1 ? Load(ciphertext.Slice(16 * (blocks - 2))) : Load(iv);
            var lastCipher = Load(ciphertext.Slice(16 * (blocks - 1)));
            Store(DecryptBlock(lastCipher, ref rk) ^ beforeLast, last);

            // PKCS#7, in constant time: 1 ≤ pad ≤ 16 and the last pad bytes all equal pad.
            int pad = last[15];
            int bad = ((pad - 1) >> 31) | ((16 - pad) >> 31);
            for (int i = 0; i < 16; i++)
            {
                int inPadding = (i - pad) >> 31;
                bad |= inPadding & (last[15 - i] ^ pad);
            }

            if (bad != 0)
            {
                bytesWritten = 0;
                CryptographicOperations.ZeroMemory(destination[..Math.Min(destination.Length, ciphertext.Length - 1)]);
                return false;
            }

            var chain = Load(iv);
            int i4 = 0;
            for (; i4 + 4 <= blocks - 1; i4 += 4)
            {
                var c0 = Load(ciphertext.Slice(16 * i4));
                var c1 = Load(ciphertext.Slice(16 * (i4 + 1)));
                var c2 = Load(ciphertext.Slice(16 * (i4 + 2)));
                var c3 = Load(ciphertext.Slice(16 * (i4 + 3)));
                DecryptBlocks4(c0, c1, c2, c3, ref rk, out var p0, out var p1, out var p2, out var p3);
                Store(p0 ^ chain, destination.Slice(16 * i4));
                Store(p1 ^ c0, destination.Slice(16 * (i4 + 1)));
                Store(p2 ^ c1, destination.Slice(16 * (i4 + 2)));
                Store(p3 ^ c2, destination.Slice(16 * (i4 + 3)));
                chain = c3;
            }

            for (; i4 < blocks - 1; i4++)
            {
                var c = Load(ciphertext.Slice(16 * i4));
                Store(DecryptBlock(c, ref rk) ^ chain, destination.Slice(16 * i4));
                chain = c;
            }

            int tail = 16 - pad;
            last[..tail].CopyTo(destination.Slice(16 * (blocks - 1)));
            bytesWritten = 16 * (blocks - 1) + tail;
            return true;
        }
        finally
        {
            Clear(ref rk);
            CryptographicOperations.ZeroMemory(last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptBlock(Vector128<byte> block, ref RoundKeys rk)
    {
        block ^= rk[0];
        for (int r = 1; r < Rounds; r++)
        {
            block = X86Aes.Encrypt(block, rk[r]);
        }

        return X86Aes.EncryptLast(block, rk[Rounds]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> DecryptBlock(Vector128<byte> block, ref RoundKeys rk)
    {
        block ^= rk[0];
        for (int r = 1; r < Rounds; r++)
        {
            block = X86Aes.Decrypt(block, rk[r]);
        }

        return X86Aes.DecryptLast(block, rk[Rounds]);
    }

    /// <summary>Four independent blocks at once: AESDEC has a latency of several cycles but issues every cycle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecryptBlocks4(
        Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2, Vector128<byte> b3, ref RoundKeys rk,
        out Vector128<byte> p0, out Vector128<byte> p1, out Vector128<byte> p2, out Vector128<byte> p3)
    {
        var k = rk[0];
        b0 ^= k;
        b1 ^= k;
        b2 ^= k;
        b3 ^= k;
        for (int r = 1; r < Rounds; r++)
        {
            k = rk[r];
            b0 = X86Aes.Decrypt(b0, k);
            b1 = X86Aes.Decrypt(b1, k);
            b2 = X86Aes.Decrypt(b2, k);
            b3 = X86Aes.Decrypt(b3, k);
        }

        k = rk[Rounds];
        p0 = X86Aes.DecryptLast(b0, k);
        p1 = X86Aes.DecryptLast(b1, k);
        p2 = X86Aes.DecryptLast(b2, k);
        p3 = X86Aes.DecryptLast(b3, k);
    }

    /// <summary>AES_256_Key_Expansion: 15 round keys, two per round constant.</summary>
    private static void ExpandEncryptionKey(ReadOnlySpan<byte> key, ref RoundKeys rk)
    {
        var t1 = Load(key);
        var t3 = Load(key[16..]);
        rk[0] = t1;
        rk[1] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x01));
        rk[2] = t1;
        t3 = Assist2(t1, t3);
        rk[3] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x02));
        rk[4] = t1;
        t3 = Assist2(t1, t3);
        rk[5] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x04));
        rk[6] = t1;
        t3 = Assist2(t1, t3);
        rk[7] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x08));
        rk[8] = t1;
        t3 = Assist2(t1, t3);
        rk[9] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x10));
        rk[10] = t1;
        t3 = Assist2(t1, t3);
        rk[11] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x20));
        rk[12] = t1;
        t3 = Assist2(t1, t3);
        rk[13] = t3;
        t1 = Assist1(t1, X86Aes.KeygenAssist(t3, 0x40));
        rk[14] = t1;
    }

    /// <summary>The equivalent inverse cipher's schedule: reversed, inner keys through InvMixColumns.</summary>
    private static void ExpandDecryptionKey(ReadOnlySpan<byte> key, ref RoundKeys rk)
    {
        RoundKeys enc = default;
        try
        {
            ExpandEncryptionKey(key, ref enc);
            rk[0] = enc[Rounds];
            for (int r = 1; r < Rounds; r++)
            {
                rk[r] = X86Aes.InverseMixColumns(enc[Rounds - r]);
            }

            rk[Rounds] = enc[0];
        }
        finally
        {
            Clear(ref enc);
        }
    }

    /// <summary>KEY_256_ASSIST_1: the even round key from the previous one and KEYGENASSIST of the odd one.</summary>
    private static Vector128<byte> Assist1(Vector128<byte> t1, Vector128<byte> assist)
    {
        var t2 = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        var t4 = Sse2.ShiftLeftLogical128BitLane(t1, 4);
        t1 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 ^= t4;
        return t1 ^ t2;
    }

    /// <summary>KEY_256_ASSIST_2: the odd round key from the new even one (SubWord without rotation).</summary>
    private static Vector128<byte> Assist2(Vector128<byte> t1, Vector128<byte> t3)
    {
        var t2 = Sse2.Shuffle(X86Aes.KeygenAssist(t1, 0x00).AsUInt32(), 0xAA).AsByte();
        var t4 = Sse2.ShiftLeftLogical128BitLane(t3, 4);
        t3 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 ^= t4;
        return t3 ^ t2;
    }

    private static void Clear(ref RoundKeys rk)
    {
        Span<Vector128<byte>> keys = rk;
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(keys));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load(ReadOnlySpan<byte> source) => Vector128.Create(source[..16]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<byte> value, Span<byte> destination) => value.CopyTo(destination[..16]);

    [InlineArray(Rounds + 1)]
    private struct RoundKeys
    {
        private Vector128<byte> _key;
    }
}
