using System.Text;
using Sotto.Client.Linking;
using Sotto.Crypto;
using Sotto.Protocol;
using Sotto.TestSupport;

namespace Sotto.Client.Tests.Linking;

public sealed class ProvisioningCipherTests
{
    private static readonly byte[] Code = Encoding.ASCII.GetBytes("K3M9Q7TZ2X");
    private readonly SeededRandom _random = new("provisioning");

    private (byte[] Private, byte[] Public) NewKey()
    {
        var privateKey = new byte[32];
        var publicKey = new byte[32];
        X25519.GeneratePrivateKey(_random, privateKey);
        X25519.DerivePublicKey(privateKey, publicKey);
        return (privateKey, publicKey);
    }

    [Fact]
    public void EncryptedMessageDecryptsWithTheRecipientKeyAndCode()
    {
        var (privateKey, publicKey) = NewKey();
        var plaintext = Encoding.UTF8.GetBytes("identity key pair and account");
        var message = ProvisioningCipher.Encrypt(publicKey, Code, plaintext, _random);
        Assert.Equal(ProvisioningCipher.Overhead + plaintext.Length, message.Length);
        Assert.Equal(1, message[0]);
        Assert.Equal(plaintext, ProvisioningCipher.TryDecrypt(privateKey, Code, message));
        Assert.Equal(-1, message.AsSpan().IndexOf(plaintext));
    }

    [Fact]
    public void DecryptWithAnyFlippedBitFails()
    {
        var (privateKey, publicKey) = NewKey();
        var message = ProvisioningCipher.Encrypt(publicKey, Code, "secret"u8, _random);
        for (int i = 0; i < message.Length; i++)
        {
            var tampered = (byte[])message.Clone();
            tampered[i] ^= 0x01;
            Assert.Null(ProvisioningCipher.TryDecrypt(privateKey, Code, tampered));
        }
    }

    [Fact]
    public void DecryptWithOtherKeyOtherCodeOrTruncatedInputFails()
    {
        var (privateKey, publicKey) = NewKey();
        var (otherPrivate, _) = NewKey();
        var message = ProvisioningCipher.Encrypt(publicKey, Code, "secret"u8, _random);
        Assert.Null(ProvisioningCipher.TryDecrypt(otherPrivate, Code, message));
        Assert.Null(ProvisioningCipher.TryDecrypt(privateKey, Encoding.ASCII.GetBytes("K3M9Q7TZ2Y"), message));
        Assert.Null(ProvisioningCipher.TryDecrypt(privateKey, Code, message.AsSpan(0, ProvisioningCipher.Overhead - 1)));
        Assert.Null(ProvisioningCipher.TryDecrypt(privateKey, Code, []));
    }

    [Fact]
    public void EncryptToNonKeyThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ProvisioningCipher.Encrypt(new byte[31], Code, "x"u8, _random));
    }
}

public sealed class LinkCodeTests
{
    [Fact]
    public void FormatThenParseRoundTrips()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var code = new LinkCode("K3M9Q-7TZ2X", key);
        var text = code.ToString();
        Assert.Matches("^K3M9Q-7TZ2X:[A-Za-z0-9_-]{43}$", text);
        Assert.True(LinkCode.TryParse(text, out var parsed));
        Assert.Equal("K3M9Q-7TZ2X", parsed.ServerCode);
        Assert.Equal(key, parsed.PublicKey);
        Assert.True(LinkCode.TryParse("  " + text.ToLowerInvariant()[..11] + text[11..] + " ", out var lower));
        Assert.Equal(code.NormalizedServerCode, lower.NormalizedServerCode);
    }

    [Theory]
    [InlineData("k3m9q-7tz2x", "K3M9Q7TZ2X")]
    [InlineData("K3M9Q7TZ2X", "K3M9Q7TZ2X")]
    [InlineData("IL0O0-12345", "1100012345")]
    public void NormalizeReadsCodesAsTheServerDoes(string input, string expected)
    {
        Assert.Equal(expected, LinkCode.Normalize(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("K3M9Q-7TZ2X")]
    [InlineData("K3M9Q-7TZ2X:")]
    [InlineData("K3M9Q-7TZ2X:AAAA")]
    [InlineData("K3M9Q-7TZ:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("K3M9Q-7TZ2U:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("K3M9Q-7TZ2X:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    public void MalformedCodesAreRefused(string? text)
    {
        Assert.False(LinkCode.TryParse(text, out _));
    }
}

public sealed class DeviceNamesTests
{
    [Fact]
    public void NameRoundTripsForTheAccountAndNotForAnother()
    {
        var random = new SeededRandom("device-names");
        using var identity = IdentityKeyPair.Generate(random);
        using var other = IdentityKeyPair.Generate(random);
        var blob = DeviceNames.Encrypt(identity.Serialize(), "Alice's laptop", random);
        Assert.Equal(-1, blob.AsSpan().IndexOf("laptop"u8));
        Assert.Equal("Alice's laptop", DeviceNames.TryDecrypt(identity.Serialize(), blob));
        Assert.Null(DeviceNames.TryDecrypt(other.Serialize(), blob));
        Assert.Null(DeviceNames.TryDecrypt(identity.Serialize(), blob[..10]));
        Assert.Null(DeviceNames.TryDecrypt(identity.Serialize(), null));
    }
}
