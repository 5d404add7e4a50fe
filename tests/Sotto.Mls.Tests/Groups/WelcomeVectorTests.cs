using Sotto.Crypto;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;

namespace Sotto.Mls.Tests.Groups;

/// <summary>welcome.json: decrypting a Welcome, verifying its GroupInfo signature and confirmation tag.</summary>
public sealed class WelcomeVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.Supported("welcome.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void WelcomeDecryptsAndConfirms(int index)
    {
        var v = MlsVectors.Load("welcome.json")[index];
        var suite = v.Suite();
        var keyPackage = new KeyPackage(MlsMessageIn.Decode(v.Bytes("key_package")).KeyPackage!);
        var welcome = MlsMessageIn.Decode(v.Bytes("welcome")).Welcome!;
        var initPriv = v.Bytes("init_priv");
        Assert.Equal(keyPackage.InitKey, DerivePublic(initPriv));
        using var initKey = new HpkeKeyPair(new SecretBytes(initPriv), keyPackage.InitKey);

        using var decrypted = MlsGroup.DecryptWelcome(welcome, keyPackage, initKey, new MlsGroupOptions());
        Assert.True(decrypted.GroupInfo.VerifySignature(v.Bytes("signer_pub")));
        using var secrets = KeyScheduler.DeriveEpochSecrets(decrypted.Joiner, decrypted.Psk, decrypted.GroupInfo.GroupContext.Encode());
        Assert.True(secrets.ConfirmationKey.Verify(decrypted.GroupInfo.GroupContext.ConfirmedTranscriptHash, decrypted.GroupInfo.ConfirmationTag));
        Assert.Equal(suite.Id, decrypted.GroupInfo.GroupContext.CipherSuite);
    }

    private static byte[] DerivePublic(byte[] priv)
    {
        var pub = new byte[32];
        X25519.DerivePublicKey(priv, pub);
        return pub;
    }
}
