using Sotto.Mls.Codec;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Messages;

/// <summary>
/// A KeyPackage as received, not yet verified (openmls <c>KeyPackageIn</c>):
/// <code>
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions&lt;V&gt;;
///     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
///     opaque signature&lt;V&gt;;
/// } KeyPackage;
/// </code>
/// <see cref="Validate(Mls.CipherSuite, DateTimeOffset, ICredentialValidator)"/> performs the checks of RFC 9420 §10.1 and returns a <see cref="KeyPackage"/>.
/// </summary>
public sealed class KeyPackageIn
{
    internal KeyPackageIn(ushort version, ushort cipherSuite, byte[] initKey, LeafNode leafNode, Extension[] extensions, byte[] signature, byte[] encoded)
    {
        Version = version;
        CipherSuite = cipherSuite;
        InitKey = initKey;
        LeafNode = leafNode;
        Extensions = extensions;
        Signature = signature;
        Encoded = encoded;
    }

    public ushort Version { get; }

    public ushort CipherSuite { get; }

    public byte[] InitKey { get; }

    public LeafNode LeafNode { get; }

    public IReadOnlyList<Extension> Extensions { get; }

    public byte[] Signature { get; }

    internal byte[] Encoded { get; }

    public static KeyPackageIn Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var kp = Read(ref r);
        r.EnsureEnd();
        return kp;
    }

    public byte[] Encode() => (byte[])Encoded.Clone();

    internal static KeyPackageIn Read(ref TlsReader r)
    {
        int start = r.Position;
        ushort version = r.ReadUInt16();
        ushort suite = r.ReadUInt16();
        var initKey = r.ReadOpaque();
        var leaf = LeafNode.Read(ref r);
        var extensions = Extension.ReadList(ref r);
        var signature = r.ReadOpaque();
        return new KeyPackageIn(version, suite, initKey, leaf, extensions, signature, r.Since(start).ToArray());
    }

    internal static byte[] Tbs(ushort version, ushort suite, byte[] initKey, LeafNode leaf, IReadOnlyList<Extension> extensions)
    {
        var w = new TlsWriter(512);
        w.WriteUInt16(version);
        w.WriteUInt16(suite);
        w.WriteOpaque(initKey);
        leaf.Write(w);
        Extension.WriteList(w, extensions);
        return w.ToArray();
    }

    /// <summary>
    /// RFC 9420 §10.1 and §7.3 for a KeyPackage on its own: supported version and suite, valid KeyPackage and
    /// LeafNode signatures, leaf source <c>key_package</c> with a lifetime covering <paramref name="now"/> and no
    /// longer than <see cref="MlsLimits.MaxLifetime"/>, init and encryption keys distinct, the leaf's extensions and
    /// credential type listed in its capabilities, and a credential the validator accepts.
    /// </summary>
    public KeyPackage Validate(CipherSuite suite, DateTimeOffset now, ICredentialValidator credentialValidator) =>
        Validate(suite, now, credentialValidator, checkLifetime: true, MlsLimits.MaxLifetime);

    internal KeyPackage Validate(CipherSuite suite, DateTimeOffset now, ICredentialValidator credentialValidator, bool checkLifetime, TimeSpan? maxLifetime)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(credentialValidator);
        if (Version != (ushort)ProtocolVersion.Mls10)
        {
            throw new MlsException(MlsError.UnsupportedVersion, "The KeyPackage uses an unsupported protocol version.");
        }

        if (CipherSuite != suite.Id)
        {
            throw new MlsException(MlsError.UnsupportedCipherSuite, "The KeyPackage's cipher suite does not match the group's.");
        }

        if (InitKey.Length != Mls.CipherSuite.HpkePublicKeySize)
        {
            throw new MlsException(MlsError.InvalidKeyPackage, "The KeyPackage init key has the wrong size.");
        }

        var tbs = Tbs(Version, CipherSuite, InitKey, LeafNode, Extensions);
        if (!Mls.CipherSuite.VerifyWithLabel(LeafNode.SignatureKey, "KeyPackageTBS"u8, tbs, Signature))
        {
            throw new MlsException(MlsError.InvalidSignature, "The KeyPackage signature does not verify.");
        }

        if (LeafNode.Source != LeafNodeSource.KeyPackage)
        {
            throw new MlsException(MlsError.InvalidLeafNode, "A KeyPackage's leaf node must have the key_package source.");
        }

        if (InitKey.AsSpan().SequenceEqual(LeafNode.EncryptionKey))
        {
            throw new MlsException(MlsError.InvalidKeyPackage, "The KeyPackage init key equals its encryption key.");
        }

        LeafNodeValidator.ValidateStandalone(LeafNode, suite, [], default, checkLifetime ? new LifetimeCheck(now, maxLifetime) : null, credentialValidator);
        return new KeyPackage(this);
    }
}

/// <summary>
/// A verified KeyPackage (RFC 9420 §10): created locally by <see cref="Groups.KeyPackageBundle"/> or obtained from
/// <see cref="KeyPackageIn.Validate(CipherSuite, DateTimeOffset, ICredentialValidator)"/>. Immutable.
/// </summary>
public sealed class KeyPackage
{
    private byte[]? _ref;

    internal KeyPackage(KeyPackageIn content)
    {
        Content = content;
    }

    internal KeyPackageIn Content { get; }

    public ushort CipherSuite => Content.CipherSuite;

    public byte[] InitKey => Content.InitKey;

    public LeafNode LeafNode => Content.LeafNode;

    public IReadOnlyList<Extension> Extensions => Content.Extensions;

    /// <summary>KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage).</summary>
    public byte[] Ref => _ref ??= Mls.CipherSuite.RefHash("MLS 1.0 KeyPackage Reference"u8, Content.Encoded);

    public byte[] Encode() => Content.Encode();

    internal void Write(TlsWriter w) => w.WriteBytes(Content.Encoded);

    internal static KeyPackage Create(CipherSuite suite, byte[] initKey, LeafNode leaf, Extension[] extensions, SignaturePrivateKey signer)
    {
        ushort version = (ushort)ProtocolVersion.Mls10;
        var tbs = KeyPackageIn.Tbs(version, suite.Id, initKey, leaf, extensions);
        var signature = Mls.CipherSuite.SignWithLabel(signer, "KeyPackageTBS"u8, tbs);
        var w = new TlsWriter(tbs.Length + 80);
        w.WriteBytes(tbs);
        w.WriteOpaque(signature);
        return new KeyPackage(new KeyPackageIn(version, suite.Id, initKey, leaf, extensions, signature, w.ToArray()));
    }
}
