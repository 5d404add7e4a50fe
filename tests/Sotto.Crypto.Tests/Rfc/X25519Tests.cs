using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Rfc;

/// <summary>RFC 7748 known answers.</summary>
public sealed class X25519Tests
{
    // RFC 7748 §5.2: scalar, u-coordinate, output.
    public static TheoryData<string, string, string> Rfc7748Section5_2 => new()
    {
        {
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
        },
        {
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc7748Section5_2))]
    public void AgreeMatchesRfc7748Section5_2(string scalar, string u, string expected)
    {
        var shared = new byte[32];
        Assert.True(X25519.TryAgree(Hex.Decode(scalar), Hex.Decode(u), shared));
        Assert.Equal(expected, Hex.Encode(shared));
    }

    // RFC 7748 §5.2: starting from k = u = 9, set k, u = X25519(k, u), k; the value of k after 1 and 1,000
    // iterations. (The 1,000,000-iteration value, 10^6 × ~30 µs ≈ 30 s here, is left out of the suite.)
    public static TheoryData<int, string> Rfc7748Section5_2Iterations => new()
    {
        { 1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079" },
        { 1_000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51" },
    };

    [Theory]
    [MemberData(nameof(Rfc7748Section5_2Iterations))]
    public void IteratedAgreeMatchesRfc7748Section5_2(int iterations, string expected)
    {
        var k = new byte[32];
        var u = new byte[32];
        var next = new byte[32];
        k[0] = 9;
        u[0] = 9;
        for (int i = 0; i < iterations; i++)
        {
            Assert.True(X25519.TryAgree(k, u, next));
            k.CopyTo(u);
            next.CopyTo(k);
        }

        Assert.Equal(expected, Hex.Encode(k));
    }

    [Fact]
    public void DiffieHellmanMatchesRfc7748Section6_1()
    {
        var alicePriv = Hex.Decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bobPriv = Hex.Decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        var alicePub = new byte[32];
        var bobPub = new byte[32];
        X25519.DerivePublicKey(alicePriv, alicePub);
        X25519.DerivePublicKey(bobPriv, bobPub);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Hex.Encode(alicePub));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Hex.Encode(bobPub));
        var k1 = new byte[32];
        var k2 = new byte[32];
        Assert.True(X25519.TryAgree(alicePriv, bobPub, k1));
        Assert.True(X25519.TryAgree(bobPriv, alicePub, k2));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Hex.Encode(k1));
        Assert.Equal(k1, k2);
    }

    [Fact]
    public void AgreeMatchesLibsignalTestAgreement()
    {
        // libsignal rust/core/src/curve/curve25519.rs, test_agreement.
        var alicePrivate = Hex.Decode("c806439dc9d2c476ffed8f2580c0888d58ab406bf7ae3698879021b96bb4bf59");
        var bobPrivate = Hex.Decode("b03b34c33a1c44f225b662d2bf4859b8135411fa7b0386d45fb75dc5b91b4466");
        var alicePublic = new byte[32];
        var bobPublic = new byte[32];
        X25519.DerivePublicKey(alicePrivate, alicePublic);
        X25519.DerivePublicKey(bobPrivate, bobPublic);
        Assert.Equal("1bb75966f2e93a3691dfff942bb2a466a1c08b8d78ca3f4d6df8b8bfa2e4ee28", Hex.Encode(alicePublic));
        Assert.Equal("653614993d2b15ee9e5fd3d86ce719ef4ec1daae1886a87b3f5fa9565a27a22f", Hex.Encode(bobPublic));

        var shared = new byte[32];
        Assert.True(X25519.TryAgree(alicePrivate, bobPublic, shared));
        Assert.Equal("325f239328941ced6e673b86ba41017448e99b649a9c3806c1dd7ca4c477e629", Hex.Encode(shared));
        Assert.True(X25519.TryAgree(bobPrivate, alicePublic, shared));
        Assert.Equal("325f239328941ced6e673b86ba41017448e99b649a9c3806c1dd7ca4c477e629", Hex.Encode(shared));
    }

    [Fact]
    public void AgreeWithLowOrderPointReturnsFalse()
    {
        var priv = new byte[32];
        X25519.GeneratePrivateKey(new SeededRandom(1), priv);
        var zeroPoint = new byte[32];
        var shared = new byte[32];
        Assert.False(X25519.TryAgree(priv, zeroPoint, shared));
        Assert.All(shared, b => Assert.Equal(0, b));
    }
}
