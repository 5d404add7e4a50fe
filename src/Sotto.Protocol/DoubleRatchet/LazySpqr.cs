using System.Buffers.Binary;
using Google.Protobuf;

namespace Sotto.Protocol;

/// <summary>
/// "Lazy" SPQR: the part of the Sparse Post-Quantum Ratchet (spqr V1, <c>src/chain.rs</c> and
/// <c>src/v1/chunked/states/serialize.rs</c>) that salts every message key, without the ML-KEM-768 braid.
/// </summary>
/// <remarks>
/// <para>
/// libsignal 0.103 runs SPQR in every session and rejects messages without it. Both sides start a chain from the
/// PQXDH "SPQR auth key"; each direction is a hash chain whose keys become the HKDF salt of the Double Ratchet's
/// message keys:
/// <code>
///   nextRoot ‖ A2B ‖ B2A = HKDF(salt 0³², authKey, "Signal PQ Ratchet V1 Chain  Start", 96)    (two spaces)
///   for n = 1, 2, …:  next' ‖ key_n = HKDF(salt 0³², next, BE32(n) ‖ "Signal PQ Ratchet V1 Chain Next", 64)
/// </code>
/// Sotto always sends SPQR V1 messages of type None, epoch 1 (the epoch-0 chain), index n:
/// <c>0x01 ‖ varint 1 ‖ varint n ‖ 0x00</c>. It reads the epoch and index of the peer's messages and ignores their
/// braid chunks (header, encapsulation key, ciphertext). Because the braid needs both sides, a session with Sotto
/// never leaves epoch 1, and libsignal accepts this (proven live in both directions).
/// </para>
/// <para>
/// Out of scope, and a later goal: the full braid (ML-KEM-768 with erasure-coded chunks, epochs ≥ 2, "Chain Add
/// Epoch"). A message for epoch ≥ 2 is rejected with <see cref="ProtocolError.InvalidPqRatchet"/>.
/// </para>
/// <para>
/// The receive side keeps spqr's key-history rules: a jump of more than the max-jump limit fails, keys more than
/// <see cref="ProtocolLimits.MaxMessageKeys"/> behind the newest are trimmed, a key is handed out once.
/// </para>
/// </remarks>
internal sealed class LazySpqr
{
    internal const int KeyLength = 32;
    private const byte Version1 = 1;
    private const int TrimSize = ProtocolLimits.MaxMessageKeys * 11 / 10 + 1;

    private static ReadOnlySpan<byte> StartLabel => "Signal PQ Ratchet V1 Chain  Start"u8;

    private static ReadOnlySpan<byte> NextLabel => "Signal PQ Ratchet V1 Chain Next"u8;

    private LazySpqr(bool aToB, uint maxJump, uint sendCtr, byte[] sendNext, uint recvCtr, byte[] recvNext, List<SkippedKey> recvPrev)
    {
        AToB = aToB;
        MaxJump = maxJump;
        SendCtr = sendCtr;
        SendNext = sendNext;
        RecvCtr = recvCtr;
        RecvNext = recvNext;
        RecvPrev = recvPrev;
    }

    /// <summary>True when our sending half is A2B (we initiated the session).</summary>
    internal bool AToB { get; }

    /// <summary>The largest forward jump accepted: <see cref="ProtocolLimits.MaxForwardJumps"/>, or unlimited with oneself.</summary>
    internal uint MaxJump { get; }

    internal uint SendCtr { get; private set; }

    internal byte[] SendNext { get; private set; }

    internal uint RecvCtr { get; private set; }

    internal byte[] RecvNext { get; private set; }

    internal List<SkippedKey> RecvPrev { get; private set; }

    /// <summary>spqr's <c>Chain::new</c> for one side.</summary>
    internal static LazySpqr Create(ReadOnlySpan<byte> authKey, bool aToB, bool selfSession)
    {
        Span<byte> okm = stackalloc byte[96];
        try
        {
            Kdf.Hkdf(default, authKey, StartLabel, okm);
            var a2b = okm[32..64].ToArray();
            var b2a = okm[64..96].ToArray();
            return new LazySpqr(aToB, selfSession ? uint.MaxValue : ProtocolLimits.MaxForwardJumps, 0, aToB ? a2b : b2a, 0, aToB ? b2a : a2b, []);
        }
        finally
        {
            Kdf.Zero(okm);
        }
    }

    /// <summary>Computes the next send key and message without changing the state (commit with <see cref="Apply(in SendUpdate)"/>).</summary>
    internal SendUpdate PrepareSend(Span<byte> key)
    {
        uint ctr = checked(SendCtr + 1);
        var next = new byte[KeyLength];
        Step(SendNext, ctr, next, key);
        Span<byte> message = stackalloc byte[1 + 1 + 5 + 1];
        message[0] = Version1;
        message[1] = 1; // epoch 1: the epoch-0 chain
        int length = 2 + WriteVarint(ctr, message[2..]);
        message[length++] = 0; // type None
        return new SendUpdate(ctr, next, message[..length].ToArray());
    }

    internal void Apply(in SendUpdate update)
    {
        SendCtr = update.Ctr;
        SendNext = update.Next;
    }

    /// <summary>
    /// Parses the peer's SPQR field and computes the message key for it without changing the state (commit with
    /// <see cref="Apply(in ReceiveUpdate)"/>). Returns <see langword="false"/> (no key, no salt) for index 0.
    /// </summary>
    /// <exception cref="ProtocolException">Missing, malformed, unsupported epoch, too far ahead, trimmed or reused.</exception>
    internal bool PrepareReceive(ReadOnlySpan<byte> pqRatchet, Span<byte> key, out ReceiveUpdate update)
    {
        var (epoch, index) = ParseMessage(pqRatchet);
        if (epoch != 1)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, $"SPQR epoch {epoch} needs the ML-KEM braid, which this implementation does not run.");
        }

        update = default;
        if (index == 0)
        {
            return false;
        }

        if (index < RecvCtr)
        {
            if ((ulong)index + ProtocolLimits.MaxMessageKeys < RecvCtr)
            {
                ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "The SPQR key for this message was trimmed.");
            }

            for (int i = 0; i < RecvPrev.Count; i++)
            {
                if (RecvPrev[i].Index == index)
                {
                    RecvPrev[i].Key.CopyTo(key);
                    update = new ReceiveUpdate(RecvCtr, RecvNext, i, null);
                    return true;
                }
            }

            ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "The SPQR key for this message was already used.");
        }

        if (index == RecvCtr)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "The SPQR key for this message was already used.");
        }

        if (index - RecvCtr > MaxJump)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MessageTooFarInFuture, "The SPQR index is too far ahead.");
        }

        // spqr ChainEpochDirection::key: skip ahead, keeping the keys that are not already too old to keep.
        List<SkippedKey>? prev = null;
        if ((ulong)index > (ulong)RecvCtr + ProtocolLimits.MaxMessageKeys)
        {
            prev = [];
        }

        uint ctr = RecvCtr;
        byte[] next = RecvNext;
        Span<byte> skipped = stackalloc byte[KeyLength];
        while (index > ctr + 1)
        {
            ctr++;
            var stepped = new byte[KeyLength];
            Step(next, ctr, stepped, skipped);
            next = stepped;
            if ((ulong)ctr + ProtocolLimits.MaxMessageKeys >= index)
            {
                prev ??= [.. RecvPrev];
                prev.Add(new SkippedKey(ctr, skipped.ToArray()));
            }
        }

        Kdf.Zero(skipped);

        // gc: once the history reaches spqr's trim size, drop keys older than MaxMessageKeys behind ctr. The
        // subtraction saturates: a stored state (ours, or a corrupt one) may hold that many keys while ctr is still
        // below MaxMessageKeys.
        if ((prev ?? RecvPrev).Count >= TrimSize)
        {
            uint horizon = ctr > ProtocolLimits.MaxMessageKeys ? ctr - ProtocolLimits.MaxMessageKeys : 0;
            prev = (prev ?? RecvPrev).Where(k => k.Index >= horizon).ToList();
        }

        ctr++;
        var last = new byte[KeyLength];
        Step(next, ctr, last, key);
        update = new ReceiveUpdate(ctr, last, -1, prev);
        return true;
    }

    internal void Apply(in ReceiveUpdate update)
    {
        if (update.Next is null)
        {
            return;
        }

        RecvCtr = update.Ctr;
        RecvNext = update.Next;
        if (update.NewPrev is not null)
        {
            RecvPrev = update.NewPrev;
        }
        else if (update.RemoveAt >= 0)
        {
            RecvPrev.RemoveAt(update.RemoveAt);
        }
    }

    internal LazySpqr Clone() => new(AToB, MaxJump, SendCtr, SendNext, RecvCtr, RecvNext, [.. RecvPrev]);

    /// <summary>spqr <c>next_key_internal</c>: next' ‖ key = HKDF(0³², next, BE32(ctr) ‖ label, 64).</summary>
    private static void Step(ReadOnlySpan<byte> next, uint ctr, Span<byte> newNext, Span<byte> key)
    {
        Span<byte> info = stackalloc byte[4 + NextLabel.Length];
        BinaryPrimitives.WriteUInt32BigEndian(info, ctr);
        NextLabel.CopyTo(info[4..]);
        Span<byte> okm = stackalloc byte[64];
        Kdf.Hkdf(default, next, info, okm);
        okm[..32].CopyTo(newNext);
        okm[32..].CopyTo(key);
        Kdf.Zero(okm);
    }

    /// <summary>
    /// spqr <c>Message::deserialize</c>: version 1, varint epoch ≥ 1, varint index (u32), a type byte 0-6, and for
    /// chunk-carrying types a varint chunk index (≤ 65535) and 32 bytes. Trailing bytes are allowed (as in spqr).
    /// </summary>
    internal static (ulong Epoch, uint Index) ParseMessage(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.MissingPqRatchet, "The message has no SPQR field; libsignal 0.100+ requires SPQR in every session.");
        }

        if (message[0] != Version1)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, $"Unsupported SPQR version {message[0]}.");
        }

        int at = 1;
        ulong epoch = ReadVarint(message, ref at);
        ulong index = ReadVarint(message, ref at);
        if (epoch == 0 || index > uint.MaxValue || at >= message.Length)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "Malformed SPQR message.");
        }

        byte type = message[at++];
        switch (type)
        {
            case 0: // None
            case 4: // Ct1Ack
                break;
            case 1: // Hdr
            case 2: // Ek
            case 3: // EkCt1Ack
            case 5: // Ct1
            case 6: // Ct2
                ulong chunk = ReadVarint(message, ref at);
                if (chunk > ushort.MaxValue || message.Length - at < 32)
                {
                    ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "Malformed SPQR chunk.");
                }

                break;
            default:
                ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, $"Unknown SPQR message type {type}.");
                break;
        }

        return (epoch, (uint)index);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length)
            {
                ThrowHelper.ThrowProtocol(ProtocolError.InvalidPqRatchet, "Truncated SPQR varint.");
            }

            byte b = data[at++];
            if (shift == 63 && b > 1)
            {
                break;
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        return ThrowHelper.ThrowProtocol<ulong>(ProtocolError.InvalidPqRatchet, "SPQR varint overflows 64 bits.");
    }

    private static int WriteVarint(uint value, Span<byte> destination)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    internal ByteString Serialize()
    {
        var prev = new byte[RecvPrev.Count * (4 + KeyLength)];
        for (int i = 0; i < RecvPrev.Count; i++)
        {
            var slot = prev.AsSpan(i * (4 + KeyLength));
            BinaryPrimitives.WriteUInt32BigEndian(slot, RecvPrev[i].Index);
            RecvPrev[i].Key.CopyTo(slot[4..]);
        }

        return new Proto.Storage.LazySpqrState
        {
            Version = 1,
            AToB = AToB,
            MaxJump = MaxJump == ProtocolLimits.MaxForwardJumps ? 0 : MaxJump,
            Send = new Proto.Storage.LazySpqrState.Types.Direction { Ctr = SendCtr, Next = UnsafeByteOperations.UnsafeWrap(SendNext) },
            Recv = new Proto.Storage.LazySpqrState.Types.Direction { Ctr = RecvCtr, Next = UnsafeByteOperations.UnsafeWrap(RecvNext), Prev = UnsafeByteOperations.UnsafeWrap(prev) },
        }.ToByteString();
    }

    internal static LazySpqr Deserialize(ByteString serialized)
    {
        Proto.Storage.LazySpqrState s;
        try
        {
            s = Proto.Storage.LazySpqrState.Parser.ParseFrom(serialized);
        }
        catch (InvalidProtocolBufferException)
        {
            return ThrowHelper.ThrowProtocol<LazySpqr>(ProtocolError.InvalidSessionState, "Corrupt SPQR state.");
        }

        if (s.Version != 1 || s.Send is null || s.Recv is null || s.Send.Next.Length != KeyLength || s.Recv.Next.Length != KeyLength
            || s.Recv.Prev.Length % (4 + KeyLength) != 0 || s.Recv.Prev.Length / (4 + KeyLength) > TrimSize + ProtocolLimits.MaxMessageKeys)
        {
            ThrowHelper.ThrowInvalidState("Corrupt SPQR state (this is not a Sotto session record).");
        }

        var prevBytes = s.Recv.Prev.Span;
        var prev = new List<SkippedKey>(prevBytes.Length / (4 + KeyLength));
        for (int i = 0; i < prevBytes.Length; i += 4 + KeyLength)
        {
            prev.Add(new SkippedKey(BinaryPrimitives.ReadUInt32BigEndian(prevBytes[i..]), prevBytes.Slice(i + 4, KeyLength).ToArray()));
        }

        return new LazySpqr(s.AToB, s.MaxJump == 0 ? ProtocolLimits.MaxForwardJumps : s.MaxJump, s.Send.Ctr, s.Send.Next.ToByteArray(), s.Recv.Ctr, s.Recv.Next.ToByteArray(), prev);
    }

    /// <summary>A staged send: the new counter and chain value, and the SPQR message to put in the SignalMessage.</summary>
    internal readonly record struct SendUpdate(uint Ctr, byte[] Next, byte[] Message);

    /// <summary>A staged receive: the new counter and chain value (null: nothing changes), and how the key history changes.</summary>
    internal readonly record struct ReceiveUpdate(uint Ctr, byte[]? Next, int RemoveAt, List<SkippedKey>? NewPrev);
}

/// <summary>A key kept for an out-of-order message: a Double Ratchet message-key seed, or an SPQR key.</summary>
internal readonly record struct SkippedKey(uint Index, byte[] Key);
