namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>hkdf_sha256_test.json</c> through <see cref="Hkdf"/>: valid cases give exactly <c>okm</c>, both in one step
/// and as Extract then Expand. The three invalid cases ask for 8,161 bytes, one more than 255 × 32; an output size
/// is the caller's choice, so Sotto rejects it as a caller bug with <see cref="ArgumentException"/>.
/// </summary>
public sealed class HkdfWycheproofTests
{
    private const string VectorFile = "hkdf_sha256_test.json";

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("HKDF-SHA-256", file.Algorithm);
        Assert.Equal((83, 3, 0), file.Count());
        Assert.Equal(86, Cases.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DeriveKeyMatchesTheVector(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        byte[] ikm = c.Bytes("ikm"), salt = c.Bytes("salt"), info = c.Bytes("info");
        var okm = new byte[c.Int("size")];

        if (c.Result == WycheproofResult.Valid)
        {
            Hkdf.DeriveKey(ikm, salt, info, okm);
            Assert.Equal(c.Bytes("okm"), okm);

            var prk = new byte[Hkdf.HashSize];
            var twoStep = new byte[okm.Length];
            Hkdf.Extract(salt, ikm, prk);
            Hkdf.Expand(prk, info, twoStep);
            Assert.Equal(okm, twoStep);
        }
        else
        {
            Assert.True(c.HasFlag("SizeTooLarge"), c.ToString());
            Assert.Throws<ArgumentException>(() => Hkdf.DeriveKey(ikm, salt, info, okm));
            var prk = new byte[Hkdf.HashSize];
            Hkdf.Extract(salt, ikm, prk);
            Assert.Throws<ArgumentException>(() => Hkdf.Expand(prk, info, okm));
        }
    }
}
