using Sotto.Crypto;
using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

/// <summary>
/// One member's view of an MLS group (RFC 9420): it creates and processes messages, stages commits and merges
/// them, and keeps a bounded window of past epochs for late application messages. The lifecycle is
/// <see cref="GroupState"/>.
/// </summary>
/// <remarks>
/// <para>Compute, then commit: every operation builds its result on copies and touches the group only when
/// nothing can fail any more. Bad peer input raises <see cref="MlsException"/> and leaves the group exactly as it
/// was (ratchets included); misuse by the caller raises <see cref="ArgumentException"/> or
/// <see cref="InvalidOperationException"/>.</para>
/// <para>Ownership: the group owns its epoch secrets and private keys and zeroes them on <see cref="Dispose"/>;
/// the signer is borrowed. Randomness and the clock are injected. Not thread-safe: one caller at a time.</para>
/// </remarks>
public sealed partial class MlsGroup : IDisposable
{
    private readonly MlsGroupOptions _options;
    private readonly SignaturePrivateKey _signer;
    private readonly IRandom _random;
    private readonly LinkedList<PastEpoch> _past = new();
    private readonly Dictionary<ByteKey, CommittedProposal> _proposals = [];
    private readonly List<CommittedProposal> _proposalOrder = [];
    private EpochState _epoch;

    private MlsGroup(EpochState epoch, SignaturePrivateKey signer, MlsGroupOptions options, IRandom random)
    {
        _epoch = epoch;
        _signer = signer;
        _options = options;
        _random = random;
        State = GroupState.Operational.Instance;
    }

    public GroupState State { get; private set; }

    public CipherSuite CipherSuite => _epoch.Suite;

    public byte[] GroupId => _epoch.Context.GroupId;

    public ulong Epoch => _epoch.Epoch;

    public GroupContext Context => _epoch.Context;

    public LeafIndex OwnLeafIndex => _epoch.Own;

    /// <summary>The epoch authenticator (§8.7): equal for all members that share this epoch.</summary>
    public byte[] EpochAuthenticator => (byte[])_epoch.Secrets.EpochAuthenticator.Clone();

    /// <summary>The public ratchet tree of the current epoch (a copy).</summary>
    public RatchetTree RatchetTree => _epoch.Tree.Clone();

    public IEnumerable<(LeafIndex Index, LeafNode Leaf)> Members => _epoch.Tree.Members();

    /// <summary>The current epoch's secrets, for tests that forge messages.</summary>
    internal KeySchedule.EpochSecrets CurrentSecrets => _epoch.Secrets;

    /// <summary>Epochs before the current one still held for late application messages.</summary>
    public IEnumerable<ulong> PastEpochs => _past.Select(p => p.Context.Epoch);

    /// <summary>Proposals received or sent in the current epoch, waiting for a commit.</summary>
    public int PendingProposalCount => _proposalOrder.Count;

    /// <summary>
    /// Creates a one-member group (§11): epoch 0 with a random init secret, a zero commit secret and this member's
    /// leaf at index 0.
    /// </summary>
    public static MlsGroup Create(
        CipherSuite suite, ReadOnlySpan<byte> groupId, Credential credential, SignaturePrivateKey signer, MlsGroupOptions options, IRandom random,
        Extension[]? groupContextExtensions = null, Capabilities? capabilities = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        if (groupId.Length is 0 or > MlsLimits.MaxGroupIdSize)
        {
            throw new ArgumentException($"A group id is 1 to {MlsLimits.MaxGroupIdSize} bytes.", nameof(groupId));
        }

        var bundle = KeyPackageBundle.Create(suite, credential, signer, random, options.TimeProvider, capabilities);
        bundle.InitKey.Dispose();
        var tree = RatchetTree.WithCreator(bundle.KeyPackage.LeafNode);
        var extensions = groupContextExtensions ?? [];
        ProposalApplier.ValidateExtensionsSupported(tree, extensions);
        var context = new GroupContext(suite.Id, groupId.ToArray(), 0, tree.RootHash(), [], extensions);

        Span<byte> initBytes = stackalloc byte[CipherSuite.HashSize];
        random.Fill(initBytes);
        using var init = new InitSecret(initBytes);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(initBytes);
        using var commit = new CommitSecret(new byte[CipherSuite.HashSize]);
        using var joiner = KeyScheduler.DeriveJoinerSecret(init, commit, context.Encoded);
        var secrets = KeyScheduler.DeriveEpochSecrets(joiner, null, context.Encoded);
        var tag = secrets.ConfirmationKey.Tag(context.ConfirmedTranscriptHash);
        var epoch = new EpochState
        {
            Suite = suite,
            Context = context,
            Tree = tree,
            Keys = new TreePrivateKeys(new LeafIndex(0), bundle.EncryptionKey),
            Secrets = secrets,
            SecretTree = new SecretTree(suite, secrets.EncryptionSecret, tree.LeafCount),
            InterimTranscriptHash = TranscriptHash.Interim(context.ConfirmedTranscriptHash, tag),
            ConfirmationTag = tag,
        };
        return new MlsGroup(epoch, signer, options, random);
    }

    /// <summary>
    /// For benchmarks and load tests only: a throw-away view of this group's current epoch acting as the member at
    /// <paramref name="member"/>, so that a harness can produce that member's commits without running its client.
    /// It shares this group's epoch secrets, knows no private path keys, and must not be disposed.
    /// </summary>
    internal MlsGroup SimulateMember(LeafIndex member, SignaturePrivateKey signer)
    {
        var leaf = _epoch.Tree.GetLeaf(member) ?? throw new ArgumentException("The leaf is blank.", nameof(member));
        if (!leaf.SignatureKey.AsSpan().SequenceEqual(signer.PublicKey))
        {
            throw new ArgumentException("The signer does not belong to the member.", nameof(signer));
        }

        var epoch = new EpochState
        {
            Suite = _epoch.Suite,
            Context = _epoch.Context,
            Tree = _epoch.Tree,
            Keys = new TreePrivateKeys(member, new HpkeKeyPair(new SecretBytes(Hpke.PrivateKeySize), leaf.EncryptionKey)),
            Secrets = _epoch.Secrets,
            SecretTree = _epoch.SecretTree,
            InterimTranscriptHash = _epoch.InterimTranscriptHash,
            ConfirmationTag = _epoch.ConfirmationTag,
        };
        return new MlsGroup(epoch, signer, _options with { HandshakeAsPrivateMessage = false }, _random);
    }

    // ---- application messages (§15)

    /// <summary>Encrypts application data as a PrivateMessage of the current epoch.</summary>
    public MlsMessage Encrypt(ReadOnlySpan<byte> data, ReadOnlySpan<byte> authenticatedData = default)
    {
        EnsureActive();
        var content = FramedContent.ForApplication(GroupId, Epoch, Sender.Member(OwnLeafIndex.Value), authenticatedData.ToArray(), data.ToArray());
        var signed = AuthenticatedContent.Sign(WireFormat.PrivateMessage, content, _epoch.Context, _signer);
        return MlsMessage.From(Protect(signed));
    }

    // ---- proposals (§12.1)

    /// <summary>Sends a proposal (Add, Remove, Update, PreSharedKey, GroupContextExtensions) and keeps it for a commit.</summary>
    public MlsMessage Propose(Proposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        EnsureOperational();
        if (proposal is ExternalInitProposal or ReInitProposal)
        {
            throw new ArgumentException("ExternalInit and ReInit cannot be proposed by members here.", nameof(proposal));
        }

        var content = FramedContent.ForProposal(GroupId, Epoch, Sender.Member(OwnLeafIndex.Value), [], proposal);
        var wireFormat = _options.HandshakeAsPrivateMessage ? WireFormat.PrivateMessage : WireFormat.PublicMessage;
        var signed = AuthenticatedContent.Sign(wireFormat, content, _epoch.Context, _signer);
        StoreProposal(signed);
        return wireFormat == WireFormat.PrivateMessage
            ? MlsMessage.From(Protect(signed))
            : MlsMessage.From(PublicMessage.Create(signed, _epoch.Context, _epoch.Secrets.MembershipKey.Bytes));
    }

    public MlsMessage ProposeAdd(KeyPackage keyPackage) => Propose(new AddProposal(keyPackage));

    public MlsMessage ProposeRemove(LeafIndex leaf) => Propose(new RemoveProposal(leaf.Value));

    /// <summary>Proposes an external PSK: the PSK must be in <see cref="MlsGroupOptions.PskStore"/>.</summary>
    public MlsMessage ProposeExternalPsk(ReadOnlySpan<byte> pskId)
    {
        if (!_options.PskStore.TryGet(pskId, out _))
        {
            throw new ArgumentException("The PSK is not in the store.", nameof(pskId));
        }

        var nonce = new byte[CipherSuite.HashSize];
        _random.Fill(nonce);
        return Propose(new PreSharedKeyProposal(PreSharedKeyId.External(pskId.ToArray(), nonce)));
    }

    /// <summary>Proposes an update of this member's leaf with a fresh encryption key.</summary>
    public MlsMessage ProposeUpdate()
    {
        EnsureOperational();
        var current = _epoch.Tree.GetLeaf(OwnLeafIndex)!;
        var key = CipherSuite.GenerateKeyPair(_random);
        var leaf = LeafNode.Create(key.PublicKey, _signer, current.Credential, current.Capabilities, LeafNodeSource.Update, null, null, [.. current.Extensions], GroupId, OwnLeafIndex);
        _pendingUpdateKeys[new ByteKey(key.PublicKey)] = key;
        return Propose(new UpdateProposal(leaf));
    }

    private readonly Dictionary<ByteKey, HpkeKeyPair> _pendingUpdateKeys = [];

    private void StoreProposal(AuthenticatedContent content)
    {
        var reference = content.ProposalRef();
        var key = new ByteKey(reference);
        if (_proposals.ContainsKey(key))
        {
            return;
        }

        var entry = new CommittedProposal(content.Content.Proposal!, content.Content.Sender, reference);
        _proposals[key] = entry;
        _proposalOrder.Add(entry);
    }

    // ---- exporter, GroupInfo

    /// <summary>MLS-Exporter(label, context, length) of the current epoch (§8.5).</summary>
    public byte[] Export(string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(label);
        return _epoch.Secrets.ExporterSecret.Export(System.Text.Encoding.UTF8.GetBytes(label), context, length);
    }

    /// <summary>A signed GroupInfo for the current epoch (§12.4.3), optionally with the tree and the external public key.</summary>
    public GroupInfo CreateGroupInfo(bool includeRatchetTree, bool includeExternalPub)
    {
        EnsureActive();
        return BuildGroupInfo(_epoch, includeRatchetTree, includeExternalPub);
    }

    private GroupInfo BuildGroupInfo(EpochState epoch, bool includeRatchetTree, bool includeExternalPub)
    {
        var extensions = new List<Extension>();
        if (includeRatchetTree)
        {
            extensions.Add(new Extension((ushort)ExtensionType.RatchetTree, epoch.Tree.Encode()));
        }

        if (includeExternalPub)
        {
            using var pair = epoch.Secrets.ExternalKeyPair(epoch.Suite);
            extensions.Add(new Extension((ushort)ExtensionType.ExternalPub, ExternalPub.Encode(pair.PublicKey)));
        }

        return GroupInfo.Create(epoch.Context, [.. extensions], epoch.ConfirmationTag, epoch.Own.Value, _signer);
    }

    // ---- state transitions

    /// <summary>Applies this member's own staged commit once the Delivery Service has accepted it.</summary>
    public void MergePendingCommit()
    {
        if (State is not GroupState.PendingCommit pending)
        {
            throw new InvalidOperationException("There is no pending commit.");
        }

        Advance(pending.Commit);
    }

    /// <summary>Discards this member's own staged commit (the Delivery Service rejected it).</summary>
    public void ClearPendingCommit()
    {
        if (State is not GroupState.PendingCommit pending)
        {
            throw new InvalidOperationException("There is no pending commit.");
        }

        pending.Commit.Next?.DisposeExcept(_epoch);
        State = GroupState.Operational.Instance;
    }

    /// <summary>Applies a commit received from another member and staged by <see cref="ProcessMessage(MlsMessageIn)"/>.</summary>
    public void MergeStagedCommit(StagedCommit staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        if (staged.BaseEpoch != Epoch || State is GroupState.Inactive)
        {
            throw new InvalidOperationException("The staged commit is not for the group's current epoch.");
        }

        if (State is GroupState.PendingCommit pending && !ReferenceEquals(pending.Commit, staged))
        {
            pending.Commit.Next?.DisposeExcept(_epoch);
        }

        Advance(staged);
    }

    private void Advance(StagedCommit staged)
    {
        if (staged.Next is not { } next)
        {
            // Removed: keep the last epoch for late messages, but the group is over for this member.
            State = GroupState.Inactive.Instance;
            return;
        }

        var old = _epoch;
        old.Keys.DisposeExcept(next.Keys);
        _past.AddLast(old.ToPast());
        while (_past.Count > _options.PastEpochs)
        {
            _past.First!.Value.Dispose();
            _past.RemoveFirst();
        }

        _epoch = next;
        _proposals.Clear();
        _proposalOrder.Clear();
        foreach (var key in _pendingUpdateKeys.Values)
        {
            if (!ReferenceEquals(key, next.Keys.LeafKey))
            {
                key.Dispose();
            }
        }

        _pendingUpdateKeys.Clear();
        State = GroupState.Operational.Instance;
    }

    private void EnsureActive()
    {
        if (State is GroupState.Inactive)
        {
            throw new InvalidOperationException("This member is no longer in the group.");
        }
    }

    private void EnsureOperational()
    {
        EnsureActive();
        if (State is GroupState.PendingCommit)
        {
            throw new InvalidOperationException("A commit is pending; merge or clear it first.");
        }
    }

    private PrivateMessage Protect(AuthenticatedContent signed) =>
        MessageProtection.Encrypt(CipherSuite, signed, _epoch.SecretTree, _epoch.Secrets.SenderDataSecret, _options.PaddingBlockSize, _random);

    public void Dispose()
    {
        if (State is GroupState.PendingCommit pending)
        {
            pending.Commit.Next?.DisposeExcept(_epoch);
        }

        _epoch.Dispose();
        foreach (var past in _past)
        {
            past.Dispose();
        }

        _past.Clear();
        foreach (var key in _pendingUpdateKeys.Values)
        {
            key.Dispose();
        }
    }
}
