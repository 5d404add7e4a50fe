using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>ed25519_test.json</c> through <see cref="Ed25519.Verify"/>: every <c>valid</c> signature verifies and every
/// <c>invalid</c> one (malformed lengths, s ≥ L, non-canonical or modified R …) is refused. The file has no
/// <c>acceptable</c> cases.
/// </summary>
public sealed class Ed25519WycheproofTests
{
    private const string VectorFile = "ed25519_test.json";

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("EDDSA", file.Algorithm);
        Assert.Equal((88, 63, 0), file.Count());
        Assert.Equal(151, Cases.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VerifyAcceptsExactlyTheValidSignatures(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        var publicKey = Hex.Decode(c.Group.GetProperty("publicKey").GetProperty("pk").GetString()!);

        bool ok = Ed25519.Verify(publicKey, c.Bytes("msg"), c.Bytes("sig"));

        Assert.Equal(c.Result == WycheproofResult.Valid, ok);
    }
}
