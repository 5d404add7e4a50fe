using Sotto.Crypto;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

/// <summary>
/// A KeyPackage with its private keys (RFC 9420 §10): the HPKE init key (for the Welcome), the leaf's encryption
/// key and the signer. Owns the HPKE keys; the signer is borrowed and must outlive the bundle.
/// </summary>
public sealed class KeyPackageBundle : IDisposable
{
    private KeyPackageBundle(KeyPackage keyPackage, HpkeKeyPair initKey, HpkeKeyPair encryptionKey, SignaturePrivateKey signer)
    {
        KeyPackage = keyPackage;
        InitKey = initKey;
        EncryptionKey = encryptionKey;
        Signer = signer;
    }

    public KeyPackage KeyPackage { get; }

    public HpkeKeyPair InitKey { get; }

    public HpkeKeyPair EncryptionKey { get; }

    public SignaturePrivateKey Signer { get; }

    /// <summary>
    /// A KeyPackage valid from one hour before <paramref name="time"/>'s now (clock skew) for
    /// <see cref="MlsLimits.DefaultLifetime"/>, with default capabilities for <paramref name="suite"/>.
    /// </summary>
    public static KeyPackageBundle Create(
        CipherSuite suite, Credential credential, SignaturePrivateKey signer, IRandom random, TimeProvider time,
        Capabilities? capabilities = null, Extension[]? leafExtensions = null, Extension[]? keyPackageExtensions = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var lifetime = new Lifetime((ulong)Math.Max(0, now - 3600), (ulong)(now + (long)MlsLimits.DefaultLifetime.TotalSeconds));
        var initKey = suite.GenerateKeyPair(random);
        var encryptionKey = suite.GenerateKeyPair(random);
        var leaf = LeafNode.Create(encryptionKey.PublicKey, signer, credential, capabilities ?? Capabilities.Default(suite),
            LeafNodeSource.KeyPackage, lifetime, null, leafExtensions ?? [], [], default(LeafIndex));
        var keyPackage = KeyPackage.Create(suite, initKey.PublicKey, leaf, keyPackageExtensions ?? [], signer);
        return new KeyPackageBundle(keyPackage, initKey, encryptionKey, signer);
    }

    /// <summary>Rebuilds a bundle from its parts (a stored KeyPackage and its private keys).</summary>
    public static KeyPackageBundle FromParts(KeyPackage keyPackage, HpkeKeyPair initKey, HpkeKeyPair encryptionKey, SignaturePrivateKey signer)
    {
        ArgumentNullException.ThrowIfNull(keyPackage);
        ArgumentNullException.ThrowIfNull(initKey);
        ArgumentNullException.ThrowIfNull(encryptionKey);
        ArgumentNullException.ThrowIfNull(signer);
        if (!keyPackage.InitKey.AsSpan().SequenceEqual(initKey.PublicKey) || !keyPackage.LeafNode.EncryptionKey.AsSpan().SequenceEqual(encryptionKey.PublicKey))
        {
            throw new ArgumentException("The private keys do not belong to the KeyPackage.");
        }

        return new KeyPackageBundle(keyPackage, initKey, encryptionKey, signer);
    }

    public void Dispose()
    {
        InitKey.Dispose();
        EncryptionKey.Dispose();
    }
}
