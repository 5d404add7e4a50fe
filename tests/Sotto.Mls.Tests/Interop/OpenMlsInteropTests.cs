using System.Text;
using System.Text.Json.Nodes;
using Sotto.TestSupport;

namespace Sotto.Mls.Tests.Interop;

/// <summary>
/// Randomized group lives between Sotto (tools/Sotto.MlsPeer) and OpenMLS (the shared kit's
/// interop/mls-openmls/peer.mjs: OpenMLS inside @wireapp/core-crypto, installed by tests/setup.d/20-mls-openmls.sh).
/// Each life is at least 300 operations — adds, removes, update commits, external joins and application messages —
/// over 5 to 15 members split between the two implementations. After every operation all members must export the
/// same secret, and all Sotto members must hold the same epoch authenticator.
/// </summary>
/// <remarks>
/// The OpenMLS peer's limits shape the script (see its README): handshakes are PublicMessages; identities are Wire
/// client ids; commits carry all-add or all-remove lists; Welcomes carry the tree; OpenMLS exports only
/// MLS-Exporter("exporter", "", n) without its heap probe, which is disabled here for speed.
/// </remarks>
[Trait("Category", "Interop")]
public sealed class OpenMlsInteropTests
{
    private const int Operations = 300;

    private sealed record Member(MlsPeerProcess Peer, long StateId, string Identity);

    private static string? PeerScript()
    {
        if (Environment.GetEnvironmentVariable("SOTTO_MLS_OPENMLS_PEER") is { Length: > 0 } configured)
        {
            return configured;
        }

        var installed = Path.Combine(Vectors.RepositoryRoot, ".test-logs", "mls-openmls", "peer.mjs");
        return File.Exists(installed) && Directory.Exists(Path.Combine(Path.GetDirectoryName(installed)!, "node_modules")) ? installed : null;
    }

    private static bool SharedKitPresent() =>
        new[] { Path.Combine(Vectors.RepositoryRoot, "..", "shared"), Path.Combine(Vectors.RepositoryRoot, "..", "..", "shared"), Environment.GetEnvironmentVariable("SOTTO_SHARED_KIT") ?? "/nonexistent", "/work/shared" }
            .Any(kit => File.Exists(Path.Combine(kit, "interop", "mls-openmls", "peer.mjs")));

    public static TheoryData<int, string> Lives => new() { { 1, "sotto" }, { 2, "openmls" } };

    [Theory]
    [MemberData(nameof(Lives))]
    public void RandomizedGroupLifeStaysInSync(int seed, string creatorSide)
    {
        var script = PeerScript();
        if (script is null)
        {
            // Runs whenever the shared kit is present (test.sh installs the peer); without the kit there is no OpenMLS.
            Assert.False(SharedKitPresent(), "The shared kit has the OpenMLS peer but it is not installed: run ./test.sh (tests/setup.d/20-mls-openmls.sh).");
            return;
        }

        using var sotto = MlsPeerProcess.StartSotto();
        using var openMls = MlsPeerProcess.StartNode("openmls", script, new Dictionary<string, string> { ["MLS_OPENMLS_EPOCH_AUTH"] = "0" });
        new GroupLife(seed, sotto, openMls).Run(creatorSide);
    }

    /// <summary>
    /// A short scripted life with the OpenMLS peer's epoch-secret probe on, so that OpenMLS's own epoch_authenticator
    /// is compared with Sotto's at every epoch: creation on either side, adds both ways, updates, a remove.
    /// </summary>
    [Theory]
    [InlineData("sotto")]
    [InlineData("openmls")]
    public void EpochAuthenticatorsMatchOpenMls(string creatorSide)
    {
        var script = PeerScript();
        if (script is null)
        {
            Assert.False(SharedKitPresent(), "The shared kit has the OpenMLS peer but it is not installed: run ./test.sh (tests/setup.d/20-mls-openmls.sh).");
            return;
        }

        using var sotto = MlsPeerProcess.StartSotto();
        using var openMls = MlsPeerProcess.StartNode("openmls", script);
        var (x, y) = creatorSide == "sotto" ? (sotto, openMls) : (openMls, sotto);
        string Id(int n, MlsPeerProcess p) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes($"00000000-0000-4000-8000-{n:x12}:1@{p.Kind}"));
        var a = new Member(x, x.Call("CreateGroup", new JsonObject { ["group_id"] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes("auth " + creatorSide)), ["cipher_suite"] = 1, ["identity"] = Id(1, x) })["state_id"]!.GetValue<long>(), Id(1, x));
        var members = new List<Member> { a };
        var pendingJoins = new Dictionary<string, (MlsPeerProcess Peer, long Transaction, string Identity)>();
        void Check()
        {
            var auths = members.Select(m => m.Peer.Call("StateAuth", new JsonObject { ["state_id"] = m.StateId })["state_auth_secret"]!.GetValue<string>()).ToList();
            Assert.True(auths.Distinct().Count() == 1, "epoch authenticators differ: " + string.Join(" ", members.Select((m, i) => m.Peer.Kind + "=" + auths[i][..8])));
        }

        void Commit(Member committer, JsonArray byValue, Member? removed = null)
        {
            var r = committer.Peer.Call("Commit", new JsonObject { ["state_id"] = committer.StateId, ["by_value"] = byValue });
            committer.Peer.Call("HandlePendingCommit", new JsonObject { ["state_id"] = committer.StateId });
            foreach (var m in members.Where(m => m != committer))
            {
                m.Peer.Call("HandleCommit", new JsonObject { ["state_id"] = m.StateId, ["commit"] = r["commit"]!.GetValue<string>() });
            }

            if (removed is not null)
            {
                members.Remove(removed);
            }

            foreach (var kp in byValue.Where(d => d!["key_package"] is not null))
            {
                var (peer, tx, id) = pendingJoins[kp!["key_package"]!.GetValue<string>()];
                members.Add(new Member(peer, peer.Call("JoinGroup", new JsonObject { ["transaction_id"] = tx, ["welcome"] = r["welcome"]!.GetValue<string>() })["state_id"]!.GetValue<long>(), id));
            }

            Check();
        }

        JsonObject AddOf(MlsPeerProcess peer, int n)
        {
            var kp = peer.Call("CreateKeyPackage", new JsonObject { ["cipher_suite"] = 1, ["identity"] = Id(n, peer) });
            pendingJoins[kp["key_package"]!.GetValue<string>()] = (peer, kp["transaction_id"]!.GetValue<long>(), Id(n, peer));
            return new JsonObject { ["proposal_type"] = Convert.ToHexStringLower("add"u8), ["key_package"] = kp["key_package"]!.GetValue<string>() };
        }

        Commit(a, [AddOf(y, 2), AddOf(x, 3), AddOf(y, 4)]);
        Commit(members[1], []);
        Commit(members[2], [AddOf(x, 5)]);
        var victim = members[3];
        Commit(members[1], [new JsonObject { ["proposal_type"] = Convert.ToHexStringLower("remove"u8), ["removed_id"] = victim.Identity }], victim);
        Commit(members[^1], []);
        Assert.Equal(4, members.Count);
    }

    private sealed class GroupLife(int seed, MlsPeerProcess sotto, MlsPeerProcess openMls)
    {
        private readonly SeededRandom _random = new((ulong)seed);
        private readonly List<Member> _members = [];
        private int _identities;
        private int _epochs;
        private int _messages;

        private MlsPeerProcess Side(string side) => side == "sotto" ? sotto : openMls;

        private string RandomSide() => _random.Next(2) == 0 ? "sotto" : "openmls";

        /// <summary>A Wire client id, the only identity form core-crypto accepts: uuid:device@domain.</summary>
        private string NewIdentity(MlsPeerProcess peer) =>
            Convert.ToHexStringLower(Encoding.UTF8.GetBytes($"00000000-0000-4000-8000-{++_identities:x12}:1@{peer.Kind}"));

        public void Run(string creatorSide)
        {
            var creator = Side(creatorSide);
            var identity = NewIdentity(creator);
            var id = creator.Call("CreateGroup", new JsonObject { ["group_id"] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes($"life {seed}")), ["cipher_suite"] = 1, ["identity"] = identity })["state_id"]!.GetValue<long>();
            _members.Add(new Member(creator, id, identity));
            while (_members.Count < 5)
            {
                Add(_random.Next(2) + 1);
            }

            for (int op = 0; op < Operations; op++)
            {
                int roll = _random.Next(100);
                if (roll < 40)
                {
                    Message();
                }
                else if (roll < 55)
                {
                    Update();
                }
                else if (roll < 72 && _members.Count < 15)
                {
                    Add(Math.Min(1 + _random.Next(3), 15 - _members.Count));
                }
                else if (roll < 88 && _members.Count > 5)
                {
                    Remove(Math.Min(1 + _random.Next(2), _members.Count - 5));
                }
                else if (_members.Count < 15)
                {
                    ExternalJoin();
                }
                else
                {
                    Update();
                }

                AssertInSync(op);
            }

            Assert.True(_epochs >= 100, $"only {_epochs} epochs");
            Assert.True(_messages >= 50, $"only {_messages} messages");
            Assert.Contains(_members, m => m.Peer == sotto);
            Assert.Contains(_members, m => m.Peer == openMls);
        }

        private Member Pick() => _members[_random.Next(_members.Count)];

        private void Commit(Member committer, JsonArray byValue, IReadOnlyCollection<Member> excluded, out JsonObject result)
        {
            result = committer.Peer.Call("Commit", new JsonObject { ["state_id"] = committer.StateId, ["by_value"] = byValue, ["external_tree"] = false });
            committer.Peer.Call("HandlePendingCommit", new JsonObject { ["state_id"] = committer.StateId });
            foreach (var m in _members.Where(m => m != committer && !excluded.Contains(m)))
            {
                var handled = m.Peer.Call("HandleCommit", new JsonObject { ["state_id"] = m.StateId, ["commit"] = result["commit"]!.GetValue<string>() });
                Assert.False(handled["removed"]?.GetValue<bool>() ?? false);
            }

            _epochs++;
        }

        private void Add(int count)
        {
            var committer = Pick();
            var joiners = new List<(MlsPeerProcess Peer, long Transaction, string Identity)>();
            var adds = new JsonArray();
            for (int i = 0; i < count; i++)
            {
                var peer = Side(RandomSide());
                var identity = NewIdentity(peer);
                var kp = peer.Call("CreateKeyPackage", new JsonObject { ["cipher_suite"] = 1, ["identity"] = identity });
                joiners.Add((peer, kp["transaction_id"]!.GetValue<long>(), identity));
                adds.Add(new JsonObject { ["proposal_type"] = Convert.ToHexStringLower("add"u8), ["key_package"] = kp["key_package"]!.GetValue<string>() });
            }

            Commit(committer, adds, [], out var result);
            foreach (var (peer, transaction, identity) in joiners)
            {
                var joined = peer.Call("JoinGroup", new JsonObject { ["transaction_id"] = transaction, ["welcome"] = result["welcome"]!.GetValue<string>() });
                _members.Add(new Member(peer, joined["state_id"]!.GetValue<long>(), identity));
            }
        }

        private void Remove(int count)
        {
            var committer = Pick();
            var victims = new List<Member>();
            foreach (var candidate in _members.Where(m => m != committer).OrderBy(_ => _random.Next(1000)))
            {
                // Keep both implementations in the group.
                if (victims.Count < count && _members.Count(m => m.Peer == candidate.Peer) - victims.Count(v => v.Peer == candidate.Peer) > 1)
                {
                    victims.Add(candidate);
                }
            }

            if (victims.Count == 0)
            {
                Update();
                return;
            }

            var removes = new JsonArray([.. victims.Select(v => (JsonNode)new JsonObject { ["proposal_type"] = Convert.ToHexStringLower("remove"u8), ["removed_id"] = v.Identity })]);
            Commit(committer, removes, victims, out var result);
            foreach (var v in victims)
            {
                var handled = v.Peer.Call("HandleCommit", new JsonObject { ["state_id"] = v.StateId, ["commit"] = result["commit"]!.GetValue<string>() });
                Assert.True(handled["removed"]!.GetValue<bool>(), $"{v.Peer.Kind} member did not see its removal");
                v.Peer.Call("Free", new JsonObject { ["state_id"] = v.StateId });
                _members.Remove(v);
            }
        }

        private void Update() => Commit(Pick(), [], [], out _);

        /// <summary>A joiner of either side commits externally with a GroupInfo (tree inside) from a Sotto member.</summary>
        private void ExternalJoin()
        {
            var source = _members.Where(m => m.Peer == sotto).OrderBy(_ => _random.Next(1000)).First();
            var info = sotto.Call("GroupInfo", new JsonObject { ["state_id"] = source.StateId, ["external_tree"] = false })["group_info"]!.GetValue<string>();
            var peer = Side(RandomSide());
            var identity = NewIdentity(peer);
            var joined = peer.Call("ExternalJoin", new JsonObject { ["group_info"] = info, ["identity"] = identity });
            foreach (var m in _members)
            {
                m.Peer.Call("HandleCommit", new JsonObject { ["state_id"] = m.StateId, ["commit"] = joined["commit"]!.GetValue<string>() });
            }

            _members.Add(new Member(peer, joined["state_id"]!.GetValue<long>(), identity));
            _epochs++;
        }

        private void Message()
        {
            var sender = Pick();
            var text = Convert.ToHexStringLower(Encoding.UTF8.GetBytes($"message {_messages} from {sender.Peer.Kind}"));
            var ciphertext = sender.Peer.Call("Protect", new JsonObject { ["state_id"] = sender.StateId, ["plaintext"] = text, ["authenticated_data"] = "" })["ciphertext"]!.GetValue<string>();
            foreach (var m in _members.Where(m => m != sender))
            {
                Assert.Equal(text, m.Peer.Call("Unprotect", new JsonObject { ["state_id"] = m.StateId, ["ciphertext"] = ciphertext })["plaintext"]!.GetValue<string>());
            }

            _messages++;
        }

        private void AssertInSync(int op)
        {
            var exports = _members.Select(m => m.Peer.Call("Export", new JsonObject { ["state_id"] = m.StateId, ["label"] = "exporter", ["context"] = "", ["key_length"] = 32 })["exported_secret"]!.GetValue<string>()).ToList();
            Assert.True(exports.Distinct().Count() == 1, $"operation {op}: exporter outputs differ across {string.Join(", ", _members.Select(m => m.Peer.Kind))}");
            var auths = _members.Where(m => m.Peer == sotto).Select(m => sotto.Call("StateAuth", new JsonObject { ["state_id"] = m.StateId })["state_auth_secret"]!.GetValue<string>()).Distinct().Count();
            Assert.Equal(1, auths);
        }
    }
}
