namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>aes_gcm_test.json</c> through <see cref="AesGcmAead"/>, groups with a 96-bit IV only: Sotto's AEAD takes
/// 12-byte nonces (RFC 5116, and every protocol Sotto speaks), so the 119 cases with other IV sizes are out of
/// scope and not run. Valid cases encrypt to exactly <c>ct ‖ tag</c> and decrypt back; invalid ones (modified
/// tags and ciphertexts) fail to decrypt and leave a zeroed plaintext buffer.
/// </summary>
public sealed class AesGcmWycheproofTests
{
    private const string VectorFile = "aes_gcm_test.json";

    private static bool InScope(WycheproofCase c) => c.GroupInt("ivSize") == 96 && c.GroupInt("tagSize") == 128;

    public static TheoryData<int> Cases => WycheproofFile.TcIds(VectorFile, InScope);

    [Fact]
    public void FileHoldsEveryExpectedCase()
    {
        var file = WycheproofFile.Load(VectorFile);
        Assert.Equal("AES-GCM", file.Algorithm);
        Assert.Equal(316, file.NumberOfTests);
        Assert.Equal((116, 81, 0), file.Count(InScope));
        Assert.Equal(197, Cases.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncryptAndDecryptMatchTheVector(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        byte[] key = c.Bytes("key"), iv = c.Bytes("iv"), aad = c.Bytes("aad"), msg = c.Bytes("msg");
        byte[] sealedBox = [.. c.Bytes("ct"), .. c.Bytes("tag")];
        var plaintext = new byte[sealedBox.Length - AesGcmAead.TagSize];
        plaintext.AsSpan().Fill(0xA5);

        bool ok = AesGcmAead.TryDecrypt(key, iv, sealedBox, aad, plaintext);

        if (c.Result == WycheproofResult.Valid)
        {
            Assert.True(ok, c.ToString());
            Assert.Equal(msg, plaintext);
            Assert.Equal(sealedBox, AesGcmAead.Encrypt(key, iv, msg, aad));
        }
        else
        {
            Assert.False(ok, c.ToString());
            Assert.All(plaintext, b => Assert.Equal(0, b));
        }
    }
}
