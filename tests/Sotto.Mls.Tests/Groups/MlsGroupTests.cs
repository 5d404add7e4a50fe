using System.Text;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.Tests.Groups;

/// <summary>Group lifecycles between Sotto members: create, add, join, messages, updates, removes, external joins, PSKs.</summary>
public sealed class MlsGroupTests
{
    private static (MlsGroup Alice, MlsGroup Bob, MlsGroup Carol, TestClient[] Clients) ThreeMembers(bool privateHandshakes = false, bool treeInWelcome = true)
    {
        var a = new TestClient("alice", privateHandshakes: privateHandshakes);
        var b = new TestClient("bob", a.Time, privateHandshakes);
        var c = new TestClient("carol", a.Time, privateHandshakes);
        var alice = a.CreateGroup();
        var bobKp = b.NewKeyPackage();
        var carolKp = c.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(bobKp.KeyPackage), new AddProposal(carolKp.KeyPackage)], RatchetTreeInWelcome = treeInWelcome });
        alice.MergePendingCommit();
        var tree = treeInWelcome ? null : result.RatchetTree;
        var bob = b.Join(result.Welcome!, bobKp, tree);
        var carol = c.Join(result.Welcome!, carolKp, tree);
        return (alice, bob, carol, [a, b, c]);
    }

    [Fact]
    public void CreatedGroupIsAtEpochZeroWithOneMember()
    {
        using var alice = new TestClient("alice").CreateGroup();
        Assert.Equal(0ul, alice.Epoch);
        Assert.Single(alice.Members);
        Assert.IsType<GroupState.Operational>(alice.State);
        Assert.Equal(32, alice.EpochAuthenticator.Length);
    }

    [Fact]
    public void AddedMembersJoinFromWelcomeAndShareTheEpoch()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        Assert.Equal(1ul, alice.Epoch);
        Assert.Equal(3, alice.Members.Count());
        Assert.Equal(new LeafIndex(1), bob.OwnLeafIndex);
        Assert.Equal(new LeafIndex(2), carol.OwnLeafIndex);
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void WelcomeWithTreeDeliveredApartJoins()
    {
        var (alice, bob, carol, _) = ThreeMembers(treeInWelcome: false);
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void WelcomeWithoutTreeAndNoTreeGivenThrowsMissingRatchetTree()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        using var alice = a.CreateGroup();
        var kp = b.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)], RatchetTreeInWelcome = false });
        var error = Assert.Throws<MlsException>(() => b.Join(result.Welcome!, kp));
        Assert.Equal(MlsError.MissingRatchetTree, error.Code);
    }

    [Fact]
    public void ApplicationMessagesFlowBetweenAllMembers()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        GroupAssert.Delivers(alice, "hello from alice", bob, carol);
        GroupAssert.Delivers(bob, "hello from bob", alice, carol);
        GroupAssert.Delivers(carol, "hello from carol", alice, bob);
        GroupAssert.Delivers(bob, "second from bob", alice, carol);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmptyCommitWithPathUpdatesEveryone(bool privateHandshakes)
    {
        var (alice, bob, carol, _) = ThreeMembers(privateHandshakes);
        var before = alice.EpochAuthenticator;
        var commit = bob.Commit().Commit;
        Assert.Equal(privateHandshakes ? WireFormat.PrivateMessage : WireFormat.PublicMessage, commit.WireFormat);
        bob.MergePendingCommit();
        GroupAssert.Apply(commit, alice, carol);
        GroupAssert.InSync(alice, bob, carol);
        Assert.NotEqual(before, alice.EpochAuthenticator);
        GroupAssert.Delivers(carol, "after update", alice, bob);
    }

    [Fact]
    public void RemoveByReferenceEvictsMemberWhoSeesItselfRemoved()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var proposal = bob.ProposeRemove(carol.OwnLeafIndex);
        Assert.IsType<ProcessedMessage.ProposalReceived>(alice.ProcessMessage(TestClient.Reparse(proposal)));
        Assert.IsType<ProcessedMessage.ProposalReceived>(carol.ProcessMessage(TestClient.Reparse(proposal)));
        var commit = alice.Commit().Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(commit, bob);
        var staged = Assert.IsType<ProcessedMessage.Commit>(carol.ProcessMessage(TestClient.Reparse(commit))).Staged;
        Assert.True(staged.RemovesSelf);
        carol.MergeStagedCommit(staged);
        Assert.IsType<GroupState.Inactive>(carol.State);
        Assert.Throws<InvalidOperationException>(() => carol.Encrypt([1]));
        GroupAssert.InSync(alice, bob);
        Assert.Equal(2, alice.Members.Count());
        GroupAssert.Delivers(bob, "carol is gone", alice);
    }

    [Fact]
    public void RemoveByValueTruncatesTheTree()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var commit = alice.Commit(new CommitOptions { Proposals = [new RemoveProposal(carol.OwnLeafIndex.Value)] }).Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(commit, bob);
        Assert.Equal(2u, alice.RatchetTree.LeafCount);
        GroupAssert.InSync(alice, bob);
    }

    [Fact]
    public void UpdateProposalCommittedByAnotherMemberRefreshesTheLeaf()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var oldKey = alice.RatchetTree.GetLeaf(bob.OwnLeafIndex)!.EncryptionKey;
        var proposal = bob.ProposeUpdate();
        alice.ProcessMessage(TestClient.Reparse(proposal));
        carol.ProcessMessage(TestClient.Reparse(proposal));
        var commit = alice.Commit().Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(commit, bob, carol);
        GroupAssert.InSync(alice, bob, carol);
        Assert.NotEqual(oldKey, alice.RatchetTree.GetLeaf(bob.OwnLeafIndex)!.EncryptionKey);
        GroupAssert.Delivers(bob, "updated", alice, carol);
        var next = carol.Commit().Commit;
        carol.MergePendingCommit();
        GroupAssert.Apply(next, alice, bob);
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void AddByReferenceFromAnotherMemberWelcomesTheNewMember()
    {
        var (alice, bob, carol, clients) = ThreeMembers();
        var d = new TestClient("dave", clients[0].Time);
        var kp = d.NewKeyPackage();
        var proposal = bob.ProposeAdd(kp.KeyPackage);
        alice.ProcessMessage(TestClient.Reparse(proposal));
        carol.ProcessMessage(TestClient.Reparse(proposal));
        var result = alice.Commit();
        alice.MergePendingCommit();
        GroupAssert.Apply(result.Commit, bob, carol);
        var dave = d.Join(result.Welcome!, kp);
        GroupAssert.InSync(alice, bob, carol, dave);
        GroupAssert.Delivers(dave, "hi all", alice, bob, carol);
    }

    [Fact]
    public void ExternalJoinAddsTheJoinerForEveryone()
    {
        var (alice, bob, carol, clients) = ThreeMembers();
        var e = new TestClient("erin", clients[0].Time);
        var groupInfo = alice.CreateGroupInfo(includeRatchetTree: true, includeExternalPub: true);
        var (erin, commit) = MlsGroup.JoinExternal(MlsMessageIn.Decode(MlsMessage.From(groupInfo).Encode()).GroupInfo!, null, e.Credential, e.Signer, e.Options, e.Random);
        GroupAssert.Apply(commit, alice, bob, carol);
        GroupAssert.InSync(alice, bob, carol, erin);
        GroupAssert.Delivers(erin, "joined externally", alice, bob, carol);
    }

    [Fact]
    public void ExternalResyncReplacesTheJoinersOldLeaf()
    {
        var (alice, bob, carol, clients) = ThreeMembers();
        var groupInfo = alice.CreateGroupInfo(includeRatchetTree: false, includeExternalPub: true);
        var c = clients[2];
        var (carol2, commit) = MlsGroup.JoinExternal(MlsMessageIn.Decode(MlsMessage.From(groupInfo).Encode()).GroupInfo!, alice.RatchetTree, c.Credential, c.Signer, c.Options, c.Random, resync: true);
        GroupAssert.Apply(commit, alice, bob);
        var staged = Assert.IsType<ProcessedMessage.Commit>(carol.ProcessMessage(TestClient.Reparse(commit))).Staged;
        Assert.True(staged.RemovesSelf);
        GroupAssert.InSync(alice, bob, carol2);
        Assert.Equal(3, alice.Members.Count());
    }

    [Fact]
    public void ExternalPskIsInjectedByCommit()
    {
        var (alice, bob, carol, clients) = ThreeMembers();
        byte[] id = [1, 2, 3];
        foreach (var c in clients)
        {
            c.Psks.Add(id, Encoding.UTF8.GetBytes("a shared secret"));
        }

        var proposal = alice.ProposeExternalPsk(id);
        bob.ProcessMessage(TestClient.Reparse(proposal));
        carol.ProcessMessage(TestClient.Reparse(proposal));
        var commit = alice.Commit().Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(commit, bob, carol);
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void ResumptionPskFromAPastEpochIsInjected()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var nonce = new byte[32];
        var psk = new PreSharedKeyProposal(PreSharedKeyId.Resumption(ResumptionPskUsage.Application, alice.GroupId, alice.Epoch, nonce));
        var empty = alice.Commit().Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(empty, bob, carol);
        var commit = bob.Commit(new CommitOptions { Proposals = [psk] }).Commit;
        bob.MergePendingCommit();
        GroupAssert.Apply(commit, alice, carol);
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void GroupContextExtensionsProposalChangesTheContext()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var extensions = new[] { new Extension((ushort)ExtensionType.ApplicationId, [9, 9]) };
        var commit = carol.Commit(new CommitOptions { Proposals = [new GroupContextExtensionsProposal(extensions)] }).Commit;
        carol.MergePendingCommit();
        GroupAssert.Apply(commit, alice, bob);
        GroupAssert.InSync(alice, bob, carol);
        Assert.Equal([9, 9], alice.Context.Extensions.Single().Data);
    }

    [Fact]
    public void LateApplicationMessageFromPastEpochDecrypts()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var late = bob.Encrypt(Encoding.UTF8.GetBytes("sent before the commit"));
        var commit = alice.Commit().Commit;
        alice.MergePendingCommit();
        GroupAssert.Apply(commit, bob, carol);
        var app = Assert.IsType<ProcessedMessage.Application>(carol.ProcessMessage(TestClient.Reparse(late)));
        Assert.Equal(1ul, app.Epoch);
        Assert.Equal("sent before the commit", Encoding.UTF8.GetString(app.Data));
    }

    [Fact]
    public void ApplicationMessageOlderThanTheWindowThrowsWrongEpoch()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var late = bob.Encrypt([1]);
        for (int i = 0; i <= MlsLimits.DefaultPastEpochs; i++)
        {
            var commit = alice.Commit().Commit;
            alice.MergePendingCommit();
            GroupAssert.Apply(commit, bob, carol);
        }

        var error = Assert.Throws<MlsException>(() => carol.ProcessMessage(TestClient.Reparse(late)));
        Assert.Equal(MlsError.WrongEpoch, error.Code);
        Assert.Equal(MlsLimits.DefaultPastEpochs, carol.PastEpochs.Count());
    }

    [Fact]
    public void SecondCommitForAnEpochIsRejected()
    {
        var (alice, bob, carol, _) = ThreeMembers();
        var first = alice.Commit().Commit;
        var second = bob.Commit().Commit;
        GroupAssert.Apply(first, carol);
        var auth = carol.EpochAuthenticator;
        var error = Assert.Throws<MlsException>(() => carol.ProcessMessage(TestClient.Reparse(second)));
        Assert.Equal(MlsError.WrongEpoch, error.Code);
        Assert.Equal(auth, carol.EpochAuthenticator);

        // Bob lost the race: the Delivery Service hands him Alice's commit, which replaces his pending one.
        var staged = Assert.IsType<ProcessedMessage.Commit>(bob.ProcessMessage(TestClient.Reparse(first))).Staged;
        bob.MergeStagedCommit(staged);
        alice.MergePendingCommit();
        GroupAssert.InSync(alice, bob, carol);
    }

    [Fact]
    public void ClearedPendingCommitLeavesTheEpochUntouched()
    {
        var (alice, bob, _, _) = ThreeMembers();
        var auth = alice.EpochAuthenticator;
        alice.Commit();
        Assert.IsType<GroupState.PendingCommit>(alice.State);
        Assert.Throws<InvalidOperationException>(() => alice.Commit());
        alice.ClearPendingCommit();
        Assert.IsType<GroupState.Operational>(alice.State);
        Assert.Equal(auth, alice.EpochAuthenticator);
        GroupAssert.Delivers(alice, "still here", bob);
    }

    [Fact]
    public void MergeWithoutPendingCommitThrowsInvalidOperation()
    {
        using var alice = new TestClient("alice").CreateGroup();
        Assert.Throws<InvalidOperationException>(alice.MergePendingCommit);
        Assert.Throws<InvalidOperationException>(alice.ClearPendingCommit);
    }

    [Fact]
    public void MembersOfSuite3InteroperateAmongThemselves()
    {
        var suite = CipherSuite.X25519ChaCha20Poly1305Sha256Ed25519;
        var a = new TestClient("alice", suite: suite);
        var b = new TestClient("bob", a.Time, suite: suite);
        using var alice = a.CreateGroup();
        var kp = b.NewKeyPackage();
        var result = alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] });
        alice.MergePendingCommit();
        using var bob = b.Join(result.Welcome!, kp);
        GroupAssert.InSync(alice, bob);
        GroupAssert.Delivers(bob, "chacha", alice);
    }
}
