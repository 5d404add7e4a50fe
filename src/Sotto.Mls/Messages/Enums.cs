namespace Sotto.Mls.Messages;

// Registry values of RFC 9420 §17. Values are explicit and only ever appended (EnumStabilityTests pins them).

/// <summary><c>enum { reserved(0), mls10(1), (65535) } ProtocolVersion;</c></summary>
public enum ProtocolVersion : ushort
{
    Mls10 = 1,
}

/// <summary>The "MLS Wire Formats" registry (§17.2).</summary>
public enum WireFormat : ushort
{
    PublicMessage = 1,
    PrivateMessage = 2,
    Welcome = 3,
    GroupInfo = 4,
    KeyPackage = 5,
}

/// <summary><c>enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;</c></summary>
public enum ContentType : byte
{
    Application = 1,
    Proposal = 2,
    Commit = 3,
}

/// <summary><c>enum { reserved(0), member(1), external(2), new_member_proposal(3), new_member_commit(4), (255) } SenderType;</c></summary>
public enum SenderType : byte
{
    Member = 1,
    External = 2,
    NewMemberProposal = 3,
    NewMemberCommit = 4,
}

/// <summary>The "MLS Proposal Types" registry (§17.4).</summary>
public enum ProposalType : ushort
{
    Add = 1,
    Update = 2,
    Remove = 3,
    PreSharedKey = 4,
    ReInit = 5,
    ExternalInit = 6,
    GroupContextExtensions = 7,
}

/// <summary>The "MLS Extension Types" registry (§17.3).</summary>
public enum ExtensionType : ushort
{
    ApplicationId = 1,
    RatchetTree = 2,
    RequiredCapabilities = 3,
    ExternalPub = 4,
    ExternalSenders = 5,
}

/// <summary>The "MLS Credential Types" registry (§17.5).</summary>
public enum CredentialType : ushort
{
    Basic = 1,
    X509 = 2,
}

/// <summary><c>enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;</c></summary>
public enum LeafNodeSource : byte
{
    KeyPackage = 1,
    Update = 2,
    Commit = 3,
}

/// <summary><c>enum { reserved(0), external(1), resumption(2), (255) } PSKType;</c></summary>
public enum PskType : byte
{
    External = 1,
    Resumption = 2,
}

/// <summary><c>enum { reserved(0), application(1), reinit(2), branch(3), (255) } ResumptionPSKUsage;</c></summary>
public enum ResumptionPskUsage : byte
{
    Application = 1,
    ReInit = 2,
    Branch = 3,
}

/// <summary><c>enum { reserved(0), leaf(1), parent(2), (255) } NodeType;</c></summary>
public enum NodeType : byte
{
    Leaf = 1,
    Parent = 2,
}

/// <summary><c>enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;</c></summary>
public enum ProposalOrRefType : byte
{
    Proposal = 1,
    Reference = 2,
}
