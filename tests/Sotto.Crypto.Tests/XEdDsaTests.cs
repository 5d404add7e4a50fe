using Sotto.TestSupport;

namespace Sotto.Crypto.Tests;

public sealed class XEdDsaTests
{
    // libsignal rust/core/src/curve/curve25519.rs, test_signature: Alice's identity key signs her ephemeral key
    // (0x05 ‖ u). A signature made by libsignal's own signer; every single-bit change must fail.
    private const string LibsignalIdentityPrivate = "c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865";
    private const string LibsignalIdentityPublic = "ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64";
    private const string LibsignalMessage = "05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a";
    private const string LibsignalSignature =
        "5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88";

    [Fact]
    public void VerifyAcceptsLibsignalsTestSignatureAndRejectsEveryBitFlip()
    {
        var publicKey = new byte[32];
        X25519.DerivePublicKey(Hex.Decode(LibsignalIdentityPrivate), publicKey);
        Assert.Equal(LibsignalIdentityPublic, Hex.Encode(publicKey));
        var message = Hex.Decode(LibsignalMessage);
        var signature = Hex.Decode(LibsignalSignature);

        Assert.True(XEdDsa.Verify(publicKey, message, signature));
        for (int bit = 0; bit < 512; bit++)
        {
            var flipped = (byte[])signature.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(XEdDsa.Verify(publicKey, message, flipped), $"bit {bit}");
        }
    }

    [Fact]
    public void SignatureOverLibsignalsTestKeyVerifiesAndDependsOnTheRandomness()
    {
        var privateKey = Hex.Decode(LibsignalIdentityPrivate);
        var publicKey = Hex.Decode(LibsignalIdentityPublic);
        var message = Hex.Decode(LibsignalMessage);
        var z = new byte[64];
        var first = new byte[64];
        var again = new byte[64];
        var other = new byte[64];

        XEdDsa.Sign(privateKey, message, new FixedRandom(z), first);
        XEdDsa.Sign(privateKey, message, new FixedRandom(z), again);
        z[0] = 1;
        XEdDsa.Sign(privateKey, message, new FixedRandom(z), other);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(XEdDsa.Verify(publicKey, message, first));
        Assert.True(XEdDsa.Verify(publicKey, message, other));
        // s is reduced mod L < 2^253, so bits 253 and 254 are zero and bit 255 carries the key's sign bit.
        Assert.Equal(0, first[63] & 0x60);
    }

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
