using Sotto.Crypto;
using Sotto.Wire;

namespace Sotto.Server.Tests.Support;

/// <summary>
/// A client-side identity for server tests: an X25519/XEdDSA identity key pair and properly signed prekeys, in the
/// libsignal serialized formats the server checks (0x05 ‖ 32 bytes, 0x08 ‖ 1568 bytes, 64-byte XEdDSA signatures).
/// </summary>
public sealed class TestIdentity
{
    private static readonly Lazy<byte[]> SharedKyberKey = new(() =>
    {
        var pk = new byte[Kyber1024.PublicKeySize];
        var sk = new byte[Kyber1024.SecretKeySize];
        Kyber1024.GenerateKeyPair(new TestSupport.SeededRandom("server-tests-kyber"), pk, sk);
        return [KeyFormats.Kyber1024Type, .. pk];
    });

    private readonly byte[] _privateKey = new byte[32];
    private readonly IRandom _random;

    public TestIdentity(string seed)
    {
        _random = new TestSupport.SeededRandom(seed);
        X25519.GeneratePrivateKey(_random, _privateKey);
        var pub = new byte[32];
        X25519.DerivePublicKey(_privateKey, pub);
        PublicKey = [KeyFormats.DjbType, .. pub];
    }

    /// <summary>The serialized identity key (33 bytes).</summary>
    public byte[] PublicKey { get; }

    public byte[] Sign(byte[] message)
    {
        var signature = new byte[XEdDsa.SignatureSize];
        XEdDsa.Sign(_privateKey, message, _random, signature);
        return signature;
    }

    public byte[] NewEcPublicKey()
    {
        var priv = new byte[32];
        var pub = new byte[32];
        X25519.GeneratePrivateKey(_random, priv);
        X25519.DerivePublicKey(priv, pub);
        return [KeyFormats.DjbType, .. pub];
    }

    /// <summary>
    /// A Kyber1024 public key. The server checks only the shape and the signature, so tests share one real key pair
    /// (generated once) instead of paying for a key generation per prekey.
    /// </summary>
    public static byte[] KyberPublicKey() => (byte[])SharedKyberKey.Value.Clone();

    public SignedEcPreKey SignedPreKey(uint id)
    {
        var key = NewEcPublicKey();
        return new SignedEcPreKey { KeyId = id, PublicKey = key, Signature = Sign(key) };
    }

    public KyberPreKey KyberPreKey(uint id)
    {
        var key = KyberPublicKey();
        return new KyberPreKey { KeyId = id, PublicKey = key, Signature = Sign(key) };
    }

    public EcPreKey EcPreKey(uint id) => new() { KeyId = id, PublicKey = NewEcPublicKey() };

    public IReadOnlyList<EcPreKey> EcPreKeys(uint first, int count) =>
        Enumerable.Range(0, count).Select(i => EcPreKey(first + (uint)i)).ToArray();

    public IReadOnlyList<KyberPreKey> KyberPreKeys(uint first, int count) =>
        Enumerable.Range(0, count).Select(i => KyberPreKey(first + (uint)i)).ToArray();

    public RegisterRequest Registration(string username, int registrationId = 1, int oneTimeKeys = 2, string? inviteCode = null) => new()
    {
        Username = username,
        InviteCode = inviteCode,
        IdentityKey = PublicKey,
        RegistrationId = registrationId,
        SignedPreKey = SignedPreKey(1),
        PqLastResortPreKey = KyberPreKey(1000),
        PreKeys = EcPreKeys(100, oneTimeKeys),
        PqPreKeys = KyberPreKeys(200, oneTimeKeys),
    };
}
