using System.Text.Json;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.Tests.TreeMath;

/// <summary>tree-math.json: node width, root, left, right, parent and sibling of every node.</summary>
public sealed class TreeMathVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.All("tree-math.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void TreeMathMatchesVector(int index)
    {
        var v = MlsVectors.Load("tree-math.json")[index];
        uint leaves = v.GetProperty("n_leaves").GetUInt32();
        Assert.Equal(v.GetProperty("n_nodes").GetUInt32(), Tree.NodeWidth(leaves));
        Assert.Equal(v.GetProperty("root").GetUInt32(), Tree.Root(leaves).Value);
        var left = v.GetProperty("left").EnumerateArray().ToArray();
        var right = v.GetProperty("right").EnumerateArray().ToArray();
        var parent = v.GetProperty("parent").EnumerateArray().ToArray();
        var sibling = v.GetProperty("sibling").EnumerateArray().ToArray();
        for (uint i = 0; i < Tree.NodeWidth(leaves); i++)
        {
            var node = new NodeIndex(i);
            Assert.Equal(Expected(left[i]), node.IsLeaf ? null : Tree.Left(node).Value);
            Assert.Equal(Expected(right[i]), node.IsLeaf ? null : Tree.Right(node).Value);
            bool isRoot = node == Tree.Root(leaves);
            Assert.Equal(Expected(parent[i]), isRoot ? null : Tree.Parent(node, leaves).Value);
            Assert.Equal(Expected(sibling[i]), isRoot ? null : Tree.Sibling(node, leaves).Value);
        }
    }

    private static uint? Expected(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetUInt32();
}
