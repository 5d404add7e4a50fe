using System.Text;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Fingerprints;

/// <summary>Known answers from libsignal <c>rust/protocol/src/fingerprint.rs</c> tests (testVectorsVersion1/2 in Java).</summary>
public sealed class FingerprintTests
{
    private static readonly IdentityKey AliceIdentity = IdentityKey.Deserialize(Hex.Decode("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868"));
    private static readonly IdentityKey BobIdentity = IdentityKey.Deserialize(Hex.Decode("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b"));
    private static readonly byte[] AliceStableId = Encoding.UTF8.GetBytes("+14152222222");
    private static readonly byte[] BobStableId = Encoding.UTF8.GetBytes("+14153333333");
    private const string DisplayableV1 = "300354477692869396892869876765458257569162576843440918079131";

    [Theory]
    [InlineData(1u, "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d", "080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df")]
    [InlineData(2u, "080212220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d", "080212220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df")]
    public void LibsignalVectorsGiveTheSameDigitsAndScannableBytes(uint version, string aliceScannable, string bobScannable)
    {
        var alice = Fingerprint.Create(version, 5200, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var bob = Fingerprint.Create(version, 5200, BobStableId, BobIdentity, AliceStableId, AliceIdentity);

        Assert.Equal(DisplayableV1, alice.DisplayString);
        Assert.Equal(DisplayableV1, bob.DisplayString);
        Assert.Equal(aliceScannable, Hex.Encode(alice.Scannable.Serialize()));
        Assert.Equal(bobScannable, Hex.Encode(bob.Scannable.Serialize()));
    }

    [Fact]
    public void ScannableCodesMatchTheOtherSideOnlyAndVersionsMustAgree()
    {
        var alice = Fingerprint.Create(2, 1024, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var bob = Fingerprint.Create(2, 1024, BobStableId, BobIdentity, AliceStableId, AliceIdentity);
        var bobV1 = Fingerprint.Create(1, 1024, BobStableId, BobIdentity, AliceStableId, AliceIdentity);

        Assert.True(alice.Scannable.Compare(bob.Scannable.Serialize()));
        Assert.True(bob.Scannable.Compare(alice.Scannable.Serialize()));
        Assert.False(alice.Scannable.Compare(alice.Scannable.Serialize()));
        Assert.Equal(ProtocolError.UnrecognizedVersion, Assert.Throws<ProtocolException>(() => alice.Scannable.Compare(bobV1.Scannable.Serialize())).Code);
        Assert.Equal(ProtocolError.InvalidEncoding, Assert.Throws<ProtocolException>(() => alice.Scannable.Compare([0xFF, 0xFF])).Code);
        Assert.Equal(ProtocolError.MessageTooLarge, Assert.Throws<ProtocolException>(() => alice.Scannable.Compare(new byte[1025])).Code);
    }

    [Fact]
    public void ServiceIdSafetyNumberUsesVersionTwoAndTheUuidBytes()
    {
        var aliceAci = ServiceId.Parse("9d0652a3-dcc3-4d11-975f-74d61598733f");
        var bobAci = ServiceId.Parse("796abedb-ca4e-4f18-8803-1fab5a6a5d2d");

        var fromAlice = Fingerprint.ForServiceIds(aliceAci, AliceIdentity, bobAci, BobIdentity);
        var fromBob = Fingerprint.ForServiceIds(bobAci, BobIdentity, aliceAci, AliceIdentity);
        var explicitForm = Fingerprint.Create(2, 5200, Hex.Decode("9d0652a3dcc34d11975f74d61598733f"), AliceIdentity, Hex.Decode("796abedbca4e4f1888031fab5a6a5d2d"), BobIdentity);

        Assert.Equal(60, fromAlice.DisplayString.Length);
        Assert.Equal(fromAlice.DisplayString, fromBob.DisplayString);
        Assert.Equal(explicitForm.DisplayString, fromAlice.DisplayString);
        Assert.Equal(2u, fromAlice.Scannable.Version);
    }

    [Fact]
    public void DifferentIdentityKeysGiveDifferentSafetyNumbers()
    {
        var other = IdentityKeyPair.Generate(new SeededRandom(1)).IdentityKey;
        var original = Fingerprint.Create(2, 5200, AliceStableId, AliceIdentity, BobStableId, BobIdentity);
        var changed = Fingerprint.Create(2, 5200, AliceStableId, AliceIdentity, BobStableId, other);
        Assert.NotEqual(original.DisplayString, changed.DisplayString);
    }
}
