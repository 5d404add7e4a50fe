using System.Security.Cryptography;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

/// <summary>The short HKDF-Expand against RFC 5869 and the platform implementation.</summary>
public sealed class HkdfSha256ShortTests
{
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
