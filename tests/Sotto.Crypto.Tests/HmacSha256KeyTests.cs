using System.Security.Cryptography;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

/// <summary>
/// <see cref="HmacSha256Key"/> (HMAC with a precomputed key schedule, and HKDF on it) against .NET's HMACSHA256 and
/// HKDF, and both SHA-256 compression back ends against each other and against .NET's SHA-256.
/// </summary>
public sealed class HmacSha256KeyTests
{
    [Fact]
    public void TagsEqualDotNetHmacForEveryKeyAndMessageLength()
    {
        var random = new SeededRandom(1);
        var tag = new byte[32];
        foreach (int keyLength in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 100, 200 })
        {
            var key = new byte[keyLength];
            random.Fill(key);
            using var prepared = new HmacSha256Key(key);
            for (int length = 0; length <= 300; length++)
            {
                var message = new byte[length];
                random.Fill(message);
                prepared.Compute(message, tag);
                Assert.Equal(HMACSHA256.HashData(key, message), tag);
            }
        }
    }

    [Fact]
    public void MultiPartTagEqualsTheTagOfTheConcatenation()
    {
        var random = new SeededRandom(2);
        var key = new byte[32];
        random.Fill(key);
        using var prepared = new HmacSha256Key(key);
        var tag = new byte[32];
        for (int i = 0; i < 500; i++)
        {
            var a = new byte[random.Next(130)];
            var b = new byte[random.Next(130)];
            var c = new byte[random.Next(130)];
            random.Fill(a);
            random.Fill(b);
            random.Fill(c);
            prepared.Compute(a, b, c, tag);
            Assert.Equal(HMACSHA256.HashData(key, (byte[])[.. a, .. b, .. c]), tag);
        }
    }

    [Fact]
    public void HkdfEqualsDotNetHkdfIncludingEmptySaltAndLongOutputs()
    {
        var random = new SeededRandom(3);
        foreach (int outputLength in new[] { 1, 31, 32, 33, 64, 80, 96, 255, 1000, Hkdf.MaxOutputSize })
        {
            foreach (int saltLength in new[] { 0, 32, 80 })
            {
                var ikm = new byte[1 + random.Next(200)];
                var salt = new byte[saltLength];
                var info = new byte[random.Next(60)];
                random.Fill(ikm);
                random.Fill(salt);
                random.Fill(info);
                var ours = new byte[outputLength];
                HmacSha256Key.DeriveHkdf(ikm, salt, info, ours);
                Assert.Equal(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, outputLength, salt, info), ours);
            }
        }
    }

    [Fact]
    public void HkdfRefusesEmptyAndOverlongOutputs()
    {
        Assert.Throws<ArgumentException>(() => HmacSha256Key.DeriveHkdf([1], [], [], []));
        Assert.Throws<ArgumentException>(() => HmacSha256Key.DeriveHkdf([1], [], [], new byte[Hkdf.MaxOutputSize + 1]));
        Assert.Throws<ArgumentException>(() =>
        {
            using var key = new HmacSha256Key([1]);
            key.Compute([], new byte[31]);
        });
    }

    [Fact]
    public void ManagedAndNativeCompressionAgreeWithDotNetSha256()
    {
        var random = new SeededRandom(4);
        for (int blocks = 1; blocks <= 8; blocks++)
        {
            var data = new byte[blocks * 64];
            random.Fill(data);
            var managed = Sha256State.Initial;
            Sha256Block.CompressManaged(ref managed, data);
            if (Sha256Block.IsNative)
            {
                var native = Sha256State.Initial;
                Sha256Block.CompressNative(ref native, data);
                for (int i = 0; i < 8; i++)
                {
                    Assert.Equal(managed[i], native[i]);
                }
            }

            // Finish the managed state by hand and compare with SHA-256 of the same data.
            var stream = new Sha256Stream(managed, (ulong)data.Length);
            var digest = new byte[32];
            stream.Finish(digest);
            Assert.Equal(SHA256.HashData(data), digest);
        }
    }

    [Fact]
    public void OpenSslCompressionIsUsedOnLinux()
    {
        // libcrypto 3 is what .NET's cryptography itself loads on Linux; if it ever stops loading, the managed
        // fallback keeps results correct but the ratchet slows down: make that visible here.
        Assert.Equal(OperatingSystem.IsLinux(), Sha256Block.IsNative);
    }
}
