using System.Security.Cryptography;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

/// <summary>The managed short HKDF-Expand and its SHA-256 against FIPS 180-4 and the platform implementations.</summary>
public sealed class HkdfSha256ShortTests
{
    private static byte[] Sha256(byte[] message)
    {
        var sha = Sha256Compressor.Create();
        var digest = new byte[32];
        sha.Finish(message, null, 0, digest);
        return digest;
    }

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("616263", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("6162636462636465636465666465666765666768666768696768696a68696a6b696a6b6c6a6b6c6d6b6c6d6e6c6d6e6f6d6e6f706e6f7071",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Sha256MatchesFips180_4Examples(string message, string digest) =>
        Assert.Equal(digest, Hex.Encode(Sha256(Hex.Decode(message))));

    [Fact]
    public void Sha256EqualsPlatformForEveryLengthUpTo200()
    {
        var random = new SeededRandom(11);
        for (int length = 0; length <= 200; length++)
        {
            var message = new byte[length];
            random.Fill(message);
            Assert.Equal(SHA256.HashData(message), Sha256(message));
        }
    }

    [Fact]
    public void ExpandEqualsPlatformHkdf()
    {
        var random = new SeededRandom(12);
        for (int i = 0; i < 500; i++)
        {
            var prk = new byte[32 + (i % 33)];
            var info = new byte[i % 150];
            random.Fill(prk);
            random.Fill(info);
            int length = 1 + (i % 32);
            var expected = new byte[length];
            HKDF.Expand(HashAlgorithmName.SHA256, prk, expected, info);
            var actual = new byte[length];
            HkdfSha256Short.Expand(prk, info, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void ExpandMatchesRfc5869TestCase1Prefix()
    {
        // RFC 5869 Appendix A.1: PRK and info; OKM's first 32 bytes.
        var prk = Hex.Decode("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        var okm = new byte[32];
        HkdfSha256Short.Expand(prk, Hex.Decode("f0f1f2f3f4f5f6f7f8f9"), okm);
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf", Hex.Encode(okm));
    }

    [Fact]
    public void OutputLongerThanOneHashThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => HkdfSha256Short.Expand(new byte[32], [], new byte[33]));
}
