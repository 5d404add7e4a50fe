using Sotto.Mls.Codec;

namespace Sotto.Mls.Messages;

/// <summary>
/// A GroupInfo as received, its signature not yet verified:
/// <code>
/// struct {
///     GroupContext group_context;
///     Extension extensions&lt;V&gt;;
///     MAC confirmation_tag;
///     uint32 signer;
///     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
///     opaque signature&lt;V&gt;;
/// } GroupInfo;
/// </code>
/// The signer's key lives in the ratchet tree, so verification happens once the tree is known
/// (<see cref="VerifySignature"/>).
/// </summary>
public sealed class GroupInfoIn
{
    internal GroupInfoIn(GroupContext groupContext, Extension[] extensions, byte[] confirmationTag, uint signer, byte[] signature)
    {
        GroupContext = groupContext;
        Extensions = extensions;
        ConfirmationTag = confirmationTag;
        Signer = signer;
        Signature = signature;
    }

    public GroupContext GroupContext { get; }

    public IReadOnlyList<Extension> Extensions { get; }

    public byte[] ConfirmationTag { get; }

    public uint Signer { get; }

    public byte[] Signature { get; }

    public static GroupInfoIn Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var gi = Read(ref r);
        r.EnsureEnd();
        return gi;
    }

    internal static GroupInfoIn Read(ref TlsReader r)
    {
        var context = GroupContext.Read(ref r);
        var extensions = Extension.ReadList(ref r);
        var tag = r.ReadOpaque();
        uint signer = r.ReadUInt32();
        return new GroupInfoIn(context, extensions, tag, signer, r.ReadOpaque());
    }

    internal static byte[] Tbs(GroupContext context, IReadOnlyList<Extension> extensions, byte[] confirmationTag, uint signer)
    {
        var w = new TlsWriter(256);
        context.Write(w);
        Extension.WriteList(w, extensions);
        w.WriteOpaque(confirmationTag);
        w.WriteUInt32(signer);
        return w.ToArray();
    }

    internal void Write(TlsWriter w)
    {
        w.WriteBytes(Tbs(GroupContext, Extensions, ConfirmationTag, Signer));
        w.WriteOpaque(Signature);
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }

    internal bool VerifySignature(ReadOnlySpan<byte> signerPublicKey) =>
        CipherSuite.VerifyWithLabel(signerPublicKey, "GroupInfoTBS"u8, Tbs(GroupContext, Extensions, ConfirmationTag, Signer), Signature);

    /// <summary>The ratchet_tree extension's data, when present.</summary>
    internal byte[]? RatchetTreeExtension => Extension.Find(Extensions, ExtensionType.RatchetTree)?.Data;
}

/// <summary>A GroupInfo this member signed (the same structure as <see cref="GroupInfoIn"/>).</summary>
public sealed class GroupInfo
{
    internal GroupInfo(GroupInfoIn content)
    {
        Content = content;
    }

    internal GroupInfoIn Content { get; }

    public GroupContext GroupContext => Content.GroupContext;

    public IReadOnlyList<Extension> Extensions => Content.Extensions;

    public byte[] Encode() => Content.Encode();

    internal void Write(TlsWriter w) => Content.Write(w);

    internal static GroupInfo Create(GroupContext context, Extension[] extensions, byte[] confirmationTag, uint signer, SignaturePrivateKey key)
    {
        var signature = CipherSuite.SignWithLabel(key, "GroupInfoTBS"u8, GroupInfoIn.Tbs(context, extensions, confirmationTag, signer));
        return new GroupInfo(new GroupInfoIn(context, extensions, confirmationTag, signer, signature));
    }
}

/// <summary>
/// <code>
/// struct {
///   opaque path_secret&lt;V&gt;;
/// } PathSecret;
///
/// struct {
///   opaque joiner_secret&lt;V&gt;;
///   optional&lt;PathSecret&gt; path_secret;
///   PreSharedKeyID psks&lt;V&gt;;
/// } GroupSecrets;
/// </code>
/// Holds secrets; <see cref="Dispose"/> zeroes them.
/// </summary>
public sealed class GroupSecrets(byte[] joinerSecret, byte[]? pathSecret, PreSharedKeyId[] psks) : IDisposable
{
    public byte[] JoinerSecret { get; } = joinerSecret;

    public byte[]? PathSecret { get; } = pathSecret;

    public IReadOnlyList<PreSharedKeyId> Psks { get; } = psks;

    public static GroupSecrets Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var joiner = r.ReadOpaque();
        byte[]? path = null;
        if (r.ReadPresence())
        {
            path = r.ReadOpaque();
        }

        var inner = r.ReadVectorReader();
        var psks = new List<PreSharedKeyId>();
        while (!inner.IsEmpty)
        {
            psks.Add(PreSharedKeyId.Read(ref inner));
        }

        r.EnsureEnd();
        return new GroupSecrets(joiner, path, [.. psks]);
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        w.WriteOpaque(JoinerSecret);
        w.WritePresence(PathSecret is not null);
        if (PathSecret is not null)
        {
            w.WriteOpaque(PathSecret);
        }

        int mark = w.BeginVector();
        foreach (var psk in Psks)
        {
            psk.Write(w);
        }

        w.EndVector(mark);
        return w.ToArray();
    }

    public void Dispose()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(JoinerSecret);
        if (PathSecret is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(PathSecret);
        }
    }
}

/// <summary>
/// <code>
/// struct {
///   KeyPackageRef new_member;
///   HPKECiphertext encrypted_group_secrets;
/// } EncryptedGroupSecrets;
/// </code>
/// </summary>
public sealed class EncryptedGroupSecrets(byte[] newMember, HpkeCiphertext encryptedGroupSecrets)
{
    public byte[] NewMember { get; } = newMember;

    public HpkeCiphertext EncryptedSecrets { get; } = encryptedGroupSecrets;
}

/// <summary>
/// <code>
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets&lt;V&gt;;
///   opaque encrypted_group_info&lt;V&gt;;
/// } Welcome;
/// </code>
/// </summary>
public sealed class Welcome(ushort cipherSuite, EncryptedGroupSecrets[] secrets, byte[] encryptedGroupInfo)
{
    public ushort CipherSuite { get; } = cipherSuite;

    public IReadOnlyList<EncryptedGroupSecrets> Secrets { get; } = secrets;

    public byte[] EncryptedGroupInfo { get; } = encryptedGroupInfo;

    public static Welcome Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var welcome = Read(ref r);
        r.EnsureEnd();
        return welcome;
    }

    internal static Welcome Read(ref TlsReader r)
    {
        ushort suite = r.ReadUInt16();
        var inner = r.ReadVectorReader();
        var list = new List<EncryptedGroupSecrets>();
        while (!inner.IsEmpty)
        {
            var member = inner.ReadOpaque();
            list.Add(new EncryptedGroupSecrets(member, HpkeCiphertext.Read(ref inner)));
        }

        return new Welcome(suite, [.. list], r.ReadOpaque());
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt16(CipherSuite);
        int mark = w.BeginVector();
        foreach (var s in Secrets)
        {
            w.WriteOpaque(s.NewMember);
            s.EncryptedSecrets.Write(w);
        }

        w.EndVector(mark);
        w.WriteOpaque(EncryptedGroupInfo);
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }
}
