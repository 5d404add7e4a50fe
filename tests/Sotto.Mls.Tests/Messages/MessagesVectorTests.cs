using Sotto.Mls.Framing;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.Messages;

/// <summary>messages.json: every structure decodes and re-encodes byte for byte.</summary>
public sealed class MessagesVectorTests
{
    public static TheoryData<int> Entries => MlsVectors.All("messages.json");

    [Theory]
    [MemberData(nameof(Entries))]
    public void EveryMessageDecodesAndReencodesIdentically(int index)
    {
        var v = MlsVectors.Load("messages.json")[index];
        foreach (var (field, format) in new[]
        {
            ("mls_welcome", WireFormat.Welcome),
            ("mls_group_info", WireFormat.GroupInfo),
            ("mls_key_package", WireFormat.KeyPackage),
            ("public_message_application", WireFormat.PublicMessage),
            ("public_message_proposal", WireFormat.PublicMessage),
            ("public_message_commit", WireFormat.PublicMessage),
            ("private_message", WireFormat.PrivateMessage),
        })
        {
            var bytes = v.Bytes(field);
            var message = MlsMessageIn.Decode(bytes);
            Assert.Equal(format, message.WireFormat);
            Assert.Equal(bytes, message.Encode());
        }

        var tree = v.Bytes("ratchet_tree");
        Assert.Equal(tree, RatchetTree.Decode(tree).Encode());
        var secrets = v.Bytes("group_secrets");
        Assert.Equal(secrets, GroupSecrets.Decode(secrets).Encode());
        var commit = v.Bytes("commit");
        Assert.Equal(commit, Commit.Decode(commit).Encode());

        // The proposal fields hold the bodies (Add, Update, …) without the proposal_type: decode them as Proposals.
        foreach (var (field, type) in new[]
        {
            ("add_proposal", ProposalType.Add),
            ("update_proposal", ProposalType.Update),
            ("remove_proposal", ProposalType.Remove),
            ("pre_shared_key_proposal", ProposalType.PreSharedKey),
            ("re_init_proposal", ProposalType.ReInit),
            ("external_init_proposal", ProposalType.ExternalInit),
            ("group_context_extensions_proposal", ProposalType.GroupContextExtensions),
        })
        {
            var body = v.Bytes(field);
            byte[] framed = [(byte)((ushort)type >> 8), (byte)type, .. body];
            var proposal = Proposal.Decode(framed);
            Assert.Equal(type, proposal.Type);
            Assert.Equal(framed, proposal.Encode());
        }
    }
}
