using Google.Protobuf;
using Sotto.Protocol.Proto.Storage;

namespace Sotto.Protocol;

/// <summary>
/// Everything this device keeps about its sessions with one remote device: the current session and up to
/// <see cref="ProtocolLimits.ArchivedStatesMaxLength"/> archived ones, newest first (libsignal
/// <c>SessionRecord</c>). Opaque to callers, who store and load it through an <see cref="Storage.ISessionStore"/>;
/// serialized as libsignal's <c>RecordStructure</c> (storage.proto) for the client SDK's database.
/// </summary>
/// <remarks>
/// <para>Transitions (libsignal <c>promote_state</c>, <c>promote_old_session</c>):</para>
/// <code>
///   new session (bundle processed, or PreKey message from a new base key)
///        current ──archive (pending PreKey fields cleared)──► previous[0]; new ──► current; previous[40] dropped
///   late message decrypts with previous[i]
///        previous[i] ──► current (the old current is archived as above)
///   ArchiveCurrentState(): current ──► previous[0]; no current session (encrypt needs a new bundle)
/// </code>
/// <para>Not thread-safe; <see cref="SessionCipher"/> expects one operation at a time per remote address.</para>
/// </remarks>
public sealed class SessionRecord
{
    private readonly List<byte[]> _previous;

    /// <summary>An empty record (no session yet).</summary>
    public SessionRecord()
    {
        _previous = [];
    }

    private SessionRecord(SessionState? current, List<byte[]> previous)
    {
        Current = current;
        _previous = previous;
    }

    /// <summary>Whether there is a current session.</summary>
    public bool HasCurrentSession => Current is not null;

    /// <summary>The number of archived sessions kept for late messages.</summary>
    public int ArchivedSessionCount => _previous.Count;

    /// <summary>The remote device's registration id in the current session, or <see langword="null"/> without one.</summary>
    public uint? RemoteRegistrationId => Current?.RemoteRegistrationId;

    /// <summary>The peer's identity key in the current session, or <see langword="null"/>.</summary>
    public IdentityKey? RemoteIdentityKey => Current?.RemoteIdentity;

    internal SessionState? Current { get; private set; }

    internal IReadOnlyList<byte[]> Previous => _previous;

    /// <summary>
    /// Whether the current session can encrypt at <paramref name="now"/>: it exists and is not an unacknowledged
    /// session older than <see cref="ProtocolLimits.MaxUnacknowledgedSessionAge"/> (libsignal
    /// <c>has_usable_sender_chain</c> with <c>NotStale</c>). When false, fetch a bundle and process it first.
    /// </summary>
    public bool HasUsableSenderChain(DateTimeOffset now) =>
        Current is { Sender: not null } state && !IsStale(state, now);

    /// <summary>Archives the current session (for instance when the peer's devices changed); encrypting then needs a new bundle.</summary>
    public void ArchiveCurrentState()
    {
        if (Current is { } current)
        {
            Archive(current);
            Current = null;
        }
    }

    /// <summary>A deep copy: the stores hand out copies so that a failed operation leaves them unchanged.</summary>
    public SessionRecord Clone() => new(Current?.Clone(), [.. _previous]);

    /// <summary>Serializes as a <c>RecordStructure</c>.</summary>
    public byte[] Serialize()
    {
        var record = new RecordStructure { CurrentSession = Current?.ToStructure() };
        foreach (var previous in _previous)
        {
            record.PreviousSessions.Add(UnsafeByteOperations.UnsafeWrap(previous));
        }

        return record.ToByteArray();
    }

    /// <summary>Loads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolError.InvalidSessionState"/> for a corrupt record.</exception>
    public static SessionRecord Deserialize(ReadOnlySpan<byte> serialized)
    {
        var record = RecordParsing.Parse(RecordStructure.Parser, serialized, "session");
        if (record.PreviousSessions.Count > ProtocolLimits.ArchivedStatesMaxLength)
        {
            ThrowHelper.ThrowInvalidState("Too many archived sessions.");
        }

        var current = record.CurrentSession is null ? null : SessionState.FromStructure(record.CurrentSession);
        return new SessionRecord(current, record.PreviousSessions.Select(p => p.ToByteArray()).ToList());
    }

    /// <summary>libsignal: <c>pending.timestamp + MAX_UNACKNOWLEDGED_SESSION_AGE &lt; now</c>.</summary>
    internal static bool IsStale(SessionState state, DateTimeOffset now) =>
        state.Pending is { } pending
        && pending.TimestampSeconds < (ulong)(long.MaxValue / 2000)
        && (long)pending.TimestampSeconds * 1000 + (long)ProtocolLimits.MaxUnacknowledgedSessionAge.TotalMilliseconds < now.ToUnixTimeMilliseconds();

    /// <summary>Decodes archived session <paramref name="index"/>; <see langword="null"/> when it is corrupt (it is skipped, as libsignal does).</summary>
    internal SessionState? DecodePrevious(int index)
    {
        try
        {
            return SessionState.FromStructure(SessionStructure.Parser.ParseFrom(_previous[index]));
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        catch (ProtocolException)
        {
            return null;
        }
    }

    /// <summary>Archives the current session (if any) and makes <paramref name="state"/> current.</summary>
    internal void PromoteState(SessionState state)
    {
        if (Current is { } current)
        {
            Archive(current);
        }

        Current = state;
    }

    /// <summary>Replaces archived session <paramref name="index"/> by its updated <paramref name="state"/> and makes it current.</summary>
    internal void PromoteOldSession(int index, SessionState state)
    {
        _previous.RemoveAt(index);
        PromoteState(state);
    }

    private void Archive(SessionState state)
    {
        if (_previous.Count >= ProtocolLimits.ArchivedStatesMaxLength)
        {
            _previous.RemoveAt(_previous.Count - 1);
        }

        var structure = state.ToStructure();
        structure.PendingPreKey = null;
        structure.PendingKyberPreKey = null;
        _previous.Insert(0, structure.ToByteArray());
    }
}
