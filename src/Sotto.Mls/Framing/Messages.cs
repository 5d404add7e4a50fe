using Sotto.Mls.Codec;
using Sotto.Mls.Messages;

namespace Sotto.Mls.Framing;

/// <summary>
/// A PublicMessage as received, nothing verified yet (openmls <c>PublicMessageIn</c>):
/// <code>
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member:
///             MAC membership_tag;
///         case external:
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } PublicMessage;
/// </code>
/// The group checks the membership tag, then the signature, before it trusts anything in it.
/// </summary>
public sealed class PublicMessageIn(FramedContent content, FramedContentAuthData auth, byte[]? membershipTag)
{
    public FramedContent Content { get; } = content;

    public FramedContentAuthData Auth { get; } = auth;

    public byte[]? MembershipTag { get; } = membershipTag;

    internal static PublicMessageIn Read(ref TlsReader r)
    {
        var content = FramedContent.Read(ref r);
        var auth = FramedContentAuthData.Read(ref r, content.ContentType);
        byte[]? tag = content.Sender.Type == SenderType.Member ? r.ReadOpaque() : null;
        return new PublicMessageIn(content, auth, tag);
    }

    internal void Write(TlsWriter w) => PublicMessage.Write(w, Content, Auth, MembershipTag);

    /// <summary>Checks membership_tag = MAC(membership_key, AuthenticatedContentTBM) in constant time.</summary>
    internal bool VerifyMembershipTag(ReadOnlySpan<byte> membershipKey, GroupContext context)
    {
        if (MembershipTag is null)
        {
            return false;
        }

        var w = TlsWriter.Rent();
        AuthenticatedContent.WriteTbs(w, WireFormat.PublicMessage, Content, context);
        Auth.Write(w, Content.ContentType);
        bool ok = CipherSuite.VerifyMac(membershipKey, w.Written, MembershipTag);
        TlsWriter.Return(w);
        return ok;
    }
}

/// <summary>A PublicMessage this member produced (same structure as <see cref="PublicMessageIn"/>).</summary>
public sealed class PublicMessage
{
    internal PublicMessage(AuthenticatedContent content, byte[]? membershipTag)
    {
        Content = content;
        MembershipTag = membershipTag;
    }

    public AuthenticatedContent Content { get; }

    public byte[]? MembershipTag { get; }

    internal static PublicMessage Create(AuthenticatedContent content, GroupContext context, ReadOnlySpan<byte> membershipKey)
    {
        if (content.Content.ContentType == ContentType.Application)
        {
            throw new ArgumentException("Application data must be sent as a PrivateMessage (RFC 9420 §6).", nameof(content));
        }

        byte[]? tag = null;
        if (content.Content.Sender.Type == SenderType.Member)
        {
            var w = TlsWriter.Rent();
            AuthenticatedContent.WriteTbs(w, WireFormat.PublicMessage, content.Content, context);
            content.Auth.Write(w, content.Content.ContentType);
            tag = CipherSuite.Mac(membershipKey, w.Written);
            TlsWriter.Return(w);
        }

        return new PublicMessage(content, tag);
    }

    internal void Write(TlsWriter w) => Write(w, Content.Content, Content.Auth, MembershipTag);

    internal static void Write(TlsWriter w, FramedContent content, FramedContentAuthData auth, byte[]? membershipTag)
    {
        content.Write(w);
        auth.Write(w, content.ContentType);
        if (content.Sender.Type == SenderType.Member)
        {
            w.WriteOpaque(membershipTag);
        }
    }
}

/// <summary>
/// <code>
/// struct {
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data&lt;V&gt;;
///     opaque encrypted_sender_data&lt;V&gt;;
///     opaque ciphertext&lt;V&gt;;
/// } PrivateMessage;
/// </code>
/// Opaque until the group decrypts it (<see cref="MessageProtection"/>).
/// </summary>
public sealed class PrivateMessage(byte[] groupId, ulong epoch, ContentType contentType, byte[] authenticatedData, byte[] encryptedSenderData, byte[] ciphertext)
{
    public byte[] GroupId { get; } = groupId;

    public ulong Epoch { get; } = epoch;

    public ContentType ContentType { get; } = contentType;

    public byte[] AuthenticatedData { get; } = authenticatedData;

    public byte[] EncryptedSenderData { get; } = encryptedSenderData;

    public byte[] Ciphertext { get; } = ciphertext;

    internal static PrivateMessage Read(ref TlsReader r)
    {
        var groupId = r.ReadOpaque();
        ulong epoch = r.ReadUInt64();
        var type = (ContentType)r.ReadUInt8();
        if (type is < ContentType.Application or > ContentType.Commit)
        {
            TlsReader.Throw("unknown content type");
        }

        var aad = r.ReadOpaque();
        var sender = r.ReadOpaque();
        return new PrivateMessage(groupId, epoch, type, aad, sender, r.ReadOpaque());
    }

    internal void Write(TlsWriter w)
    {
        w.WriteOpaque(GroupId);
        w.WriteUInt64(Epoch);
        w.WriteUInt8((byte)ContentType);
        w.WriteOpaque(AuthenticatedData);
        w.WriteOpaque(EncryptedSenderData);
        w.WriteOpaque(Ciphertext);
    }
}

/// <summary>
/// An MLSMessage as received:
/// <code>
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:  PublicMessage public_message;
///         case mls_private_message: PrivateMessage private_message;
///         case mls_welcome:         Welcome welcome;
///         case mls_group_info:      GroupInfo group_info;
///         case mls_key_package:     KeyPackage key_package;
///     };
/// } MLSMessage;
/// </code>
/// Exactly one of the body properties is set, according to <see cref="WireFormat"/>.
/// </summary>
public sealed class MlsMessageIn
{
    private MlsMessageIn(WireFormat wireFormat, object body)
    {
        WireFormat = wireFormat;
        Body = body;
    }

    public WireFormat WireFormat { get; }

    private object Body { get; }

    public PublicMessageIn? PublicMessage => Body as PublicMessageIn;

    public PrivateMessage? PrivateMessage => Body as PrivateMessage;

    public Welcome? Welcome => Body as Welcome;

    public GroupInfoIn? GroupInfo => Body as GroupInfoIn;

    public KeyPackageIn? KeyPackage => Body as KeyPackageIn;

    /// <summary>Decodes a whole MLSMessage; trailing bytes, an unknown version or wire format are errors.</summary>
    public static MlsMessageIn Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > MlsLimits.MaxMessageSize)
        {
            throw new MlsException(MlsError.LengthExceeded, "The MLS message is larger than allowed.");
        }

        var r = new TlsReader(data);
        if (r.ReadUInt16() != (ushort)ProtocolVersion.Mls10)
        {
            throw new MlsException(MlsError.UnsupportedVersion, "Unsupported MLS protocol version.");
        }

        var wireFormat = (WireFormat)r.ReadUInt16();
        object body = wireFormat switch
        {
            WireFormat.PublicMessage => PublicMessageIn.Read(ref r),
            WireFormat.PrivateMessage => Framing.PrivateMessage.Read(ref r),
            WireFormat.Welcome => Messages.Welcome.Read(ref r),
            WireFormat.GroupInfo => GroupInfoIn.Read(ref r),
            WireFormat.KeyPackage => KeyPackageIn.Read(ref r),
            _ => throw new MlsException(MlsError.UnexpectedWireFormat, "Unknown MLS wire format."),
        };
        r.EnsureEnd();
        return new MlsMessageIn(wireFormat, body);
    }

    /// <summary>Re-encodes the message (byte-identical to a canonical input).</summary>
    public byte[] Encode()
    {
        var w = new TlsWriter();
        w.WriteUInt16((ushort)ProtocolVersion.Mls10);
        w.WriteUInt16((ushort)WireFormat);
        switch (Body)
        {
            case PublicMessageIn m: m.Write(w); break;
            case PrivateMessage m: m.Write(w); break;
            case Welcome m: m.Write(w); break;
            case GroupInfoIn m: m.Write(w); break;
            case KeyPackageIn m: w.WriteBytes(m.Encoded); break;
        }

        return w.ToArray();
    }
}

/// <summary>An MLSMessage this member produced; see <see cref="MlsMessageIn"/> for the structure.</summary>
public sealed class MlsMessage
{
    private readonly object _body;

    private MlsMessage(WireFormat wireFormat, object body)
    {
        WireFormat = wireFormat;
        _body = body;
    }

    public WireFormat WireFormat { get; }

    public PublicMessage? PublicMessage => _body as PublicMessage;

    public PrivateMessage? PrivateMessage => _body as PrivateMessage;

    public Welcome? Welcome => _body as Welcome;

    public GroupInfo? GroupInfo => _body as GroupInfo;

    public KeyPackage? KeyPackage => _body as KeyPackage;

    public static MlsMessage From(PublicMessage message) => new(WireFormat.PublicMessage, message);

    public static MlsMessage From(PrivateMessage message) => new(WireFormat.PrivateMessage, message);

    public static MlsMessage From(Welcome message) => new(WireFormat.Welcome, message);

    public static MlsMessage From(GroupInfo message) => new(WireFormat.GroupInfo, message);

    public static MlsMessage From(KeyPackage message) => new(WireFormat.KeyPackage, message);

    public byte[] Encode()
    {
        var w = new TlsWriter(512);
        w.WriteUInt16((ushort)ProtocolVersion.Mls10);
        w.WriteUInt16((ushort)WireFormat);
        switch (_body)
        {
            case PublicMessage m: m.Write(w); break;
            case PrivateMessage m: m.Write(w); break;
            case Welcome m: m.Write(w); break;
            case GroupInfo m: m.Write(w); break;
            case KeyPackage m: m.Write(w); break;
        }

        return w.ToArray();
    }
}
