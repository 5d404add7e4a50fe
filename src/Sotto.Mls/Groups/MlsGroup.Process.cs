using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

public sealed partial class MlsGroup
{
    /// <summary>
    /// Verifies and decrypts a PublicMessage or PrivateMessage for this group (§6): application data is returned,
    /// a proposal is stored for the epoch, a commit is validated and staged (merge it with
    /// <see cref="MergeStagedCommit"/>). On any <see cref="MlsException"/> the group is unchanged.
    /// </summary>
    /// <remarks>
    /// Handshake messages are accepted for the current epoch only, so a second commit for an epoch that has already
    /// been merged fails with <see cref="MlsError.WrongEpoch"/>. Application messages from the last
    /// <see cref="MlsGroupOptions.PastEpochs"/> epochs still decrypt.
    /// </remarks>
    public ProcessedMessage ProcessMessage(MlsMessageIn message)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureActive();
        return message.WireFormat switch
        {
            WireFormat.PublicMessage => ProcessPublic(message.PublicMessage!),
            WireFormat.PrivateMessage => ProcessPrivate(message.PrivateMessage!),
            _ => throw new MlsException(MlsError.UnexpectedWireFormat, "Only PublicMessage and PrivateMessage are processed by a group."),
        };
    }

    /// <summary>Decodes and processes an MLSMessage.</summary>
    public ProcessedMessage ProcessMessage(ReadOnlySpan<byte> message) => ProcessMessage(MlsMessageIn.Decode(message));

    private ProcessedMessage ProcessPublic(PublicMessageIn message)
    {
        var content = message.Content;
        CheckGroupId(content.GroupId);
        if (content.Epoch != Epoch)
        {
            throw new MlsException(MlsError.WrongEpoch, "The handshake message is not for the current epoch.");
        }

        if (content.ContentType == ContentType.Application)
        {
            throw new MlsException(MlsError.UnexpectedWireFormat, "Application data must be sent as a PrivateMessage.");
        }

        byte[] signatureKey;
        switch (content.Sender.Type)
        {
            case SenderType.Member:
                var leaf = _epoch.Tree.GetLeaf(new LeafIndex(content.Sender.Index))
                    ?? throw new MlsException(MlsError.UnknownSender, "The sender is not a member.");
                if (!message.VerifyMembershipTag(_epoch.Secrets.MembershipKey.Bytes, _epoch.Context))
                {
                    throw new MlsException(MlsError.InvalidMembershipTag, "The membership tag does not verify.");
                }

                signatureKey = leaf.SignatureKey;
                break;
            case SenderType.NewMemberCommit:
                if (content.Commit?.Path is not { } path)
                {
                    throw new MlsException(MlsError.InvalidExternalCommit, "A new-member commit must be a commit with a path.");
                }

                signatureKey = path.LeafNode.SignatureKey;
                break;
            case SenderType.NewMemberProposal:
                if (content.Proposal is not AddProposal add)
                {
                    throw new MlsException(MlsError.InvalidSender, "A new-member proposal must be an Add.");
                }

                signatureKey = add.KeyPackage.LeafNode.SignatureKey;
                break;
            case SenderType.External:
                var senders = Extension.Find(_epoch.Context.Extensions, ExtensionType.ExternalSenders) is { } ext ? ExternalSender.ParseList(ext.Data) : [];
                if (content.Sender.Index >= senders.Length)
                {
                    throw new MlsException(MlsError.UnknownSender, "The external sender is not configured for the group.");
                }

                if (content.Proposal is null || content.Proposal.Type is ProposalType.Update or ProposalType.ExternalInit)
                {
                    throw new MlsException(MlsError.InvalidSender, "External senders may only send Add, Remove, PSK, ReInit or GroupContextExtensions proposals.");
                }

                signatureKey = senders[content.Sender.Index].SignatureKey;
                break;
            default:
                throw new MlsException(MlsError.InvalidSender, "Unknown sender type.");
        }

        if (!AuthenticatedContent.VerifySignature(WireFormat.PublicMessage, content, message.Auth, _epoch.Context, signatureKey))
        {
            throw new MlsException(MlsError.InvalidSignature, "The message signature does not verify.");
        }

        return Dispatch(new AuthenticatedContent(WireFormat.PublicMessage, content, message.Auth), _epoch.Epoch);
    }

    private ProcessedMessage ProcessPrivate(PrivateMessage message)
    {
        CheckGroupId(message.GroupId);
        GroupContext context;
        RatchetTree tree;
        SecretTree secretTree;
        SenderDataSecret senderDataSecret;
        if (message.Epoch == Epoch)
        {
            (context, tree, secretTree, senderDataSecret) = (_epoch.Context, _epoch.Tree, _epoch.SecretTree, _epoch.Secrets.SenderDataSecret);
        }
        else if (message.ContentType == ContentType.Application && _past.FirstOrDefault(p => p.Context.Epoch == message.Epoch) is { } past)
        {
            (context, tree, secretTree, senderDataSecret) = (past.Context, past.Tree, past.SecretTree, past.Secrets.SenderDataSecret);
        }
        else
        {
            throw new MlsException(MlsError.WrongEpoch, "The message is for an epoch this member does not hold.");
        }

        var content = MessageProtection.Decrypt(CipherSuite, message, secretTree, senderDataSecret, leaf => tree.GetLeaf(new LeafIndex(leaf)) is not null, out var key);
        var sender = new LeafIndex(content.Content.Sender.Index);
        if (!AuthenticatedContent.VerifySignature(WireFormat.PrivateMessage, content.Content, content.Auth, context, tree.GetLeaf(sender)!.SignatureKey))
        {
            throw new MlsException(MlsError.InvalidSignature, "The message signature does not verify.");
        }

        var result = Dispatch(content, context.Epoch);
        secretTree.CommitReceive(sender, message.ContentType, key);
        return result;
    }

    private ProcessedMessage Dispatch(AuthenticatedContent content, ulong epoch)
    {
        var framed = content.Content;
        switch (framed.ContentType)
        {
            case ContentType.Application:
                return new ProcessedMessage.Application(new LeafIndex(framed.Sender.Index), epoch, framed.ApplicationData!, framed.AuthenticatedData);
            case ContentType.Proposal:
                ValidateReceivedProposal(framed);
                var reference = content.ProposalRef();
                StoreProposal(content);
                return new ProcessedMessage.ProposalReceived(framed.Sender, framed.Proposal!, reference);
            default:
                if (framed.Sender.Type == SenderType.Member && framed.Sender.Index == OwnLeafIndex.Value)
                {
                    throw new MlsException(MlsError.InvalidSender, "This is the member's own commit; merge the pending commit instead.");
                }

                return new ProcessedMessage.Commit(framed.Sender, StageReceivedCommit(content));
        }
    }

    /// <summary>Checks a proposal needs before it is stored (the full list validation runs at commit time).</summary>
    private void ValidateReceivedProposal(FramedContent framed)
    {
        switch (framed.Proposal)
        {
            case UpdateProposal update:
                if (framed.Sender.Type != SenderType.Member || update.LeafNode.Source != LeafNodeSource.Update)
                {
                    throw new MlsException(MlsError.InvalidProposal, "An Update must come from a member and carry an update leaf node.");
                }

                LeafNodeValidator.ValidateStandalone(update.LeafNode, CipherSuite, GroupId, new LeafIndex(framed.Sender.Index), null, _options.CredentialValidator);
                break;
            case RemoveProposal remove:
                if (_epoch.Tree.GetLeaf(new LeafIndex(remove.Removed)) is null)
                {
                    throw new MlsException(MlsError.InvalidProposal, "A Remove proposal names a blank or absent leaf.");
                }

                break;
            case AddProposal add:
                add.KeyPackage.Validate(CipherSuite, _options.TimeProvider.GetUtcNow(), _options.CredentialValidator, _options.CheckReceivedLifetimes, _options.MaxLeafLifetime);
                break;
            case PreSharedKeyProposal psk when psk.Psk.Nonce.Length != CipherSuite.HashSize:
                throw new MlsException(MlsError.InvalidProposal, "A PSK nonce must be Nh bytes long.");
            case ExternalInitProposal:
                throw new MlsException(MlsError.InvalidProposal, "ExternalInit may only appear in an external commit.");
        }
    }

    /// <summary>Processing a commit (§12.4.2), into a staged next epoch.</summary>
    private StagedCommit StageReceivedCommit(AuthenticatedContent content)
    {
        var framed = content.Content;
        var commit = framed.Commit!;
        bool external = framed.Sender.Type == SenderType.NewMemberCommit;
        if (!external && framed.Sender.Type != SenderType.Member)
        {
            throw new MlsException(MlsError.InvalidSender, "Commits come from members or new members.");
        }

        if (content.Auth.ConfirmationTag is null)
        {
            throw new MlsException(MlsError.InvalidConfirmationTag, "The commit has no confirmation tag.");
        }

        var proposals = new List<CommittedProposal>(commit.Proposals.Count);
        foreach (var item in commit.Proposals)
        {
            if (item.Proposal is not null)
            {
                proposals.Add(new CommittedProposal(item.Proposal, framed.Sender, null));
            }
            else if (_proposals.TryGetValue(new ByteKey(item.Reference!), out var stored))
            {
                proposals.Add(stored);
            }
            else
            {
                throw new MlsException(MlsError.UnknownProposalReference, "The commit references an unknown proposal.");
            }
        }

        LeafIndex? committer = external ? null : new LeafIndex(framed.Sender.Index);
        var applied = ProposalApplier.Apply(CipherSuite, _epoch.Tree, _epoch.Context, proposals, committer, _options, _options.TimeProvider.GetUtcNow(), _options.CheckReceivedLifetimes);
        if ((proposals.Count == 0 || applied.PathRequired) && commit.Path is null)
        {
            throw new MlsException(MlsError.InvalidCommit, "The commit needs an UpdatePath.");
        }

        var tree = applied.Tree;
        bool removesSelf = applied.Removed.Contains(OwnLeafIndex);
        var keys = _epoch.Keys.Clone();
        foreach (var p in proposals)
        {
            if (p.Proposal is UpdateProposal update && p.Sender.Index == OwnLeafIndex.Value)
            {
                var key = _pendingUpdateKeys.GetValueOrDefault(new ByteKey(update.LeafNode.EncryptionKey))
                    ?? throw new MlsException(MlsError.InvalidProposal, "The commit applies an update of this member that it did not propose.");
                keys = keys.WithLeaf(OwnLeafIndex, key);
            }
        }

        var newEpoch = checked(Epoch + 1);
        byte[] ProvisionalContext(byte[] treeHash) => _epoch.Context.With(newEpoch, treeHash, null, applied.Extensions).Encoded;

        CommitSecret commitSecret;
        if (commit.Path is { } path)
        {
            var sender = external ? tree.LeftmostFreeLeaf() : committer!.Value;
            var leaf = path.LeafNode;
            if (leaf.Source != LeafNodeSource.Commit)
            {
                throw new MlsException(MlsError.InvalidLeafNode, "The UpdatePath leaf node must have the commit source.");
            }

            LeafNodeValidator.ValidateStandalone(leaf, CipherSuite, GroupId, sender, null, _options.CredentialValidator);
            LeafNodeValidator.ValidateInGroup(leaf, tree, applied.Extensions, external ? null : sender);
            if (external && applied.Removed.Count == 1 && !_epoch.Tree.GetLeaf(applied.Removed[0])!.Credential.ContentEquals(leaf.Credential))
            {
                throw new MlsException(MlsError.InvalidExternalCommit, "An external commit may only remove its sender's own prior leaf.");
            }

            if (removesSelf)
            {
                // A removed member cannot decrypt the path; it learns that it left, nothing more.
                return new StagedCommit(Epoch, null, true, [.. proposals.Select(p => p.Proposal)], [.. applied.Added.Select(a => a.Leaf)], applied.Removed);
            }

            commitSecret = TreeKem.ProcessPath(CipherSuite, tree, keys, sender, path, applied.AddedLeaves, ProvisionalContext);
        }
        else
        {
            if (removesSelf)
            {
                return new StagedCommit(Epoch, null, true, [.. proposals.Select(p => p.Proposal)], [.. applied.Added.Select(a => a.Leaf)], applied.Removed);
            }

            commitSecret = new CommitSecret(new byte[CipherSuite.HashSize]);
            keys.Prune(tree);
        }

        using (commitSecret)
        {
            var confirmed = TranscriptHash.Confirmed(_epoch.InterimTranscriptHash, content);
            var context = _epoch.Context.With(newEpoch, tree.RootHash(), confirmed, applied.Extensions);
            using var init = external ? ExternalInitSecret(applied.ExternalInit!) : new InitSecret(_epoch.Secrets.InitSecret.Bytes);
            using var psk = ResolvePsks(applied.Psks);
            using var joiner = KeyScheduler.DeriveJoinerSecret(init, commitSecret, context.Encoded);
            var secrets = KeyScheduler.DeriveEpochSecrets(joiner, psk, context.Encoded);
            if (!secrets.ConfirmationKey.Verify(confirmed, content.Auth.ConfirmationTag))
            {
                secrets.Dispose();
                throw new MlsException(MlsError.InvalidConfirmationTag, "The confirmation tag does not verify.");
            }

            var next = new EpochState
            {
                Suite = CipherSuite,
                Context = context,
                Tree = tree,
                Keys = keys,
                Secrets = secrets,
                SecretTree = new SecretTree(CipherSuite, secrets.EncryptionSecret, tree.LeafCount),
                InterimTranscriptHash = TranscriptHash.Interim(confirmed, content.Auth.ConfirmationTag),
                ConfirmationTag = content.Auth.ConfirmationTag,
            };
            return new StagedCommit(Epoch, next, false, [.. proposals.Select(p => p.Proposal)], [.. applied.Added.Select(a => a.Leaf)], applied.Removed);
        }
    }

    private InitSecret ExternalInitSecret(ExternalInitProposal init)
    {
        using var pair = _epoch.Secrets.ExternalKeyPair(CipherSuite);
        if (!CipherSuite.Hpke.TrySetupBaseRecipient(init.KemOutput, pair.PrivateKey.Span, [], out var context))
        {
            throw new MlsException(MlsError.InvalidExternalCommit, "The ExternalInit KEM output is invalid.");
        }

        using (context)
        {
            return KeyScheduler.ExternalInitFromContext(context!);
        }
    }

    /// <summary>The psk_secret for the PSKs of a commit: external ones from the store, resumption ones from held epochs.</summary>
    private PskSecret ResolvePsks(IReadOnlyList<PreSharedKeyId> ids)
    {
        var psks = new List<(PreSharedKeyId, byte[])>(ids.Count);
        foreach (var id in ids)
        {
            psks.Add((id, LookupPsk(id, _options, this)));
        }

        return KeyScheduler.DerivePskSecret(psks);
    }

    internal static byte[] LookupPsk(PreSharedKeyId id, MlsGroupOptions options, MlsGroup? group)
    {
        if (id.Type == PskType.External)
        {
            return options.PskStore.TryGet(id.PskId, out var psk) ? psk
                : throw new MlsException(MlsError.MissingPsk, "An external PSK is not available.");
        }

        if (group is not null && id.PskGroupId.AsSpan().SequenceEqual(group.GroupId))
        {
            if (id.PskEpoch == group.Epoch)
            {
                return group._epoch.Secrets.ResumptionPsk.Export();
            }

            if (group._past.FirstOrDefault(p => p.Context.Epoch == id.PskEpoch) is { } past)
            {
                return past.Secrets.ResumptionPsk.Export();
            }
        }

        throw new MlsException(MlsError.MissingPsk, "A resumption PSK is not available.");
    }

    private void CheckGroupId(byte[] groupId)
    {
        if (!groupId.AsSpan().SequenceEqual(GroupId))
        {
            throw new MlsException(MlsError.WrongGroup, "The message is for another group.");
        }
    }
}
