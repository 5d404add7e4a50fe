using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Rfc;

/// <summary><see cref="Ed25519SigningKey"/> against RFC 8032 §7.1 and against <see cref="Ed25519.Sign"/>.</summary>
public sealed class Ed25519SigningKeyTests
{
    [Fact]
    public void SignMatchesRfc8032Section7_1Test1()
    {
        using var key = new Ed25519SigningKey(Hex.Decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Hex.Encode(key.PublicKey));
        var signature = new byte[64];
        key.Sign([], signature);
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Hex.Encode(signature));
    }

    [Fact]
    public void SignaturesEqualThoseOfTheSeedBasedSigner()
    {
        var random = new SeededRandom(5);
        var seed = new byte[32];
        random.Fill(seed);
        var message = new byte[333];
        random.Fill(message);
        using var key = new Ed25519SigningKey(seed);
        var expanded = new byte[64];
        var direct = new byte[64];
        key.Sign(message, expanded);
        Ed25519.Sign(seed, message, direct);
        Assert.Equal(direct, expanded);
        Assert.True(Ed25519.Verify(key.PublicKey, message, expanded));
        Assert.Equal(seed, key.ExportSeed());
    }
}
