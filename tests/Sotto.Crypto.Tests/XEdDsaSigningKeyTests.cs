using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

public sealed class XEdDsaSigningKeyTests
{
    [Fact]
    public void SignatureEqualsStaticSignWithTheSameRandomness()
    {
        var rng = new SeededRandom(11);
        for (int i = 0; i < 32; i++)
        {
            var priv = new byte[32];
            var pub = new byte[32];
            X25519.GeneratePrivateKey(rng, priv);
            X25519.DerivePublicKey(priv, pub);
            var message = new byte[i * 5];
            rng.Fill(message);
            var z = new byte[64];
            rng.Fill(z);

            var expected = new byte[64];
            var actual = new byte[64];
            XEdDsa.Sign(priv, message, new FixedRandom(z), expected);
            using (var key = new XEdDsaSigningKey(priv))
            {
                key.Sign(message, new FixedRandom(z), actual);
            }

            Assert.Equal(expected, actual);
            Assert.True(XEdDsa.Verify(pub, message, actual));
        }
    }

    [Fact]
    public void SignaturesOverLibsignalsTestKeyVerifyAndDifferPerCall()
    {
        var priv = Hex.Decode("c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865");
        var pub = Hex.Decode("ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64");
        var message = Hex.Decode("05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a");
        var rng = new SeededRandom(12);
        using var key = new XEdDsaSigningKey(priv);
        var first = new byte[64];
        var second = new byte[64];

        key.Sign(message, rng, first);
        key.Sign(message, rng, second);

        Assert.NotEqual(first, second);
        Assert.True(XEdDsa.Verify(pub, message, first));
        Assert.True(XEdDsa.Verify(pub, message, second));
    }

    [Fact]
    public void SignAfterDisposeThrowsObjectDisposed()
    {
        var priv = new byte[32];
        X25519.GeneratePrivateKey(new SeededRandom(13), priv);
        var key = new XEdDsaSigningKey(priv);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Sign([1, 2, 3], new SeededRandom(1), new byte[64]));
    }

    [Fact]
    public void WrongSizesThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new XEdDsaSigningKey(new byte[31]));
        var priv = new byte[32];
        X25519.GeneratePrivateKey(new SeededRandom(14), priv);
        using var key = new XEdDsaSigningKey(priv);
        Assert.Throws<ArgumentException>(() => key.Sign([1], new SeededRandom(1), new byte[63]));
    }
}
