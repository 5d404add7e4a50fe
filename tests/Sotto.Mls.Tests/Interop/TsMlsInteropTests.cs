using System.Text;
using System.Text.Json.Nodes;
using Sotto.Mls.Framing;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.Interop;

/// <summary>
/// Live interop between Sotto (tools/Sotto.MlsPeer) and ts-mls 1.6.4 (tests/interop/mls/peer.mjs), both driven
/// through the same JSON-lines protocol. After every step all members must agree on the epoch authenticator and
/// on MLS-Exporter output. Where ts-mls departs from RFC 9420 the test says so and asserts the failure.
/// </summary>
[Trait("Category", "Interop")]
public sealed class TsMlsInteropTests(MlsPeers peers) : IClassFixture<MlsPeers>
{
    private sealed record Member(MlsPeerProcess Peer, long StateId, string Name);

    private sealed record PendingJoin(MlsPeerProcess Peer, long TransactionId, string KeyPackage, string Name);

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));

    private MlsPeerProcess PeerNamed(string kind) => kind == "sotto" ? peers.Sotto : peers.TsMls;

    private MlsPeerProcess Other(string kind) => kind == "sotto" ? peers.TsMls : peers.Sotto;

    private static Member CreateGroup(MlsPeerProcess peer, string name, bool encrypt, string groupId) => new(peer,
        peer.Call("CreateGroup", new JsonObject { ["group_id"] = Hex(groupId), ["cipher_suite"] = 1, ["encrypt_handshake"] = encrypt, ["identity"] = Hex(name) })["state_id"]!.GetValue<long>(),
        name);

    private static PendingJoin KeyPackage(MlsPeerProcess peer, string name)
    {
        var r = peer.Call("CreateKeyPackage", new JsonObject { ["cipher_suite"] = 1, ["identity"] = Hex(name) });
        return new PendingJoin(peer, r["transaction_id"]!.GetValue<long>(), r["key_package"]!.GetValue<string>(), name);
    }

    private static Member Join(PendingJoin kp, JsonObject commit, bool encrypt) => new(kp.Peer,
        kp.Peer.Call("JoinGroup", new JsonObject
        {
            ["transaction_id"] = kp.TransactionId,
            ["welcome"] = commit["welcome"]!.GetValue<string>(),
            ["ratchet_tree"] = commit["ratchet_tree"]?.GetValue<string>() ?? "",
            ["encrypt_handshake"] = encrypt,
        })["state_id"]!.GetValue<long>(),
        kp.Name);

    private static JsonObject Commit(Member committer, JsonArray? byValue = null, JsonArray? byReference = null, bool externalTree = false)
    {
        var result = committer.Peer.Call("Commit", new JsonObject
        {
            ["state_id"] = committer.StateId,
            ["by_value"] = byValue ?? [],
            ["by_reference"] = byReference ?? [],
            ["external_tree"] = externalTree,
        });
        committer.Peer.Call("HandlePendingCommit", new JsonObject { ["state_id"] = committer.StateId });
        return result;
    }

    private static JsonObject Handle(Member member, JsonObject commit, params string[] proposals) =>
        member.Peer.Call("HandleCommit", new JsonObject
        {
            ["state_id"] = member.StateId,
            ["commit"] = commit["commit"]!.GetValue<string>(),
            ["proposal"] = new JsonArray([.. proposals.Select(p => (JsonNode)p)]),
        });

    private static JsonObject Add(PendingJoin kp) => new() { ["proposal_type"] = Hex("add"), ["key_package"] = kp.KeyPackage };

    private static JsonObject Remove(Member m) => new() { ["proposal_type"] = Hex("remove"), ["removed_id"] = Hex(m.Name) };

    /// <summary>Equal epoch authenticators and exporter outputs across all members.</summary>
    private static void AssertInSync(params Member[] members)
    {
        var auths = members.Select(m => m.Peer.Call("StateAuth", new JsonObject { ["state_id"] = m.StateId })["state_auth_secret"]!.GetValue<string>()).ToArray();
        var exports = members.Select(m => m.Peer.Call("Export", new JsonObject { ["state_id"] = m.StateId, ["label"] = "sotto interop", ["context"] = Hex("ctx"), ["key_length"] = 32 })["exported_secret"]!.GetValue<string>()).ToArray();
        for (int i = 1; i < members.Length; i++)
        {
            Assert.True(auths[0] == auths[i], $"epoch authenticator of {members[i].Name} ({members[i].Peer.Kind}) differs from {members[0].Name} ({members[0].Peer.Kind})");
            Assert.True(exports[0] == exports[i], $"exporter of {members[i].Name} ({members[i].Peer.Kind}) differs from {members[0].Name} ({members[0].Peer.Kind})");
        }
    }

    private static void AssertDelivers(Member sender, string text, params Member[] receivers)
    {
        var ciphertext = sender.Peer.Call("Protect", new JsonObject { ["state_id"] = sender.StateId, ["plaintext"] = Hex(text), ["authenticated_data"] = Hex("aad") })["ciphertext"]!.GetValue<string>();
        foreach (var r in receivers)
        {
            var result = r.Peer.Call("Unprotect", new JsonObject { ["state_id"] = r.StateId, ["ciphertext"] = ciphertext });
            Assert.Equal(Hex(text), result["plaintext"]!.GetValue<string>());
            Assert.Equal(Hex("aad"), result["authenticated_data"]!.GetValue<string>());
        }
    }

    public static TheoryData<string, bool> Scenarios => new()
    {
        { "sotto", false },
        { "sotto", true },
        { "ts-mls", false },
        { "ts-mls", true },
    };

    /// <summary>
    /// The scripted life of a group created on either side, with handshakes as PublicMessage or PrivateMessage:
    /// adds through KeyPackages and a Welcome (tree beside it, then inside it), messages every way, an update commit,
    /// a remove by value and one by reference, and a second add by another committer.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void GroupLifeAcrossImplementationsStaysInSync(string creatorKind, bool privateHandshakes)
    {
        var x = PeerNamed(creatorKind);
        var y = Other(creatorKind);
        string gid = $"interop {creatorKind} {privateHandshakes}";
        var alice = CreateGroup(x, "alice", privateHandshakes, gid);
        var bobKp = KeyPackage(y, "bob");
        var carolKp = KeyPackage(x, "carol");
        var daveKp = KeyPackage(y, "dave");

        var adds = Commit(alice, [Add(bobKp), Add(carolKp), Add(daveKp)], externalTree: true);
        Assert.NotEmpty(adds["ratchet_tree"]!.GetValue<string>());
        var bob = Join(bobKp, adds, privateHandshakes);
        var carol = Join(carolKp, adds, privateHandshakes);
        var dave = Join(daveKp, adds, privateHandshakes);
        AssertInSync(alice, bob, carol, dave);

        AssertDelivers(alice, "hello from alice", bob, carol, dave);
        AssertDelivers(bob, "hello from bob", alice, carol, dave);
        AssertDelivers(dave, "hello from dave", alice, bob, carol);

        // An update (empty commit with a full path) by a member of the other implementation.
        var update = Commit(bob);
        Handle(alice, update);
        Handle(carol, update);
        Handle(dave, update);
        AssertInSync(alice, bob, carol, dave);
        AssertDelivers(carol, "after the update", alice, bob, dave);

        // A remove by value; the removed member learns it.
        var removeDave = Commit(alice, [Remove(dave)]);
        Handle(bob, removeDave);
        Handle(carol, removeDave);
        Assert.True(Handle(dave, removeDave)["removed"]!.GetValue<bool>());
        AssertInSync(alice, bob, carol);

        // A remove by reference: carol proposes, alice commits.
        var proposal = carol.Peer.Call("RemoveProposal", new JsonObject { ["state_id"] = carol.StateId, ["removed_id"] = Hex("bob") })["proposal"]!.GetValue<string>();
        var removeBob = Commit(alice, byReference: [proposal]);
        Handle(carol, removeBob);
        Assert.True(Handle(bob, removeBob, proposal)["removed"]!.GetValue<bool>());
        AssertInSync(alice, carol);
        AssertDelivers(carol, "two of us", alice);

        // Another committer adds a member of the other implementation; the tree travels inside the Welcome.
        var erinKp = KeyPackage(Other(carol.Peer.Kind), "erin");
        var addErin = Commit(carol, [Add(erinKp)]);
        Assert.Equal("", addErin["ratchet_tree"]!.GetValue<string>());
        Handle(alice, addErin);
        var erin = Join(erinKp, addErin, privateHandshakes);
        AssertInSync(alice, carol, erin);
        AssertDelivers(erin, "hello from erin", alice, carol);
        AssertDelivers(alice, "welcome erin", carol, erin);
    }

    /// <summary>
    /// ts-mls 1.6.4 writes the GroupInfo external_pub extension as the bare HPKE key. RFC 9420 §12.4.3.2 defines
    /// <c>struct { HPKEPublicKey external_pub; } ExternalPub</c>, and HPKEPublicKey is <c>opaque &lt;V&gt;</c> (§5.1.1),
    /// so the data must start with a length prefix. Sotto follows the RFC, so external joins fail in both directions.
    /// </summary>
    [Fact]
    public void ExternalJoinsFailBecauseTsMlsOmitsTheExternalPubLengthPrefix()
    {
        var tsAlice = CreateGroup(peers.TsMls, "alice", false, "external ts");
        var tsInfo = peers.TsMls.Call("GroupInfo", new JsonObject { ["state_id"] = tsAlice.StateId, ["external_tree"] = false })["group_info"]!.GetValue<string>();
        var tsExternalPub = Extension.Find(MlsMessageIn.Decode(Convert.FromHexString(tsInfo)).GroupInfo!.Extensions, ExtensionType.ExternalPub)!;
        Assert.Equal(32, tsExternalPub.Data.Length); // the raw X25519 key, without the opaque<V> length byte (0x20)

        peers.Sotto.TryCall("ExternalJoin", new JsonObject { ["group_info"] = tsInfo, ["identity"] = Hex("joiner") }, out var sottoError);
        Assert.NotNull(sottoError);

        var sottoAlice = CreateGroup(peers.Sotto, "alice", false, "external sotto");
        var sottoInfo = peers.Sotto.Call("GroupInfo", new JsonObject { ["state_id"] = sottoAlice.StateId, ["external_tree"] = false })["group_info"]!.GetValue<string>();
        var sottoExternalPub = Extension.Find(MlsMessageIn.Decode(Convert.FromHexString(sottoInfo)).GroupInfo!.Extensions, ExtensionType.ExternalPub)!;
        Assert.Equal(33, sottoExternalPub.Data.Length);
        Assert.Equal(0x20, sottoExternalPub.Data[0]);

        peers.TsMls.TryCall("ExternalJoin", new JsonObject { ["group_info"] = sottoInfo, ["identity"] = Hex("joiner") }, out var tsError);
        Assert.NotNull(tsError);

        // Between Sotto peers the same external join works.
        var joined = peers.Sotto.Call("ExternalJoin", new JsonObject { ["group_info"] = sottoInfo, ["identity"] = Hex("joiner") });
        var joiner = new Member(peers.Sotto, joined["state_id"]!.GetValue<long>(), "joiner");
        Handle(sottoAlice, joined);
        AssertInSync(sottoAlice, joiner);
    }

    /// <summary>
    /// ts-mls 1.6.4 rejects valid trees in which an unmerged leaf is listed by two ancestors whose unmerged_leaves
    /// differ (clientState.js: it requires identical lists along the leaf's direct path). RFC 9420 §12.4.3.1 only
    /// requires every non-blank node between the leaf and a parent listing it to list the leaf too; §7.1 lets the
    /// lists differ. This builds such a tree — the root lists leaves 2 and 5, node 11 lists leaf 5 — and welcomes a
    /// Sotto and a ts-mls member into it: Sotto joins, ts-mls refuses.
    /// </summary>
    [Fact]
    public void TsMlsRejectsAValidTreeWhoseUnmergedLeavesDifferAlongAPath()
    {
        var sotto = peers.Sotto;
        var alice = CreateGroup(sotto, "m0", false, "unmerged leaves");
        var kps = Enumerable.Range(1, 7).Select(i => KeyPackage(sotto, "m" + i)).ToArray();
        var adds = Commit(alice, [.. kps.Select(k => (JsonNode)Add(k))]);
        var members = new List<Member> { alice };
        members.AddRange(kps.Select(k => Join(k, adds, false)));

        // Remove leaves 2 and 5, then let leaf 6 commit: node 11 and the root get keys, node 9 stays blank.
        var removal = Commit(alice, [Remove(members[2]), Remove(members[5])]);
        foreach (var m in members.Where((_, i) => i is not (0 or 2 or 5)))
        {
            Handle(m, removal);
        }

        var live = members.Where((_, i) => i is not (2 or 5)).ToList();
        var update = Commit(members[6]);
        foreach (var m in live.Where(m => m != members[6]))
        {
            Handle(m, update);
        }

        var sottoKp = KeyPackage(sotto, "new-sotto");
        var tsKp = KeyPackage(peers.TsMls, "new-ts");
        var readd = Commit(alice, [Add(sottoKp), Add(tsKp)], externalTree: true);
        var tree = RatchetTree.Decode(Convert.FromHexString(readd["ratchet_tree"]!.GetValue<string>()));
        Assert.Equal([2u, 5u], tree.GetParent(new NodeIndex(7))!.UnmergedLeaves);
        Assert.Equal([5u], tree.GetParent(new NodeIndex(11))!.UnmergedLeaves);
        Assert.Null(tree.GetParent(new NodeIndex(9)));

        var joined = Join(sottoKp, readd, false);
        Handle(members[1], readd);
        AssertInSync(alice, joined, members[1]);

        peers.TsMls.TryCall("JoinGroup", new JsonObject
        {
            ["transaction_id"] = tsKp.TransactionId,
            ["welcome"] = readd["welcome"]!.GetValue<string>(),
            ["ratchet_tree"] = readd["ratchet_tree"]!.GetValue<string>(),
        }, out var error);
        Assert.NotNull(error);
        Assert.Contains("unmerged_leaves", error, StringComparison.Ordinal);
    }
}
