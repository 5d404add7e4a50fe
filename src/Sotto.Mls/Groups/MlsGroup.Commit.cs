using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

public sealed partial class MlsGroup
{
    /// <summary>
    /// Creates a commit (§12.4.1) covering the epoch's pending proposals (by reference) and
    /// <see cref="CommitOptions.Proposals"/> (by value), with an UpdatePath when one is required or forced, and the
    /// Welcome for the members it adds. The commit is staged: the group moves to <see cref="GroupState.PendingCommit"/>
    /// and stays in the current epoch until <see cref="MergePendingCommit"/>.
    /// </summary>
    public CommitResult Commit(CommitOptions? options = null)
    {
        EnsureOperational();
        options ??= new CommitOptions();
        var own = OwnLeafIndex;
        var now = _options.TimeProvider.GetUtcNow();
        var proposals = options.IncludePendingProposals ? SelectPendingProposals(now) : [];
        foreach (var proposal in options.Proposals)
        {
            proposals.Add(new CommittedProposal(proposal, Sender.Member(own.Value), null));
        }

        var applied = ProposalApplier.Apply(CipherSuite, _epoch.Tree, _epoch.Context, proposals, own, _options, now, checkLifetimes: true);
        bool withPath = options.ForcePath || proposals.Count == 0 || applied.PathRequired;
        var tree = applied.Tree;
        var keys = _epoch.Keys.Clone();
        var newEpoch = checked(Epoch + 1);

        CreatedPath? created = null;
        CommitSecret commitSecret;
        if (withPath)
        {
            created = TreeKem.CreatePath(
                CipherSuite, tree, keys, tree.GetLeaf(own)!, _signer, GroupId, applied.AddedLeaves,
                treeHash => _epoch.Context.With(newEpoch, treeHash, null, applied.Extensions).Encoded, _random);
            commitSecret = created.CommitSecret;
        }
        else
        {
            commitSecret = new CommitSecret(new byte[CipherSuite.HashSize]);
            keys.Prune(tree);
        }

        try
        {
            var commit = new Commit(
                [.. proposals.Select(p => p.Reference is null ? ProposalOrRef.ByValue(p.Proposal) : ProposalOrRef.ByReference(p.Reference))],
                created?.Path);
            var content = FramedContent.ForCommit(GroupId, Epoch, Sender.Member(own.Value), options.AuthenticatedData, commit);
            var wireFormat = _options.HandshakeAsPrivateMessage ? WireFormat.PrivateMessage : WireFormat.PublicMessage;
            var signed = AuthenticatedContent.Sign(wireFormat, content, _epoch.Context, _signer);

            var confirmed = TranscriptHash.Confirmed(_epoch.InterimTranscriptHash, signed);
            var context = _epoch.Context.With(newEpoch, tree.RootHash(), confirmed, applied.Extensions);
            using var psk = ResolvePsks(applied.Psks);
            using var joiner = KeyScheduler.DeriveJoinerSecret(_epoch.Secrets.InitSecret, commitSecret, context.Encoded);
            var secrets = KeyScheduler.DeriveEpochSecrets(joiner, psk, context.Encoded);
            var tag = secrets.ConfirmationKey.Tag(confirmed);
            var final = new AuthenticatedContent(wireFormat, content, new FramedContentAuthData(signed.Auth.Signature, tag));
            var next = new EpochState
            {
                Suite = CipherSuite,
                Context = context,
                Tree = tree,
                Keys = keys,
                Secrets = secrets,
                SecretTree = new SecretTree(CipherSuite, secrets.EncryptionSecret, tree.LeafCount),
                InterimTranscriptHash = TranscriptHash.Interim(confirmed, tag),
                ConfirmationTag = tag,
            };

            bool treeInWelcome = options.RatchetTreeInWelcome ?? _options.RatchetTreeInWelcome;
            var groupInfo = BuildGroupInfo(next, treeInWelcome, options.ExternalPubInGroupInfo);
            MlsMessage? welcome = applied.Added.Count == 0 ? null
                : MlsMessage.From(BuildWelcome(next, groupInfo, joiner, applied, created, own));

            var message = wireFormat == WireFormat.PublicMessage
                ? MlsMessage.From(PublicMessage.Create(final, _epoch.Context, _epoch.Secrets.MembershipKey.Bytes))
                : MlsMessage.From(Protect(final));

            var staged = new StagedCommit(Epoch, next, false, [.. proposals.Select(p => p.Proposal)], [.. applied.Added.Select(a => a.Leaf)], applied.Removed);
            State = new GroupState.PendingCommit(staged);
            return new CommitResult(message, welcome, groupInfo, tree);
        }
        finally
        {
            if (created is not null)
            {
                created.Dispose();
            }
            else
            {
                commitSecret.Dispose();
            }
        }
    }

    /// <summary>
    /// The received proposals to commit (§12.4: include all valid ones): not this member's own updates, not its
    /// removal, one change per leaf (a remove wins over an update, else the latest update), the last
    /// GroupContextExtensions, one Add per signature key, one use per PSK, KeyPackages that validate.
    /// </summary>
    private List<CommittedProposal> SelectPendingProposals(DateTimeOffset now)
    {
        var own = OwnLeafIndex.Value;
        var removed = new HashSet<uint>();
        foreach (var p in _proposalOrder)
        {
            if (p.Proposal is RemoveProposal r && r.Removed != own)
            {
                removed.Add(r.Removed);
            }
        }

        var lastUpdate = new Dictionary<uint, CommittedProposal>();
        CommittedProposal? lastExtensions = null;
        foreach (var p in _proposalOrder)
        {
            if (p.Proposal is UpdateProposal && p.Sender.Type == SenderType.Member && p.Sender.Index != own && !removed.Contains(p.Sender.Index))
            {
                lastUpdate[p.Sender.Index] = p;
            }
            else if (p.Proposal is GroupContextExtensionsProposal)
            {
                lastExtensions = p;
            }
        }

        var selected = new List<CommittedProposal>();
        var removes = new HashSet<uint>();
        var addKeys = new HashSet<ByteKey>();
        var psks = new List<PreSharedKeyId>();
        foreach (var p in _proposalOrder)
        {
            switch (p.Proposal)
            {
                case RemoveProposal r when r.Removed != own && removes.Add(r.Removed):
                    selected.Add(p);
                    break;
                case UpdateProposal when lastUpdate.TryGetValue(p.Sender.Index, out var latest) && ReferenceEquals(latest, p):
                    selected.Add(p);
                    break;
                case GroupContextExtensionsProposal when ReferenceEquals(p, lastExtensions):
                    selected.Add(p);
                    break;
                case AddProposal add when addKeys.Add(new ByteKey(add.KeyPackage.LeafNode.SignatureKey)) && IsValidKeyPackage(add.KeyPackage, now):
                    selected.Add(p);
                    break;
                case PreSharedKeyProposal psk when !psks.Any(other => other.SamePsk(psk.Psk)):
                    psks.Add(psk.Psk);
                    selected.Add(p);
                    break;
            }
        }

        return selected;
    }

    private bool IsValidKeyPackage(KeyPackageIn keyPackage, DateTimeOffset now)
    {
        try
        {
            keyPackage.Validate(CipherSuite, now, _options.CredentialValidator, checkLifetime: true, _options.MaxLeafLifetime);
            return true;
        }
        catch (MlsException)
        {
            return false;
        }
    }

    /// <summary>
    /// The Welcome (§12.4.3.1): the GroupInfo encrypted under the welcome key, and per new member the GroupSecrets
    /// (joiner secret, the path secret of the lowest common ancestor with the committer, the PSK ids) encrypted to
    /// its KeyPackage's init key.
    /// </summary>
    private Welcome BuildWelcome(EpochState next, GroupInfo groupInfo, JoinerSecret joiner, AppliedProposals applied, CreatedPath? created, LeafIndex own)
    {
        var (key, nonce) = KeyScheduler.WelcomeKeyAndNonce(CipherSuite, next.Secrets.WelcomeSecret);
        var encryptedGroupInfo = CipherSuite.AeadSeal(key, nonce, [], groupInfo.Encode());
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        var joinerBytes = joiner.Export();
        var secrets = new List<EncryptedGroupSecrets>(applied.Added.Count);
        var encryptContext = CipherSuite.PrepareEncryptContext("Welcome"u8, encryptedGroupInfo);
        foreach (var (leaf, keyPackage) in applied.Added)
        {
            byte[]? pathSecret = null;
            if (created is not null)
            {
                var ancestor = Tree.CommonAncestor(leaf.Node, own.Node);
                pathSecret = created.PathSecrets[ancestor.Value].Export();
            }

            using var groupSecrets = new GroupSecrets((byte[])joinerBytes.Clone(), pathSecret, [.. applied.Psks]);
            var ciphertext = CipherSuite.EncryptWithLabel(keyPackage.InitKey, encryptContext, groupSecrets.Encode(), _random);
            secrets.Add(new EncryptedGroupSecrets(new KeyPackage(keyPackage).Ref, ciphertext));
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(joinerBytes);
        return new Welcome(CipherSuite.Id, [.. secrets], encryptedGroupInfo);
    }
}
