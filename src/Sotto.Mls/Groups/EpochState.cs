using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

/// <summary>
/// Everything one member holds for one epoch: the GroupContext, the public tree and its private keys, the epoch
/// secrets, the secret tree and the interim transcript hash. Built completely before it replaces the current
/// epoch (compute, then commit).
/// </summary>
internal sealed class EpochState : IDisposable
{
    public required CipherSuite Suite { get; init; }

    public required GroupContext Context { get; init; }

    public required RatchetTree Tree { get; init; }

    public required TreePrivateKeys Keys { get; init; }

    public required EpochSecrets Secrets { get; init; }

    public required SecretTree SecretTree { get; init; }

    public required byte[] InterimTranscriptHash { get; init; }

    /// <summary>The confirmation tag of the commit that started this epoch (carried in GroupInfo).</summary>
    public required byte[] ConfirmationTag { get; init; }

    public LeafIndex Own => Keys.Own;

    public ulong Epoch => Context.Epoch;

    /// <summary>Disposes this epoch's secrets; private tree keys still used by <paramref name="successor"/> are kept.</summary>
    public void DisposeExcept(EpochState? successor)
    {
        Secrets.Dispose();
        SecretTree.Dispose();
        Keys.DisposeExcept(successor?.Keys);
    }

    public void Dispose() => DisposeExcept(null);

    /// <summary>The part of an epoch kept after it ended, for late application messages and resumption PSKs.</summary>
    public PastEpoch ToPast() => new(Context, Tree, SecretTree, Secrets);
}

/// <summary>A finished epoch kept in the bounded window: enough to decrypt and verify late application messages.</summary>
internal sealed class PastEpoch(GroupContext context, RatchetTree tree, SecretTree secretTree, EpochSecrets secrets) : IDisposable
{
    public GroupContext Context { get; } = context;

    public RatchetTree Tree { get; } = tree;

    public SecretTree SecretTree { get; } = secretTree;

    public EpochSecrets Secrets { get; } = secrets;

    public void Dispose()
    {
        SecretTree.Dispose();
        Secrets.Dispose();
    }
}

/// <summary>
/// A commit that has been fully validated and computed but not yet applied (openmls <c>StagedCommit</c>): the next
/// epoch is ready inside it. <see cref="MlsGroup.MergeStagedCommit"/> (or <see cref="MlsGroup.MergePendingCommit"/>
/// for this member's own) makes it current.
/// </summary>
public sealed class StagedCommit
{
    internal StagedCommit(ulong baseEpoch, EpochState? next, bool removesSelf, IReadOnlyList<Proposal> proposals, IReadOnlyList<LeafIndex> added, IReadOnlyList<LeafIndex> removed)
    {
        BaseEpoch = baseEpoch;
        Next = next;
        RemovesSelf = removesSelf;
        Proposals = proposals;
        AddedMembers = added;
        RemovedMembers = removed;
    }

    /// <summary>The epoch the commit was sent in.</summary>
    public ulong BaseEpoch { get; }

    /// <summary>The epoch it starts.</summary>
    public ulong NewEpoch => BaseEpoch + 1;

    /// <summary>The epoch authenticator of the new epoch (empty when the commit removes this member).</summary>
    public byte[] EpochAuthenticator => Next is null ? [] : (byte[])Next.Secrets.EpochAuthenticator.Clone();

    /// <summary>True when the commit removes this member.</summary>
    public bool RemovesSelf { get; }

    public IReadOnlyList<Proposal> Proposals { get; }

    public IReadOnlyList<LeafIndex> AddedMembers { get; }

    public IReadOnlyList<LeafIndex> RemovedMembers { get; }

    /// <summary>The next epoch; null when the commit removes this member, who cannot derive it.</summary>
    internal EpochState? Next { get; }
}

/// <summary>The outcome of <see cref="MlsGroup.ProcessMessage(Framing.MlsMessageIn)"/>: one sealed case per content type.</summary>
public abstract record ProcessedMessage
{
    private ProcessedMessage()
    {
    }

    /// <summary>Application data from a member, decrypted and authenticated.</summary>
    public sealed record Application(LeafIndex Sender, ulong Epoch, byte[] Data, byte[] AuthenticatedData) : ProcessedMessage;

    /// <summary>A proposal, verified and stored for a later commit (by reference).</summary>
    public sealed record ProposalReceived(Sender Sender, Proposal Proposal, byte[] Reference) : ProcessedMessage;

    /// <summary>A commit, verified and staged; call <see cref="MlsGroup.MergeStagedCommit"/> to apply it.</summary>
    public sealed record Commit(Sender Sender, StagedCommit Staged) : ProcessedMessage;
}

/// <summary>What <see cref="MlsGroup.Commit"/> produced: the commit to send, and for new members the Welcome.</summary>
public sealed class CommitResult
{
    internal CommitResult(MlsMessage commit, MlsMessage? welcome, GroupInfo groupInfo, RatchetTree tree)
    {
        Commit = commit;
        Welcome = welcome;
        GroupInfo = groupInfo;
        RatchetTree = tree;
    }

    public MlsMessage Commit { get; }

    /// <summary>The Welcome for the members this commit adds, if any.</summary>
    public MlsMessage? Welcome { get; }

    /// <summary>The GroupInfo of the new epoch (for the Delivery Service and external joiners).</summary>
    public GroupInfo GroupInfo { get; }

    /// <summary>The ratchet tree of the new epoch (to deliver beside a Welcome that does not carry it).</summary>
    public RatchetTree RatchetTree { get; }
}
