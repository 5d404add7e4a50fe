using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

public sealed class XEdDsaTests
{
    [Fact]
    public void SignThenVerifySucceeds()
    {
        var rng = new SeededRandom(7);
        for (int i = 0; i < 64; i++)
        {
            var priv = new byte[32];
            var pub = new byte[32];
            X25519.GeneratePrivateKey(rng, priv);
            X25519.DerivePublicKey(priv, pub);
            var msg = new byte[i * 3];
            rng.Fill(msg);
            var sig = new byte[64];
            XEdDsa.Sign(priv, msg, rng, sig);
            Assert.True(XEdDsa.Verify(pub, msg, sig));
        }
    }

    [Fact]
    public void VerifyRejectsTamperedMessageSignatureAndKey()
    {
        var rng = new SeededRandom(8);
        var priv = new byte[32];
        var pub = new byte[32];
        X25519.GeneratePrivateKey(rng, priv);
        X25519.DerivePublicKey(priv, pub);
        var msg = "hello"u8.ToArray();
        var sig = new byte[64];
        XEdDsa.Sign(priv, msg, rng, sig);

        var badMsg = (byte[])msg.Clone();
        badMsg[0] ^= 1;
        Assert.False(XEdDsa.Verify(pub, badMsg, sig));

        for (int bit = 0; bit < 512; bit += 7)
        {
            var badSig = (byte[])sig.Clone();
            badSig[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(XEdDsa.Verify(pub, msg, badSig));
        }

        var badPub = (byte[])pub.Clone();
        badPub[5] ^= 0x10;
        Assert.False(XEdDsa.Verify(badPub, msg, sig));
        Assert.False(XEdDsa.Verify(pub[..31], msg, sig));
        Assert.False(XEdDsa.Verify(pub, msg, sig[..63]));
    }
}
