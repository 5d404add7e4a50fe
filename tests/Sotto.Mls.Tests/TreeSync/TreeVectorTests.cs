using Sotto.Mls.Framing;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.TreeSync;

/// <summary>tree-validation.json and tree-operations.json.</summary>
public sealed class TreeVectorTests
{
    public static TheoryData<int> ValidationEntries => MlsVectors.Supported("tree-validation.json");

    public static TheoryData<int> OperationEntries => MlsVectors.Supported("tree-operations.json");

    [Theory]
    [MemberData(nameof(ValidationEntries))]
    public void ResolutionsTreeHashesParentHashesAndSignaturesMatchVector(int index)
    {
        var v = MlsVectors.Load("tree-validation.json")[index];
        var tree = RatchetTree.Decode(v.Bytes("tree"));
        var resolutions = v.GetProperty("resolutions").EnumerateArray().ToArray();
        var hashes = v.GetProperty("tree_hashes").EnumerateArray().ToArray();
        Assert.Equal(tree.NodeCount, (uint)resolutions.Length);
        Assert.Equal(tree.NodeCount, (uint)hashes.Length);
        for (uint i = 0; i < tree.NodeCount; i++)
        {
            var expected = resolutions[i].EnumerateArray().Select(e => e.GetUInt32()).ToArray();
            Assert.Equal(expected, tree.Resolution(new NodeIndex(i)).Select(n => n.Value).ToArray());
            Assert.Equal(Convert.FromHexString(hashes[i].GetString()!), tree.TreeHash(new NodeIndex(i)));
        }

        Assert.True(tree.VerifyParentHashes());
        TreeValidator.ValidateStructure(tree);
        var groupId = v.Bytes("group_id");
        int leaves = 0;
        foreach (var (leafIndex, leaf) in tree.Members())
        {
            Assert.True(leaf.VerifySignature(groupId, leafIndex));
            leaves++;
        }

        Assert.True(leaves > 0);
    }

    [Theory]
    [MemberData(nameof(OperationEntries))]
    public void ApplyingProposalGivesTreeAfter(int index)
    {
        var v = MlsVectors.Load("tree-operations.json")[index];
        var tree = RatchetTree.Decode(v.Bytes("tree_before"));
        Assert.Equal(v.Bytes("tree_hash_before"), tree.RootHash());
        var proposal = Proposal.Decode(v.Bytes("proposal"));
        var sender = new LeafIndex(v.GetProperty("proposal_sender").GetUInt32());
        switch (proposal)
        {
            case AddProposal add:
                tree.AddLeaf(add.KeyPackage.LeafNode);
                break;
            case UpdateProposal update:
                tree.UpdateLeaf(sender, update.LeafNode);
                break;
            case RemoveProposal remove:
                tree.RemoveLeaf(new LeafIndex(remove.Removed));
                break;
            default:
                Assert.Fail("unexpected proposal type " + proposal.Type);
                break;
        }

        Assert.Equal(v.Bytes("tree_after"), tree.Encode());
        Assert.Equal(v.Bytes("tree_hash_after"), tree.RootHash());
        Assert.Equal(v.Bytes("tree_hash_after"), RatchetTree.Decode(tree.Encode()).RootHash());
    }
}
