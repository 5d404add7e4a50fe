using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

public sealed class XEdDsaVerifyingKeyTests
{
    [Fact]
    public void VerifyAgreesWithStaticVerifyOnValidTamperedAndMalformedInputs()
    {
        var rng = new SeededRandom(21);
        int accepted = 0;
        for (int i = 0; i < 64; i++)
        {
            var priv = new byte[32];
            var pub = new byte[32];
            X25519.GeneratePrivateKey(rng, priv);
            X25519.DerivePublicKey(priv, pub);
            var message = new byte[i];
            rng.Fill(message);
            var signature = new byte[64];
            XEdDsa.Sign(priv, message, rng, signature);

            var key = new XEdDsaVerifyingKey(pub);
            Assert.True(key.Verify(message, signature));
            accepted++;
            for (int bit = i % 8; bit < 512; bit += 37)
            {
                var flipped = (byte[])signature.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Equal(XEdDsa.Verify(pub, message, flipped), key.Verify(message, flipped));
            }

            var random = new byte[64];
            rng.Fill(random);
            Assert.Equal(XEdDsa.Verify(pub, message, random), key.Verify(message, random));
            Assert.False(key.Verify(message, signature[..63]));
        }

        Assert.Equal(64, accepted);
    }

    [Fact]
    public void KeyWithoutAnEdwardsImageVerifiesNothing()
    {
        // u = p − 1 = −1: y = (u − 1)/(u + 1) divides by zero.
        var minusOne = Hex.Decode("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        var key = new XEdDsaVerifyingKey(minusOne);
        var signature = new byte[64];
        new SeededRandom(22).Fill(signature);

        Assert.False(key.Verify([1, 2, 3], signature));
        Assert.False(XEdDsa.Verify(minusOne, [1, 2, 3], signature));
    }

    [Fact]
    public void WrongKeySizeThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => new XEdDsaVerifyingKey(new byte[33]));
}
