using System.Text;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests;

/// <summary>crypto-basics.json: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, Sign/VerifyWithLabel, Encrypt/DecryptWithLabel.</summary>
public sealed class CryptoBasicsVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.Supported("crypto-basics.json");

    private static byte[] Label(System.Text.Json.JsonElement e) => Encoding.ASCII.GetBytes(e.Str("label"));

    [Theory]
    [MemberData(nameof(Entries))]
    public void RefHashMatchesVector(int index)
    {
        var v = MlsVectors.Load("crypto-basics.json")[index].GetProperty("ref_hash");
        Assert.Equal(v.Bytes("out"), CipherSuite.RefHash(Label(v), v.Bytes("value")));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ExpandWithLabelMatchesVector(int index)
    {
        var v = MlsVectors.Load("crypto-basics.json")[index].GetProperty("expand_with_label");
        Assert.Equal(v.Bytes("out"), CipherSuite.ExpandWithLabel(v.Bytes("secret"), Label(v), v.Bytes("context"), v.GetProperty("length").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void DeriveSecretMatchesVector(int index)
    {
        var v = MlsVectors.Load("crypto-basics.json")[index].GetProperty("derive_secret");
        Assert.Equal(v.Bytes("out"), CipherSuite.DeriveSecret(v.Bytes("secret"), Label(v)));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void DeriveTreeSecretMatchesVector(int index)
    {
        var v = MlsVectors.Load("crypto-basics.json")[index].GetProperty("derive_tree_secret");
        var output = new byte[v.GetProperty("length").GetInt32()];
        CipherSuite.DeriveTreeSecret(v.Bytes("secret"), Label(v), v.GetProperty("generation").GetUInt32(), output);
        Assert.Equal(v.Bytes("out"), output);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void SignWithLabelMatchesVector(int index)
    {
        var v = MlsVectors.Load("crypto-basics.json")[index].GetProperty("sign_with_label");
        var pub = v.Bytes("pub");
        var content = v.Bytes("content");
        Assert.True(CipherSuite.VerifyWithLabel(pub, Label(v), content, v.Bytes("signature")));
        using var key = new SignaturePrivateKey(v.Bytes("priv"));
        Assert.Equal(pub, key.PublicKey);
        var signature = CipherSuite.SignWithLabel(key, Label(v), content);
        Assert.True(CipherSuite.VerifyWithLabel(pub, Label(v), content, signature));
        Assert.False(CipherSuite.VerifyWithLabel(pub, Encoding.ASCII.GetBytes("other"), content, signature));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void EncryptWithLabelMatchesVector(int index)
    {
        var entry = MlsVectors.Load("crypto-basics.json")[index];
        var suite = entry.Suite();
        var v = entry.GetProperty("encrypt_with_label");
        var priv = v.Bytes("priv");
        var context = v.Bytes("context");
        var plaintext = v.Bytes("plaintext");
        Assert.Equal(plaintext, suite.DecryptWithLabel(priv, Label(v), context, v.Bytes("kem_output"), v.Bytes("ciphertext")));
        var ct = suite.EncryptWithLabel(v.Bytes("pub"), Label(v), context, plaintext, new SeededRandom((ulong)index));
        Assert.Equal(plaintext, suite.DecryptWithLabel(priv, Label(v), context, ct.KemOutput, ct.Ciphertext));
        Assert.Null(suite.DecryptWithLabel(priv, Encoding.ASCII.GetBytes("other"), context, ct.KemOutput, ct.Ciphertext));
    }
}
