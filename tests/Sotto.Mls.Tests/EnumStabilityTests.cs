using Sotto.Mls.Messages;

namespace Sotto.Mls.Tests;

/// <summary>
/// Error codes and wire discriminants are only ever appended (Garnet <c>PersistedEnumStabilityTests</c>): these
/// pins fail when a value is renumbered or removed.
/// </summary>
public sealed class EnumStabilityTests
{
    [Fact]
    public void MlsErrorValuesAreStable()
    {
        var expected = new Dictionary<string, int>
        {
            ["Malformed"] = 1, ["LengthExceeded"] = 2, ["UnsupportedVersion"] = 3, ["UnsupportedCipherSuite"] = 4,
            ["UnexpectedWireFormat"] = 5, ["WrongGroup"] = 6, ["WrongEpoch"] = 7, ["InvalidSignature"] = 8,
            ["InvalidMembershipTag"] = 9, ["InvalidConfirmationTag"] = 10, ["DecryptionFailed"] = 11,
            ["ReplayedGeneration"] = 12, ["GenerationTooFarAhead"] = 13, ["GenerationExpired"] = 14, ["UnknownSender"] = 15,
            ["InvalidSender"] = 16, ["InvalidProposal"] = 17, ["UnknownProposalReference"] = 18, ["InvalidCommit"] = 19,
            ["InvalidUpdatePath"] = 20, ["InvalidParentHash"] = 21, ["InvalidTreeHash"] = 22, ["InvalidTree"] = 23,
            ["DuplicateEncryptionKey"] = 24, ["DuplicateSignatureKey"] = 25, ["InvalidLeafNode"] = 26, ["LifetimeExpired"] = 27,
            ["UnsupportedCapability"] = 28, ["InvalidCredential"] = 29, ["InvalidKeyPackage"] = 30, ["WelcomeNotForUs"] = 31,
            ["InvalidWelcome"] = 32, ["InvalidGroupInfo"] = 33, ["MissingRatchetTree"] = 34, ["MissingPsk"] = 35,
            ["InvalidPadding"] = 36, ["InvalidExternalCommit"] = 37, ["UnsupportedExtension"] = 38, ["UnsupportedProposal"] = 39,
            ["UnsupportedCredential"] = 40,
        };
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value, (int)Enum.Parse<MlsError>(name));
        }

        Assert.Equal(expected.Count, Enum.GetValues<MlsError>().Length);
    }

    [Fact]
    public void WireDiscriminantsMatchRfc9420Registries()
    {
        Assert.Equal([1, 2, 3, 4, 5], Enum.GetValues<WireFormat>().Select(v => (int)v));
        Assert.Equal([1, 2, 3], Enum.GetValues<ContentType>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4], Enum.GetValues<SenderType>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], Enum.GetValues<ProposalType>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4, 5], Enum.GetValues<ExtensionType>().Select(v => (int)v));
        Assert.Equal([1, 2], Enum.GetValues<CredentialType>().Select(v => (int)v));
        Assert.Equal([1, 2, 3], Enum.GetValues<LeafNodeSource>().Select(v => (int)v));
        Assert.Equal([1, 2], Enum.GetValues<PskType>().Select(v => (int)v));
        Assert.Equal([1, 2], Enum.GetValues<NodeType>().Select(v => (int)v));
        Assert.Equal([1, 2], Enum.GetValues<ProposalOrRefType>().Select(v => (int)v));
    }
}
