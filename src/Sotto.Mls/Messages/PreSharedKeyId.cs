using Sotto.Mls.Codec;

namespace Sotto.Mls.Messages;

/// <summary>
/// <code>
/// struct {
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id&lt;V&gt;;
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id&lt;V&gt;;
///       uint64 psk_epoch;
///   };
///   opaque psk_nonce&lt;V&gt;;
/// } PreSharedKeyID;
/// </code>
/// </summary>
public sealed class PreSharedKeyId
{
    private PreSharedKeyId(PskType type, byte[] pskId, ResumptionPskUsage usage, byte[] groupId, ulong epoch, byte[] nonce)
    {
        Type = type;
        PskId = pskId;
        Usage = usage;
        PskGroupId = groupId;
        PskEpoch = epoch;
        Nonce = nonce;
    }

    public PskType Type { get; }

    /// <summary>The id of an external PSK.</summary>
    public byte[] PskId { get; }

    public ResumptionPskUsage Usage { get; }

    public byte[] PskGroupId { get; }

    public ulong PskEpoch { get; }

    public byte[] Nonce { get; }

    public static PreSharedKeyId External(byte[] pskId, byte[] nonce) => new(PskType.External, pskId, 0, [], 0, nonce);

    public static PreSharedKeyId Resumption(ResumptionPskUsage usage, byte[] groupId, ulong epoch, byte[] nonce) =>
        new(PskType.Resumption, [], usage, groupId, epoch, nonce);

    internal static PreSharedKeyId Read(ref TlsReader r)
    {
        var type = (PskType)r.ReadUInt8();
        switch (type)
        {
            case PskType.External:
                var id = r.ReadOpaque();
                return new PreSharedKeyId(type, id, 0, [], 0, r.ReadOpaque());
            case PskType.Resumption:
                var usage = (ResumptionPskUsage)r.ReadUInt8();
                if (usage is < ResumptionPskUsage.Application or > ResumptionPskUsage.Branch)
                {
                    TlsReader.Throw("unknown resumption PSK usage");
                }

                var groupId = r.ReadOpaque();
                ulong epoch = r.ReadUInt64();
                return new PreSharedKeyId(type, [], usage, groupId, epoch, r.ReadOpaque());
            default:
                TlsReader.Throw("unknown PSK type");
                return null!;
        }
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt8((byte)Type);
        if (Type == PskType.External)
        {
            w.WriteOpaque(PskId);
        }
        else
        {
            w.WriteUInt8((byte)Usage);
            w.WriteOpaque(PskGroupId);
            w.WriteUInt64(PskEpoch);
        }

        w.WriteOpaque(Nonce);
    }

    /// <summary>Same PSK (ignoring the nonce): the duplicate check of §12.2.</summary>
    internal bool SamePsk(PreSharedKeyId other) =>
        Type == other.Type && PskId.AsSpan().SequenceEqual(other.PskId) && Usage == other.Usage
        && PskGroupId.AsSpan().SequenceEqual(other.PskGroupId) && PskEpoch == other.PskEpoch;
}
