namespace Sotto.Mls.TreeMath;

/// <summary>The index of a leaf among the leaves of a ratchet tree (RFC 9420 §4.2); leaf <c>i</c> is node <c>2i</c>.</summary>
public readonly record struct LeafIndex(uint Value) : IComparable<LeafIndex>
{
    public NodeIndex Node => new(checked(Value * 2));

    public int CompareTo(LeafIndex other) => Value.CompareTo(other.Value);

    public override string ToString() => "leaf " + Value;
}

/// <summary>The index of a node in the array representation of a ratchet tree (RFC 9420 Appendix C).</summary>
public readonly record struct NodeIndex(uint Value) : IComparable<NodeIndex>
{
    public bool IsLeaf => (Value & 1) == 0;

    public LeafIndex Leaf => IsLeaf ? new LeafIndex(Value / 2) : throw new InvalidOperationException("A parent node is not a leaf.");

    public int CompareTo(NodeIndex other) => Value.CompareTo(other.Value);

    public override string ToString() => "node " + Value;
}
