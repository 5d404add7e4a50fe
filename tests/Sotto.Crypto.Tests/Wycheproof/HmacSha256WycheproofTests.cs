namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>hmac_sha256_test.json</c> through <see cref="HmacSha256"/>, including the groups with 128-bit truncated
/// tags: a valid tag is the prefix of <see cref="HmacSha256.Compute"/> and <see cref="HmacSha256.Verify"/>
/// accepts it; an invalid (modified) tag is refused. No <c>acceptable</c> cases.
/// </summary>
public sealed class HmacSha256WycheproofTests
{
    private const string VectorFile = "hmac_sha256_test.json";

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("HMACSHA256", file.Algorithm);
        Assert.Equal((66, 108, 0), file.Count());
        Assert.Equal(174, Cases.Count);
        Assert.Equal((33, 54, 0), file.Count(c => c.GroupInt("tagSize") == 128));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VerifyAcceptsExactlyTheValidTags(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        byte[] key = c.Bytes("key"), msg = c.Bytes("msg"), tag = c.Bytes("tag");
        Assert.Equal(c.GroupInt("tagSize") / 8, tag.Length);

        bool ok = HmacSha256.Verify(key, msg, tag);

        Assert.Equal(c.Result == WycheproofResult.Valid, ok);
        if (c.Result == WycheproofResult.Valid)
        {
            var full = new byte[HmacSha256.TagSize];
            HmacSha256.Compute(key, msg, full);
            Assert.Equal(tag, full[..tag.Length]);
        }
    }
}
