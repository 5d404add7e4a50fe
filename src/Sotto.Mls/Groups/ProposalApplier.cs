using Sotto.Mls.Framing;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

/// <summary>A proposal as committed: the proposal, who proposed it, and its reference when sent by reference.</summary>
internal sealed record CommittedProposal(Proposal Proposal, Sender Sender, byte[]? Reference);

/// <summary>The tree and context changes a proposal list makes (RFC 9420 §12.3).</summary>
internal sealed class AppliedProposals
{
    public required RatchetTree Tree { get; init; }

    public required Extension[] Extensions { get; set; }

    public List<(LeafIndex Leaf, KeyPackageIn KeyPackage)> Added { get; } = [];

    public List<LeafIndex> Removed { get; } = [];

    public List<PreSharedKeyId> Psks { get; } = [];

    public ExternalInitProposal? ExternalInit { get; set; }

    /// <summary>True when a proposal of a "path required" type is present (§12.4).</summary>
    public bool PathRequired { get; set; }

    public HashSet<uint> AddedLeaves { get; } = [];

    public bool ExtensionsChanged { get; set; }
}

/// <summary>
/// Proposal list validation (§12.2) and application (§12.3), shared by commit creation and processing so that
/// both sides compute the same next tree. Works on a clone of the current tree.
/// </summary>
internal static class ProposalApplier
{
    /// <summary>
    /// Validates <c>proposals</c> for a commit by <c>committer</c> (null: an external commit) and applies them to a
    /// copy of the tree; KeyPackage lifetimes are checked against <c>now</c> when <c>checkLifetimes</c> is set.
    /// </summary>
    public static AppliedProposals Apply(
        CipherSuite suite, RatchetTree currentTree, GroupContext context, IReadOnlyList<CommittedProposal> proposals, LeafIndex? committer,
        MlsGroupOptions options, DateTimeOffset now, bool checkLifetimes)
    {
        var tree = currentTree.Clone();
        var result = new AppliedProposals { Tree = tree, Extensions = context.ExtensionArray };

        // ---- list validation (§12.2)
        var touched = new HashSet<uint>();
        var addKeys = new HashSet<ByteKey>();
        int extensionsProposals = 0;
        int externalInits = 0;
        int removes = 0;
        foreach (var (proposal, sender, reference) in proposals)
        {
            if (committer is null && reference is not null)
            {
                throw new MlsException(MlsError.InvalidExternalCommit, "An external commit cannot include proposals by reference.");
            }

            switch (proposal)
            {
                case AddProposal add:
                    if (committer is null)
                    {
                        throw new MlsException(MlsError.InvalidExternalCommit, "An external commit cannot add members.");
                    }

                    if (!addKeys.Add(new ByteKey(add.KeyPackage.LeafNode.SignatureKey)))
                    {
                        throw new MlsException(MlsError.InvalidProposal, "Two Add proposals carry the same signature key.");
                    }

                    break;
                case UpdateProposal:
                    if (committer is null)
                    {
                        throw new MlsException(MlsError.InvalidExternalCommit, "An external commit cannot include updates.");
                    }

                    if (sender.Type != SenderType.Member)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "Only members can propose an update.");
                    }

                    if (sender.Index == committer.Value.Value)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A commit contains an update proposed by the committer.");
                    }

                    if (!touched.Add(sender.Index))
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A commit updates or removes the same leaf twice.");
                    }

                    result.PathRequired = true;
                    break;
                case RemoveProposal remove:
                    removes++;
                    if (committer is { } c && remove.Removed == c.Value)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A commit removes its committer.");
                    }

                    if (tree.GetLeaf(new LeafIndex(remove.Removed)) is null)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A Remove proposal names a blank or absent leaf.");
                    }

                    if (!touched.Add(remove.Removed))
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A commit updates or removes the same leaf twice.");
                    }

                    result.PathRequired = true;
                    break;
                case PreSharedKeyProposal psk:
                    ValidatePsk(psk.Psk, result.Psks);
                    result.Psks.Add(psk.Psk);
                    break;
                case GroupContextExtensionsProposal:
                    if (committer is null)
                    {
                        throw new MlsException(MlsError.InvalidExternalCommit, "An external commit cannot change group context extensions.");
                    }

                    if (++extensionsProposals > 1)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A commit contains more than one GroupContextExtensions proposal.");
                    }

                    result.PathRequired = true;
                    break;
                case ExternalInitProposal init:
                    if (committer is not null)
                    {
                        throw new MlsException(MlsError.InvalidProposal, "A member commit contains an ExternalInit proposal.");
                    }

                    externalInits++;
                    result.ExternalInit = init;
                    result.PathRequired = true;
                    break;
                case ReInitProposal:
                    throw new MlsException(MlsError.UnsupportedProposal, "Committing ReInit proposals is not supported.");
                default:
                    throw new MlsException(MlsError.UnsupportedProposal, "Unsupported proposal type.");
            }
        }

        if (committer is null && (externalInits != 1 || removes > 1))
        {
            throw new MlsException(MlsError.InvalidExternalCommit, "An external commit needs exactly one ExternalInit and at most one Remove.");
        }

        // ---- application (§12.3): extensions, updates, removes, adds
        foreach (var entry in proposals)
        {
            if (entry.Proposal is GroupContextExtensionsProposal gce)
            {
                result.Extensions = gce.ExtensionArray;
                result.ExtensionsChanged = true;
            }
        }

        foreach (var entry in proposals)
        {
            if (entry.Proposal is UpdateProposal update)
            {
                var leafIndex = new LeafIndex(entry.Sender.Index);
                var leaf = update.LeafNode;
                if (leaf.Source != LeafNodeSource.Update)
                {
                    throw new MlsException(MlsError.InvalidLeafNode, "An Update proposal's leaf node must have the update source.");
                }

                if (tree.GetLeaf(leafIndex) is null)
                {
                    throw new MlsException(MlsError.InvalidProposal, "An Update proposal's sender is not a member.");
                }

                LeafNodeValidator.ValidateStandalone(leaf, suite, context.GroupId, leafIndex, null, options.CredentialValidator);
                LeafNodeValidator.ValidateInGroup(leaf, tree, result.Extensions, leafIndex);
                tree.UpdateLeaf(leafIndex, leaf);
            }
        }

        foreach (var entry in proposals)
        {
            if (entry.Proposal is RemoveProposal remove)
            {
                var leafIndex = new LeafIndex(remove.Removed);
                tree.RemoveLeaf(leafIndex);
                result.Removed.Add(leafIndex);
            }
        }

        foreach (var entry in proposals)
        {
            if (entry.Proposal is AddProposal add)
            {
                var keyPackage = add.KeyPackage.Validate(suite, now, options.CredentialValidator, checkLifetimes, options.MaxLeafLifetime);
                LeafNodeValidator.ValidateInGroup(keyPackage.LeafNode, tree, result.Extensions, null);
                var leafIndex = tree.AddLeaf(keyPackage.LeafNode);
                result.Added.Add((leafIndex, add.KeyPackage));
                result.AddedLeaves.Add(leafIndex.Value);
            }
        }

        if (result.ExtensionsChanged)
        {
            ValidateExtensionsSupported(tree, result.Extensions);
        }

        return result;
    }

    private static void ValidatePsk(PreSharedKeyId psk, List<PreSharedKeyId> seen)
    {
        if (psk.Nonce.Length != CipherSuite.HashSize)
        {
            throw new MlsException(MlsError.InvalidProposal, "A PSK nonce must be Nh bytes long.");
        }

        if (psk.Type == PskType.Resumption && psk.Usage != ResumptionPskUsage.Application)
        {
            throw new MlsException(MlsError.InvalidProposal, "Resumption PSKs for reinit or branch are only valid in those operations.");
        }

        foreach (var other in seen)
        {
            if (other.SamePsk(psk))
            {
                throw new MlsException(MlsError.InvalidProposal, "A commit references the same PSK twice.");
            }
        }
    }

    /// <summary>Every member supports the new group context extensions and required capabilities (§12.1.7).</summary>
    public static void ValidateExtensionsSupported(RatchetTree tree, IReadOnlyList<Extension> extensions)
    {
        foreach (var (_, leaf) in tree.Members())
        {
            LeafNodeValidator.ValidateRequiredCapabilities(leaf.Capabilities, extensions);
            foreach (var extension in extensions)
            {
                if (!leaf.Capabilities.SupportsExtension(extension.Type))
                {
                    throw new MlsException(MlsError.UnsupportedCapability, "A member does not support a proposed group context extension.");
                }
            }
        }
    }
}
