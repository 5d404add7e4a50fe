using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.TreeSync;

/// <summary>
/// Validation of a ratchet tree received from outside the group — in a Welcome, beside it, or in a GroupInfo
/// (RFC 9420 §12.4.3.1 "Verify the integrity of the ratchet tree").
/// </summary>
internal static class TreeValidator
{
    /// <summary>
    /// Tree hash equals <paramref name="context"/>'s; every non-blank parent is parent-hash valid; every leaf is a
    /// valid LeafNode for its position; unmerged leaves are non-blank descendants listed by every non-blank node
    /// in between; encryption and signature keys are unique.
    /// </summary>
    public static void Validate(RatchetTree tree, GroupContext context, CipherSuite suite, ICredentialValidator credentialValidator, LifetimeCheck? lifetimeCheck)
    {
        if (!tree.RootHash().AsSpan().SequenceEqual(context.TreeHash))
        {
            throw new MlsException(MlsError.InvalidTreeHash, "The ratchet tree does not match the group's tree hash.");
        }

        if (!tree.VerifyParentHashes())
        {
            throw new MlsException(MlsError.InvalidParentHash, "A parent node of the ratchet tree is not parent-hash valid.");
        }

        ValidateStructure(tree);

        var encryptionKeys = new HashSet<ByteKey>();
        var signatureKeys = new HashSet<ByteKey>();
        foreach (var (index, leaf) in tree.Members())
        {
            LeafNodeValidator.ValidateStandalone(leaf, suite, context.GroupId, index, lifetimeCheck, credentialValidator);
            LeafNodeValidator.ValidateRequiredCapabilities(leaf.Capabilities, context.Extensions);
            foreach (var extension in context.Extensions)
            {
                if (!leaf.Capabilities.SupportsExtension(extension.Type))
                {
                    throw new MlsException(MlsError.UnsupportedCapability, "A member does not support a group context extension.");
                }
            }

            if (!encryptionKeys.Add(new ByteKey(leaf.EncryptionKey)))
            {
                throw new MlsException(MlsError.DuplicateEncryptionKey, "Two nodes of the ratchet tree share an encryption key.");
            }

            if (!signatureKeys.Add(new ByteKey(leaf.SignatureKey)))
            {
                throw new MlsException(MlsError.DuplicateSignatureKey, "Two leaves of the ratchet tree share a signature key.");
            }
        }

        // Every member supports every credential type in use (§7.3), checked once per distinct type.
        var types = tree.Members().Select(m => m.Leaf.Credential.Type).Distinct().ToArray();
        foreach (var (_, leaf) in tree.Members())
        {
            if (types.Any(t => !leaf.Capabilities.SupportsCredential(t)))
            {
                throw new MlsException(MlsError.UnsupportedCapability, "A member does not support another member's credential type.");
            }
        }

        for (uint n = 1; n < tree.NodeCount; n += 2)
        {
            if (tree.GetParent(new NodeIndex(n)) is { } parent && !encryptionKeys.Add(new ByteKey(parent.EncryptionKey)))
            {
                throw new MlsException(MlsError.DuplicateEncryptionKey, "Two nodes of the ratchet tree share an encryption key.");
            }
        }
    }

    /// <summary>The unmerged_leaves rules of §12.4.3.1.</summary>
    public static void ValidateStructure(RatchetTree tree)
    {
        for (uint n = 1; n < tree.NodeCount; n += 2)
        {
            var node = new NodeIndex(n);
            if (tree.GetParent(node) is not { } parent)
            {
                continue;
            }

            foreach (var leaf in parent.UnmergedLeaves)
            {
                var leafNode = new LeafIndex(leaf).Node;
                if (leaf >= tree.LeafCount || tree.GetLeaf(new LeafIndex(leaf)) is null || !Tree.IsInSubtree(node, leafNode))
                {
                    throw new MlsException(MlsError.InvalidTree, "An unmerged leaf is blank or not below its parent node.");
                }

                foreach (var between in Tree.DirectPath(leafNode, tree.LeafCount))
                {
                    if (between == node)
                    {
                        break;
                    }

                    if (tree.GetParent(between) is { } intermediate && !intermediate.UnmergedLeaves.Contains(leaf))
                    {
                        throw new MlsException(MlsError.InvalidTree, "An intermediate node does not list an unmerged leaf below it.");
                    }
                }
            }
        }
    }
}
