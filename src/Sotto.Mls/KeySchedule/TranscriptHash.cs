using Sotto.Mls.Codec;
using Sotto.Mls.Framing;

namespace Sotto.Mls.KeySchedule;

/// <summary>
/// Transcript hashes (RFC 9420 §8.2):
/// <code>
/// confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] ‖ ConfirmedTranscriptHashInput_[n])
/// interim_transcript_hash_[n]   = Hash(confirmed_transcript_hash_[n] ‖ InterimTranscriptHashInput_[n])
///
/// struct { WireFormat wire_format; FramedContent content; opaque signature&lt;V&gt;; } ConfirmedTranscriptHashInput;
/// struct { MAC confirmation_tag; } InterimTranscriptHashInput;
/// </code>
/// </summary>
public static class TranscriptHash
{
    public static byte[] Confirmed(ReadOnlySpan<byte> interimBefore, AuthenticatedContent commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var w = TlsWriter.Rent();
        w.WriteBytes(interimBefore);
        w.WriteUInt16((ushort)commit.WireFormat);
        commit.Content.Write(w);
        w.WriteOpaque(commit.Auth.Signature);
        var hash = CipherSuite.Hash(w.Written);
        TlsWriter.Return(w);
        return hash;
    }

    public static byte[] Interim(ReadOnlySpan<byte> confirmed, ReadOnlySpan<byte> confirmationTag)
    {
        var w = TlsWriter.Rent();
        w.WriteBytes(confirmed);
        w.WriteOpaque(confirmationTag);
        var hash = CipherSuite.Hash(w.Written);
        TlsWriter.Return(w);
        return hash;
    }
}
