namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>x25519_test.json</c> through <see cref="X25519.TryAgree"/>. Every case has a decision:
/// <list type="bullet">
/// <item><c>valid</c>: agreement succeeds with exactly the expected secret.</item>
/// <item><c>acceptable</c> + <c>ZeroSharedSecret</c> (every <c>LowOrderPublic</c> case carries it): rejected.
///   RFC 7748 §6.1 allows the all-zero check and libsignal makes it (<c>rust/core/src/curve.rs</c>: an
///   all-zero agreement is an error), so a low-order peer key must fail here too.</item>
/// <item>every other <c>acceptable</c> case (<c>Twist</c>, <c>NonCanonicalPublic</c>, <c>SmallPublicKey</c>,
///   <c>SpecialPublicKey</c>, <c>EdgeCase*</c>): accepted with exactly the expected secret. RFC 7748 §5 defines
///   X25519 on the whole u-line (twist points included) and requires non-canonical u to be reduced mod p,
///   which is what libsignal's x25519-dalek does; none of these yields a zero secret.</item>
/// </list>
/// </summary>
public sealed class X25519WycheproofTests
{
    private const string VectorFile = "x25519_test.json";

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("XDH", file.Algorithm);
        Assert.Equal((264, 0, 254), file.Count());
        Assert.Equal(518, Cases.Count);
        Assert.Equal(31, file.Cases.Count(c => c.HasFlag("ZeroSharedSecret")));
        Assert.All(file.Cases.Where(c => c.HasFlag("LowOrderPublic")), c => Assert.True(c.HasFlag("ZeroSharedSecret"), c.ToString()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AgreeGivesTheExpectedSecretOrRejectsZero(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        var expected = c.Bytes("shared");
        var shared = new byte[X25519.KeySize];
        shared.AsSpan().Fill(0xA5);

        bool ok = X25519.TryAgree(c.Bytes("private"), c.Bytes("public"), shared);

        if (c.HasFlag("ZeroSharedSecret"))
        {
            Assert.Equal(WycheproofResult.Acceptable, c.Result);
            Assert.Equal(new byte[32], expected);
            Assert.False(ok, c.ToString());
            Assert.Equal(new byte[32], shared);
        }
        else
        {
            Assert.True(ok, c.ToString());
            Assert.Equal(expected, shared);
        }
    }
}
