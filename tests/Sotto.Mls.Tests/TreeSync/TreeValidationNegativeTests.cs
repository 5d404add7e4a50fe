using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.TreeSync;

/// <summary>
/// Invalid trees, made from the valid trees of tree-validation.json by one mutation each (the vector file itself
/// carries only valid trees): each is refused by the validation a joiner runs (RFC 9420 §12.4.3.1).
/// </summary>
public sealed class TreeValidationNegativeTests
{
    public static TheoryData<int> Entries
    {
        get
        {
            var data = new TheoryData<int>();
            var entries = MlsVectors.Load("tree-validation.json");
            for (int index = 0; index < entries.Length; index++)
            {
                if (entries[index].GetProperty("cipher_suite").GetInt32() == 1 && ParentNodes(RatchetTree.Decode(entries[index].Bytes("tree"))).Any())
                {
                    data.Add(index);
                }
            }

            return data;
        }
    }

    private static IEnumerable<NodeIndex> ParentNodes(RatchetTree tree)
    {
        for (uint n = 1; n < tree.NodeCount; n += 2)
        {
            if (tree.GetParent(new NodeIndex(n)) is not null)
            {
                yield return new NodeIndex(n);
            }
        }
    }

    private static (RatchetTree Tree, byte[] GroupId) Load(int index)
    {
        var v = MlsVectors.Load("tree-validation.json")[index];
        return (RatchetTree.Decode(v.Bytes("tree")), v.Bytes("group_id"));
    }

    private static MlsError ValidationError(RatchetTree tree, byte[] groupId)
    {
        var context = new GroupContext(1, groupId, 5, tree.RootHash(), new byte[32], []);
        return Assert.Throws<MlsException>(() => TreeValidator.Validate(tree, context, CipherSuite.X25519Aes128GcmSha256Ed25519, BasicCredentialValidator.Instance, null)).Code;
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void UnmodifiedVectorTreeValidates(int index)
    {
        var (tree, groupId) = Load(index);
        TreeValidator.Validate(tree, new GroupContext(1, groupId, 5, tree.RootHash(), new byte[32], []), CipherSuite.X25519Aes128GcmSha256Ed25519, BasicCredentialValidator.Instance, null);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ChangedParentHashIsNotParentHashValid(int index)
    {
        var (tree, groupId) = Load(index);
        var node = ParentNodes(tree).First();
        var parent = tree.GetParent(node)!;
        var hash = parent.ParentHash.Length == 0 ? new byte[32] : (byte[])parent.ParentHash.Clone();
        hash[0] ^= 1;
        tree.SetParent(node, new ParentNode(parent.EncryptionKey, hash, [.. parent.UnmergedLeaves]));
        Assert.False(tree.VerifyParentHashes());
        Assert.Equal(MlsError.InvalidParentHash, ValidationError(tree, groupId));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ChangedParentKeyIsNotParentHashValid(int index)
    {
        var (tree, groupId) = Load(index);
        var node = ParentNodes(tree).Last();
        var parent = tree.GetParent(node)!;
        var key = (byte[])parent.EncryptionKey.Clone();
        key[5] ^= 1;
        tree.SetParent(node, new ParentNode(key, parent.ParentHash, [.. parent.UnmergedLeaves]));
        Assert.Equal(MlsError.InvalidParentHash, ValidationError(tree, groupId));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void TreeHashOfAnotherTreeIsRefused(int index)
    {
        var (tree, groupId) = Load(index);
        var context = new GroupContext(1, groupId, 5, new byte[32], new byte[32], []);
        Assert.Equal(MlsError.InvalidTreeHash, Assert.Throws<MlsException>(() => TreeValidator.Validate(tree, context, CipherSuite.X25519Aes128GcmSha256Ed25519, BasicCredentialValidator.Instance, null)).Code);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void LeafWithBrokenSignatureIsRefused(int index)
    {
        var (tree, groupId) = Load(index);
        Assert.Equal(MlsError.InvalidSignature, ValidationError(tree, [.. groupId, 0]));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void UnmergedLeafOutsideItsParentIsRefused(int index)
    {
        var (tree, _) = Load(index);
        var members = tree.Members().Select(m => m.Index.Value).ToArray();

        // A parent node with a member outside its subtree (the root has none: then name a leaf beyond the tree).
        var node = ParentNodes(tree).FirstOrDefault(n => members.Any(l => l < Tree.LeafRange(n).First || l > Tree.LeafRange(n).Last), ParentNodes(tree).First());
        var parent = tree.GetParent(node)!;
        var (first, last) = Tree.LeafRange(node);
        var outside = members.FirstOrDefault(l => l < first || l > last, tree.LeafCount + 1);
        tree.SetParent(node, parent.WithUnmerged(outside));
        Assert.Equal(MlsError.InvalidTree, Assert.Throws<MlsException>(() => TreeValidator.ValidateStructure(tree)).Code);
    }
}
