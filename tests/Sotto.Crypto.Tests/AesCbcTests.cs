using Sotto.TestSupport;
using DotNetAes = System.Security.Cryptography.Aes;
using PaddingMode = System.Security.Cryptography.PaddingMode;

namespace Sotto.Crypto.Tests;

/// <summary>
/// <see cref="AesCbc"/> against .NET's <see cref="DotNetAes"/> on many lengths and keys, and the buffer contract of
/// the span overloads. (The Wycheproof runner pins the known answers; on AES-NI machines 256-bit keys take the
/// managed AES-NI path and 128/192-bit keys the .NET path, so both are covered.)
/// </summary>
public sealed class AesCbcTests
{
    public static TheoryData<int> KeySizes => [16, 24, 32];

    [Theory]
    [MemberData(nameof(KeySizes))]
    public void EncryptAndDecryptMatchDotNetForEveryLengthUpTo100AndSomeLongOnes(int keySize)
    {
        var rng = new SeededRandom("aes-cbc/" + keySize);
        foreach (int length in Enumerable.Range(0, 101).Concat([255, 256, 257, 1000, 4103]))
        {
            byte[] key = Bytes(rng, keySize), iv = Bytes(rng, 16), plaintext = Bytes(rng, length);
            using var reference = DotNetAes.Create();
            reference.Key = key;
            var expected = reference.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);

            Assert.Equal(expected, AesCbc.Encrypt(key, iv, plaintext));

            var destination = new byte[expected.Length];
            Assert.True(AesCbc.TryEncrypt(key, iv, plaintext, destination, out int written));
            Assert.Equal(expected.Length, written);
            Assert.Equal(expected, destination);

            Assert.True(AesCbc.TryDecrypt(key, iv, expected, out var decrypted));
            Assert.Equal(plaintext, decrypted);

            var exact = new byte[expected.Length - 1];
            Assert.True(AesCbc.TryDecrypt(key, iv, expected, exact, out written));
            Assert.Equal(length, written);
            Assert.Equal(plaintext, exact[..written]);
        }
    }

    [Theory]
    [MemberData(nameof(KeySizes))]
    public void EncryptAndDecryptInPlaceGiveTheSameResult(int keySize)
    {
        var rng = new SeededRandom("aes-cbc/in-place/" + keySize);
        foreach (int length in new[] { 0, 15, 16, 17, 64, 100, 1000 })
        {
            byte[] key = Bytes(rng, keySize), iv = Bytes(rng, 16), plaintext = Bytes(rng, length);
            var expected = AesCbc.Encrypt(key, iv, plaintext);

            var buffer = new byte[expected.Length];
            plaintext.CopyTo(buffer, 0);
            Assert.True(AesCbc.TryEncrypt(key, iv, buffer.AsSpan(0, length), buffer, out _));
            Assert.Equal(expected, buffer);

            Assert.True(AesCbc.TryDecrypt(key, iv, buffer, buffer, out int written));
            Assert.Equal(plaintext, buffer[..written]);
        }
    }

    [Fact]
    public void TryEncryptIntoTooSmallDestinationReturnsFalseAndWritesNothing()
    {
        byte[] key = new byte[32], iv = new byte[16], plaintext = new byte[16];
        var destination = new byte[31];
        destination.AsSpan().Fill(0xA5);

        Assert.False(AesCbc.TryEncrypt(key, iv, plaintext, destination, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void TryDecryptIntoDestinationShorterThanCiphertextMinusOneThrows()
    {
        byte[] key = new byte[32], iv = new byte[16];
        var ciphertext = AesCbc.Encrypt(key, iv, new byte[20]);

        Assert.Throws<ArgumentException>(() => AesCbc.TryDecrypt(key, iv, ciphertext, new byte[ciphertext.Length - 2], out _));
    }

    [Theory]
    [MemberData(nameof(KeySizes))]
    public void TryDecryptWithBadPaddingReturnsFalseAndZeroesTheDestination(int keySize)
    {
        var rng = new SeededRandom("aes-cbc/padding/" + keySize);
        byte[] key = Bytes(rng, keySize), iv = Bytes(rng, 16);
        using var raw = DotNetAes.Create();
        raw.Key = key;
        // Final blocks whose padding is wrong: 0, 17, 0xFF, and "…02 03" (the last two bytes disagree).
        foreach (var lastBlock in new[] { Block(0x00), Block(0x11), Block(0xFF), Block(0x03, 0x02) })
        {
            var plaintext = new byte[48];
            rng.Fill(plaintext.AsSpan(0, 32));
            lastBlock.CopyTo(plaintext, 32);
            var ciphertext = raw.EncryptCbc(plaintext, iv, PaddingMode.None);

            var destination = new byte[ciphertext.Length];
            destination.AsSpan().Fill(0xA5);
            Assert.False(AesCbc.TryDecrypt(key, iv, ciphertext, destination, out int written));
            Assert.Equal(0, written);
            Assert.All(destination[..^1], b => Assert.Equal(0, b));
            Assert.False(AesCbc.TryDecrypt(key, iv, ciphertext, out var plaintextOut));
            Assert.Empty(plaintextOut);
        }
    }

    [Fact]
    public void TryDecryptOfEmptyOrPartialBlockCiphertextReturnsFalse()
    {
        byte[] key = new byte[32], iv = new byte[16];
        Assert.False(AesCbc.TryDecrypt(key, iv, [], out _));
        Assert.False(AesCbc.TryDecrypt(key, iv, new byte[15], out _));
        Assert.False(AesCbc.TryDecrypt(key, iv, new byte[33], new byte[40], out _));
    }

    [Fact]
    public void WrongKeyIvOrOverlappingBuffersThrowArgumentException()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => AesCbc.Encrypt(new byte[31], new byte[16], []));
        Assert.Throws<ArgumentException>(() => AesCbc.Encrypt(new byte[32], new byte[15], []));
        Assert.Throws<ArgumentException>(() => AesCbc.TryDecrypt(new byte[20], new byte[16], new byte[16], out _));
        Assert.Throws<ArgumentException>(() => AesCbc.TryEncrypt(new byte[32], new byte[16], buffer.AsSpan(0, 16), buffer.AsSpan(8), out _));
        Assert.Throws<ArgumentException>(() => AesCbc.TryDecrypt(new byte[32], new byte[16], buffer.AsSpan(16, 32), buffer.AsSpan(0, 48), out _));
    }

    private static byte[] Block(params byte[] tail)
    {
        var block = new byte[16];
        tail.CopyTo(block, 16 - tail.Length);
        return block;
    }

    private static byte[] Bytes(SeededRandom rng, int length)
    {
        var bytes = new byte[length];
        rng.Fill(bytes);
        return bytes;
    }
}
