using System.Numerics;

namespace Sotto.Mls.TreeMath;

/// <summary>
/// Array-based tree math (RFC 9420 Appendix C) for complete trees whose leaf count is a power of two, the only
/// shape a ratchet tree takes (§7.7). All functions are O(log n) bit arithmetic; none allocates except the path
/// lists.
/// </summary>
public static class Tree
{
    /// <summary>The level of a node: leaves 0, their parents 1, …</summary>
    public static int Level(NodeIndex x) => BitOperations.TrailingZeroCount(~x.Value);

    /// <summary>Nodes in a tree of <paramref name="leafCount"/> leaves.</summary>
    public static uint NodeWidth(uint leafCount) => leafCount == 0 ? 0 : checked((2 * (leafCount - 1)) + 1);

    /// <summary>The root of a tree of <paramref name="leafCount"/> leaves.</summary>
    public static NodeIndex Root(uint leafCount)
    {
        uint w = NodeWidth(leafCount);
        return new NodeIndex((1u << Log2(w)) - 1);
    }

    public static NodeIndex Left(NodeIndex x)
    {
        int k = Level(x);
        if (k == 0)
        {
            throw new ArgumentException("A leaf has no children.", nameof(x));
        }

        return new NodeIndex(x.Value ^ (1u << (k - 1)));
    }

    public static NodeIndex Right(NodeIndex x)
    {
        int k = Level(x);
        if (k == 0)
        {
            throw new ArgumentException("A leaf has no children.", nameof(x));
        }

        return new NodeIndex(x.Value ^ (3u << (k - 1)));
    }

    public static NodeIndex Parent(NodeIndex x, uint leafCount)
    {
        if (x == Root(leafCount))
        {
            throw new ArgumentException("The root has no parent.", nameof(x));
        }

        int k = Level(x);
        uint b = (x.Value >> (k + 1)) & 1;
        return new NodeIndex((x.Value | (1u << k)) ^ (b << (k + 1)));
    }

    public static NodeIndex Sibling(NodeIndex x, uint leafCount)
    {
        var p = Parent(x, leafCount);
        return x.Value < p.Value ? Right(p) : Left(p);
    }

    /// <summary>The direct path of <paramref name="x"/>, from its parent to the root.</summary>
    public static List<NodeIndex> DirectPath(NodeIndex x, uint leafCount)
    {
        var root = Root(leafCount);
        var path = new List<NodeIndex>(Level(root));
        while (x != root)
        {
            x = Parent(x, leafCount);
            path.Add(x);
        }

        return path;
    }

    /// <summary>The copath of <paramref name="x"/>: the sibling of each node from x up to (excluding) the root.</summary>
    public static List<NodeIndex> Copath(NodeIndex x, uint leafCount)
    {
        var root = Root(leafCount);
        var path = new List<NodeIndex>(Level(root));
        while (x != root)
        {
            path.Add(Sibling(x, leafCount));
            x = Parent(x, leafCount);
        }

        return path;
    }

    /// <summary>True when <paramref name="ancestor"/> is <paramref name="x"/> or lies on its direct path.</summary>
    public static bool IsInSubtree(NodeIndex ancestor, NodeIndex x)
    {
        int k = Level(ancestor);
        uint width = (1u << k) - 1;
        return x.Value >= ancestor.Value - width && x.Value <= ancestor.Value + width;
    }

    /// <summary>The lowest common ancestor of two nodes.</summary>
    public static NodeIndex CommonAncestor(NodeIndex x, NodeIndex y)
    {
        int lx = Level(x) + 1, ly = Level(y) + 1;
        if (lx <= ly && x.Value >> ly == y.Value >> ly)
        {
            return y;
        }

        if (ly <= lx && x.Value >> lx == y.Value >> lx)
        {
            return x;
        }

        uint xn = x.Value, yn = y.Value;
        int k = 0;
        while (xn != yn)
        {
            xn >>= 1;
            yn >>= 1;
            k++;
        }

        return new NodeIndex((xn << k) + (1u << (k - 1)) - 1);
    }

    /// <summary>The leaves of the subtree under <paramref name="x"/>: [first, last].</summary>
    public static (uint First, uint Last) LeafRange(NodeIndex x)
    {
        int k = Level(x);
        uint width = (1u << k) - 1;
        return ((x.Value - width) / 2, (x.Value + width) / 2);
    }

    private static int Log2(uint x) => x == 0 ? 0 : BitOperations.Log2(x);
}
