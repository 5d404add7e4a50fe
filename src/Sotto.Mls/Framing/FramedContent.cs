using Sotto.Mls.Codec;
using Sotto.Mls.Messages;

namespace Sotto.Mls.Framing;

/// <summary>
/// <code>
/// struct {
///     SenderType sender_type;
///     select (Sender.sender_type) {
///         case member:              uint32 leaf_index;
///         case external:            uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal: struct{};
///     };
/// } Sender;
/// </code>
/// </summary>
public readonly record struct Sender(SenderType Type, uint Index)
{
    public static Sender Member(uint leafIndex) => new(SenderType.Member, leafIndex);

    public static Sender NewMemberCommit => new(SenderType.NewMemberCommit, 0);

    internal static Sender Read(ref TlsReader r)
    {
        var type = (SenderType)r.ReadUInt8();
        return type switch
        {
            SenderType.Member or SenderType.External => new Sender(type, r.ReadUInt32()),
            SenderType.NewMemberCommit or SenderType.NewMemberProposal => new Sender(type, 0),
            _ => throw new MlsException(MlsError.Malformed, "Malformed MLS input: unknown sender type."),
        };
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt8((byte)Type);
        if (Type is SenderType.Member or SenderType.External)
        {
            w.WriteUInt32(Index);
        }
    }
}

/// <summary>
/// <code>
/// struct {
///     opaque group_id&lt;V&gt;;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data&lt;V&gt;;
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application: opaque application_data&lt;V&gt;;
///         case proposal:    Proposal proposal;
///         case commit:      Commit commit;
///     };
/// } FramedContent;
/// </code>
/// </summary>
public sealed class FramedContent
{
    private FramedContent(byte[] groupId, ulong epoch, Sender sender, byte[] authenticatedData, ContentType contentType, byte[]? applicationData, Proposal? proposal, Commit? commit)
    {
        GroupId = groupId;
        Epoch = epoch;
        Sender = sender;
        AuthenticatedData = authenticatedData;
        ContentType = contentType;
        ApplicationData = applicationData;
        Proposal = proposal;
        Commit = commit;
    }

    public byte[] GroupId { get; }

    public ulong Epoch { get; }

    public Sender Sender { get; }

    public byte[] AuthenticatedData { get; }

    public ContentType ContentType { get; }

    public byte[]? ApplicationData { get; }

    public Proposal? Proposal { get; }

    public Commit? Commit { get; }

    public static FramedContent ForApplication(byte[] groupId, ulong epoch, Sender sender, byte[] authenticatedData, byte[] data) =>
        new(groupId, epoch, sender, authenticatedData, ContentType.Application, data, null, null);

    public static FramedContent ForProposal(byte[] groupId, ulong epoch, Sender sender, byte[] authenticatedData, Proposal proposal) =>
        new(groupId, epoch, sender, authenticatedData, ContentType.Proposal, null, proposal, null);

    public static FramedContent ForCommit(byte[] groupId, ulong epoch, Sender sender, byte[] authenticatedData, Commit commit) =>
        new(groupId, epoch, sender, authenticatedData, ContentType.Commit, null, null, commit);

    internal static FramedContent Read(ref TlsReader r)
    {
        var groupId = r.ReadOpaque();
        ulong epoch = r.ReadUInt64();
        var sender = Sender.Read(ref r);
        var aad = r.ReadOpaque();
        var type = (ContentType)r.ReadUInt8();
        return ReadBody(ref r, groupId, epoch, sender, aad, type);
    }

    /// <summary>The content select of FramedContent / PrivateMessageContent.</summary>
    internal static FramedContent ReadBody(ref TlsReader r, byte[] groupId, ulong epoch, Sender sender, byte[] aad, ContentType type) => type switch
    {
        ContentType.Application => new FramedContent(groupId, epoch, sender, aad, type, r.ReadOpaque(), null, null),
        ContentType.Proposal => new FramedContent(groupId, epoch, sender, aad, type, null, Proposal.Read(ref r), null),
        ContentType.Commit => new FramedContent(groupId, epoch, sender, aad, type, null, null, Commit.Read(ref r)),
        _ => throw new MlsException(MlsError.Malformed, "Malformed MLS input: unknown content type."),
    };

    internal void Write(TlsWriter w)
    {
        w.WriteOpaque(GroupId);
        w.WriteUInt64(Epoch);
        Sender.Write(w);
        w.WriteOpaque(AuthenticatedData);
        w.WriteUInt8((byte)ContentType);
        WriteBody(w);
    }

    internal void WriteBody(TlsWriter w)
    {
        switch (ContentType)
        {
            case ContentType.Application:
                w.WriteOpaque(ApplicationData);
                break;
            case ContentType.Proposal:
                Proposal!.Write(w);
                break;
            default:
                Commit!.Write(w);
                break;
        }
    }
}

/// <summary>
/// <code>
/// struct {
///     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
///     opaque signature&lt;V&gt;;
///     select (FramedContent.content_type) {
///         case commit:
///             /* MAC(confirmation_key, GroupContext.confirmed_transcript_hash) */
///             MAC confirmation_tag;
///         case application:
///         case proposal:
///             struct{};
///     };
/// } FramedContentAuthData;
/// </code>
/// </summary>
public sealed class FramedContentAuthData(byte[] signature, byte[]? confirmationTag)
{
    public byte[] Signature { get; } = signature;

    public byte[]? ConfirmationTag { get; } = confirmationTag;

    internal static FramedContentAuthData Read(ref TlsReader r, ContentType type)
    {
        var signature = r.ReadOpaque();
        return new FramedContentAuthData(signature, type == ContentType.Commit ? r.ReadOpaque() : null);
    }

    internal void Write(TlsWriter w, ContentType type)
    {
        w.WriteOpaque(Signature);
        if (type == ContentType.Commit)
        {
            w.WriteOpaque(ConfirmationTag);
        }
    }
}

/// <summary>
/// <code>
/// struct {
///     WireFormat wire_format;
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
/// </code>
/// Verified content: produced by the group only after the signature (and, for a PublicMessage, the membership
/// tag) checked out, or by this member when it signs.
/// </summary>
public sealed class AuthenticatedContent(WireFormat wireFormat, FramedContent content, FramedContentAuthData auth)
{
    public WireFormat WireFormat { get; } = wireFormat;

    public FramedContent Content { get; } = content;

    public FramedContentAuthData Auth { get; } = auth;

    internal void Write(TlsWriter w)
    {
        w.WriteUInt16((ushort)WireFormat);
        Content.Write(w);
        Auth.Write(w, Content.ContentType);
    }

    public byte[] Encode()
    {
        var w = new TlsWriter();
        Write(w);
        return w.ToArray();
    }

    public static AuthenticatedContent Decode(ReadOnlySpan<byte> data)
    {
        var r = new TlsReader(data);
        var wf = (WireFormat)r.ReadUInt16();
        var content = FramedContent.Read(ref r);
        var auth = FramedContentAuthData.Read(ref r, content.ContentType);
        r.EnsureEnd();
        return new AuthenticatedContent(wf, content, auth);
    }

    /// <summary>ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent).</summary>
    internal byte[] ProposalRef() => CipherSuite.RefHash("MLS 1.0 Proposal Reference"u8, Encode());

    /// <summary>
    /// <code>
    /// struct {
    ///     ProtocolVersion version = mls10;
    ///     WireFormat wire_format;
    ///     FramedContent content;
    ///     select (FramedContentTBS.content.sender.sender_type) {
    ///         case member:
    ///         case new_member_commit: GroupContext context;
    ///         case external:
    ///         case new_member_proposal: struct{};
    ///     };
    /// } FramedContentTBS;
    /// </code>
    /// </summary>
    internal static void WriteTbs(TlsWriter w, WireFormat wireFormat, FramedContent content, GroupContext? context)
    {
        w.WriteUInt16((ushort)ProtocolVersion.Mls10);
        w.WriteUInt16((ushort)wireFormat);
        content.Write(w);
        if (content.Sender.Type is SenderType.Member or SenderType.NewMemberCommit)
        {
            context!.Write(w);
        }
    }

    internal static AuthenticatedContent Sign(WireFormat wireFormat, FramedContent content, GroupContext? context, SignaturePrivateKey key, byte[]? confirmationTag = null)
    {
        var w = TlsWriter.Rent();
        int mark = CipherSuite.BeginSignContent(w, "FramedContentTBS"u8);
        WriteTbs(w, wireFormat, content, context);
        CipherSuite.EndSignContent(w, mark);
        var signature = key.Sign(w.Written);
        TlsWriter.Return(w);
        return new AuthenticatedContent(wireFormat, content, new FramedContentAuthData(signature, confirmationTag));
    }

    internal static bool VerifySignature(WireFormat wireFormat, FramedContent content, FramedContentAuthData auth, GroupContext? context, ReadOnlySpan<byte> publicKey)
    {
        var w = TlsWriter.Rent();
        int mark = CipherSuite.BeginSignContent(w, "FramedContentTBS"u8);
        WriteTbs(w, wireFormat, content, context);
        CipherSuite.EndSignContent(w, mark);
        bool ok = CipherSuite.VerifySignContent(publicKey, w.Written, auth.Signature);
        TlsWriter.Return(w);
        return ok;
    }
}
