using System.Numerics;
using Sotto.TestSupport;

namespace Sotto.Crypto.Tests.Wycheproof;

/// <summary>
/// <c>ed25519_test.json</c> through <see cref="Ed25519.Verify"/>: every <c>valid</c> signature verifies and every
/// <c>invalid</c> one (malformed lengths, s ≥ L, non-canonical or modified R …) is refused. The file has no
/// <c>acceptable</c> cases.
/// The same cases also run through <see cref="XEdDsa.Verify"/>, whose core is an Ed25519 verification: the
/// Edwards key is mapped to its Montgomery u = (1 + y)/(1 − y) and its sign bit moved into the signature, as an
/// XEdDSA signer would have stored it.
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

    [Theory]
    [MemberData(nameof(Cases))]
    public void XEdDsaVerifyAcceptsExactlyTheValidSignatures(int tcId)
    {
        var c = WycheproofFile.Load(VectorFile)[tcId];
        var (u, msg, signature) = AsXEdDsa(c);

        bool ok = XEdDsa.Verify(u, msg, signature);

        // XEdDSA stores the key's sign bit in bit 255 of s, so a case that only flips that bit (tcId 69,
        // "s + 2^255") can become, byte for byte, the XEdDSA form of a valid case; such a case must verify.
        bool expected = ValidXEdDsaTriples.Value.Contains(Hex.Encode([.. u, .. msg, .. signature]));
        Assert.Equal(expected, ok);
        if (c.Result == WycheproofResult.Valid)
        {
            Assert.True(ok, c.ToString());
        }
    }

    private static readonly Lazy<HashSet<string>> ValidXEdDsaTriples = new(() =>
    [
        .. WycheproofFile.Load(VectorFile).Cases
            .Where(v => v.Result == WycheproofResult.Valid)
            .Select(AsXEdDsa)
            .Select(v => Hex.Encode([.. v.U, .. v.Message, .. v.Signature])),
    ]);

    private static (byte[] U, byte[] Message, byte[] Signature) AsXEdDsa(WycheproofCase c)
    {
        var edPublic = Hex.Decode(c.Group.GetProperty("publicKey").GetProperty("pk").GetString()!);
        var signature = c.Bytes("sig");
        if (signature.Length == XEdDsa.SignatureSize)
        {
            signature[63] |= (byte)(edPublic[31] & 0x80);
        }

        return (MontgomeryU(edPublic), c.Bytes("msg"), signature);
    }

    private static byte[] MontgomeryU(byte[] edPublic)
    {
        var p = (BigInteger.One << 255) - 19;
        var yBytes = (byte[])edPublic.Clone();
        yBytes[31] &= 0x7F;
        var y = new BigInteger(yBytes, isUnsigned: true) % p;
        var u = (1 + y) * BigInteger.ModPow((1 - y + p) % p, p - 2, p) % p;
        var result = new byte[32];
        Assert.True(u.TryWriteBytes(result, out _, isUnsigned: true));
        return result;
    }
}
