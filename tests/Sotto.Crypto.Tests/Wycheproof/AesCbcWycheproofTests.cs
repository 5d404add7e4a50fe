namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>aes_cbc_pkcs5_test.json</c> through <see cref="AesCbc"/>: valid cases encrypt to exactly <c>ct</c> and
/// decrypt back (through both the array and the span overloads); invalid ones (bad PKCS#7 padding, wrong lengths)
/// make <c>AesCbc.TryDecrypt</c> return <see langword="false"/>. No <c>acceptable</c> cases.
/// </summary>
public sealed class AesCbcWycheproofTests
{
    private const string VectorFile = "aes_cbc_pkcs5_test.json";

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("AES-CBC-PKCS5", file.Algorithm);
        Assert.Equal((72, 144, 0), file.Count());
        Assert.Equal(216, Cases.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncryptAndDecryptMatchTheVector(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        byte[] key = c.Bytes("key"), iv = c.Bytes("iv"), msg = c.Bytes("msg"), ct = c.Bytes("ct");

        bool ok = AesCbc.TryDecrypt(key, iv, ct, out var plaintext);

        var destination = new byte[Math.Max(0, ct.Length - 1)];
        bool spanOk = AesCbc.TryDecrypt(key, iv, ct, destination, out int written);

        if (c.Result == WycheproofResult.Valid)
        {
            Assert.True(ok, c.ToString());
            Assert.Equal(msg, plaintext);
            Assert.True(spanOk);
            Assert.Equal(msg, destination[..written]);
            Assert.Equal(ct, AesCbc.Encrypt(key, iv, msg));
            var encrypted = new byte[ct.Length];
            Assert.True(AesCbc.TryEncrypt(key, iv, msg, encrypted, out written));
            Assert.Equal(ct, encrypted[..written]);
        }
        else
        {
            Assert.False(ok, c.ToString());
            Assert.Empty(plaintext);
            Assert.False(spanOk);
            Assert.Equal(0, written);
            Assert.All(destination, b => Assert.Equal(0, b));
        }
    }
}
