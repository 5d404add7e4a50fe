namespace Sotto.Mls.Groups;

/// <summary>
/// Where a group is in its life (openmls <c>MlsGroupState</c>). Transitions:
/// <code>
///   Operational ──Commit()──────────────────────► PendingCommit(own staged commit)
///   PendingCommit ──MergePendingCommit()────────► Operational (epoch + 1)
///   PendingCommit ──ClearPendingCommit()────────► Operational (same epoch)
///   Operational | PendingCommit
///       ──MergeStagedCommit(received)───────────► Operational (epoch + 1; a pending own commit is dropped)
///                                                 or Inactive when that commit removed this member
///   Inactive: no further messages are sent or processed.
/// </code>
/// A commit is merged only once the Delivery Service has confirmed it (own commits) or the member has processed
/// it (others'); until then the current epoch stays in force, so a rejected commit leaves nothing behind.
/// </summary>
public abstract record GroupState
{
    private GroupState()
    {
    }

    /// <summary>The group is in an epoch and has no own commit waiting.</summary>
    public sealed record Operational : GroupState
    {
        internal static Operational Instance { get; } = new();
    }

    /// <summary>This member created a commit and waits for the Delivery Service to confirm it.</summary>
    public sealed record PendingCommit(StagedCommit Commit) : GroupState;

    /// <summary>This member was removed from the group.</summary>
    public sealed record Inactive : GroupState
    {
        internal static Inactive Instance { get; } = new();
    }
}
