using System.Text;
using System.Text.Json.Nodes;
using Sotto.Crypto;
using Sotto.Mls;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.MlsPeer;

/// <summary>
/// The methods of tests/interop/mls/peer.mjs, with the same parameters and result fields, over Sotto.Mls:
/// Ping, Name, SupportedCiphersuites, CreateGroup, CreateKeyPackage, JoinGroup, ExternalJoin, GroupInfo, StateAuth,
/// Export, Protect, Unprotect, StorePSK, AddProposal, RemoveProposal, ExternalPSKProposal,
/// GroupContextExtensionsProposal, Commit, HandleCommit, HandlePendingCommit, Free, EpochInfo, Members.
/// Commits stay pending until HandlePendingCommit (the Delivery Service's acknowledgement).
/// </summary>
internal sealed class MlsPeer
{
    private readonly IRandom _random = SystemRandom.Instance;
    private readonly Dictionary<long, Transaction> _transactions = [];
    private readonly Dictionary<long, State> _states = [];
    private long _nextId = 1;

    private sealed record Transaction(KeyPackageBundle Bundle, MlsGroupOptions Options, InMemoryPskStore Psks);

    private sealed class State(MlsGroup group, InMemoryPskStore psks)
    {
        public MlsGroup Group { get; set; } = group;

        public InMemoryPskStore Psks { get; } = psks;
    }

    public JsonObject Handle(string method, JsonObject p) => method switch
    {
        "Ping" => [],
        "Name" => new JsonObject { ["name"] = "Sotto.Mls (Sotto.MlsPeer)" },
        "SupportedCiphersuites" => new JsonObject { ["ciphersuites"] = new JsonArray(1, 3) },
        "CreateGroup" => CreateGroup(p),
        "CreateKeyPackage" => CreateKeyPackage(p),
        "JoinGroup" => JoinGroup(p),
        "ExternalJoin" => ExternalJoin(p),
        "GroupInfo" => GroupInfo(p),
        "StateAuth" => new JsonObject { ["state_auth_secret"] = Hex(Get(p).Group.EpochAuthenticator) },
        "Export" => new JsonObject { ["exported_secret"] = Hex(Get(p).Group.Export(Str(p, "label"), Bytes(p, "context"), p["key_length"]!.GetValue<int>())) },
        "Protect" => Protect(p),
        "Unprotect" => Unprotect(p),
        "StorePSK" => StorePsk(p),
        "AddProposal" => Propose(p, new JsonObject { ["proposal_type"] = Hex("add"u8), ["key_package"] = Str(p, "key_package") }),
        "RemoveProposal" => Propose(p, new JsonObject { ["proposal_type"] = Hex("remove"u8), ["removed_id"] = Str(p, "removed_id") }),
        "ExternalPSKProposal" => Propose(p, new JsonObject { ["proposal_type"] = Hex("externalPSK"u8), ["psk_id"] = Str(p, "psk_id") }),
        "GroupContextExtensionsProposal" => Propose(p, new JsonObject { ["proposal_type"] = Hex("groupContextExtensions"u8), ["extensions"] = p["extensions"]?.DeepClone() }),
        "Commit" => Commit(p),
        "HandleCommit" => HandleCommit(p),
        "HandlePendingCommit" => HandlePendingCommit(p),
        "Free" => Free(p),
        "EpochInfo" => EpochInfo(p),
        "Members" => Members(p),
        _ => throw new ArgumentException("unknown method " + method),
    };

    private JsonObject CreateGroup(JsonObject p)
    {
        var suite = CipherSuite.FromId((ushort)(p["cipher_suite"]?.GetValue<int>() ?? 1));
        var psks = new InMemoryPskStore();
        var options = Options(p, psks);
        var signer = SignaturePrivateKey.Generate(_random);
        var group = MlsGroup.Create(suite, Bytes(p, "group_id"), Credential.Basic(Bytes(p, "identity")), signer, options, _random);
        return new JsonObject { ["state_id"] = Store(new State(group, psks)) };
    }

    private JsonObject CreateKeyPackage(JsonObject p)
    {
        var suite = CipherSuite.FromId((ushort)(p["cipher_suite"]?.GetValue<int>() ?? 1));
        var signer = SignaturePrivateKey.Generate(_random);
        var bundle = KeyPackageBundle.Create(suite, Credential.Basic(Bytes(p, "identity")), signer, _random, TimeProvider.System);
        var psks = new InMemoryPskStore();
        long id = _nextId++;
        _transactions[id] = new Transaction(bundle, Options(p, psks), psks);
        return new JsonObject
        {
            ["transaction_id"] = id,
            ["key_package"] = Hex(MlsMessage.From(bundle.KeyPackage).Encode()),
            ["init_priv"] = Hex(bundle.InitKey.PrivateKey.Span),
            ["encryption_priv"] = Hex(bundle.EncryptionKey.PrivateKey.Span),
            ["signature_priv"] = Hex(signer.ExportPrivateKey()),
        };
    }

    private JsonObject JoinGroup(JsonObject p)
    {
        var tx = _transactions.GetValueOrDefault(p["transaction_id"]!.GetValue<long>()) ?? throw new KeyNotFoundException("unknown transaction_id");
        var welcome = Decode(p, "welcome", WireFormat.Welcome).Welcome!;
        var tree = OptionalBytes(p, "ratchet_tree") is { Length: > 0 } t ? RatchetTree.Decode(t) : null;
        var options = tx.Options with { HandshakeAsPrivateMessage = p["encrypt_handshake"]?.GetValue<bool>() ?? false };
        var group = MlsGroup.JoinFromWelcome(welcome, tx.Bundle, tree, options, _random);
        long id = Store(new State(group, tx.Psks));
        return new JsonObject { ["state_id"] = id, ["epoch_authenticator"] = Hex(group.EpochAuthenticator) };
    }

    private JsonObject ExternalJoin(JsonObject p)
    {
        var groupInfo = Decode(p, "group_info", WireFormat.GroupInfo).GroupInfo!;
        var tree = OptionalBytes(p, "ratchet_tree") is { Length: > 0 } t ? RatchetTree.Decode(t) : null;
        var psks = new InMemoryPskStore();
        var signer = SignaturePrivateKey.Generate(_random);
        var (group, commit) = MlsGroup.JoinExternal(groupInfo, tree, Credential.Basic(Bytes(p, "identity")), signer, Options(p, psks), _random,
            resync: p["remove_prior"]?.GetValue<bool>() ?? false);
        long id = Store(new State(group, psks));
        return new JsonObject { ["state_id"] = id, ["commit"] = Hex(commit.Encode()), ["epoch_authenticator"] = Hex(group.EpochAuthenticator) };
    }

    private JsonObject GroupInfo(JsonObject p)
    {
        var s = Get(p);
        bool externalTree = p["external_tree"]?.GetValue<bool>() ?? false;
        var info = s.Group.CreateGroupInfo(includeRatchetTree: !externalTree, includeExternalPub: true);
        return new JsonObject
        {
            ["group_info"] = Hex(MlsMessage.From(info).Encode()),
            ["ratchet_tree"] = externalTree ? Hex(s.Group.RatchetTree.Encode()) : "",
        };
    }

    private JsonObject Protect(JsonObject p)
    {
        var s = Get(p);
        var plaintext = OptionalBytes(p, "plaintext") ?? OptionalBytes(p, "application_data") ?? [];
        var message = s.Group.Encrypt(plaintext, OptionalBytes(p, "authenticated_data") ?? []);
        return new JsonObject { ["ciphertext"] = Hex(message.Encode()) };
    }

    private JsonObject Unprotect(JsonObject p)
    {
        var s = Get(p);
        var message = Decode(p, "ciphertext", WireFormat.PrivateMessage);
        if (s.Group.ProcessMessage(message) is not ProcessedMessage.Application app)
        {
            throw new InvalidOperationException("not an application message");
        }

        return new JsonObject { ["authenticated_data"] = Hex(app.AuthenticatedData), ["plaintext"] = Hex(app.Data) };
    }

    private JsonObject StorePsk(JsonObject p)
    {
        long id = p["state_or_transaction_id"]!.GetValue<long>();
        var psks = _states.TryGetValue(id, out var s) ? s.Psks
            : _transactions.TryGetValue(id, out var tx) ? tx.Psks
            : throw new KeyNotFoundException("unknown id");
        psks.Add(Bytes(p, "psk_id"), Bytes(p, "psk_secret"));
        return [];
    }

    private JsonObject Propose(JsonObject p, JsonObject description)
    {
        var s = Get(p);
        var message = s.Group.Propose(ProposalFrom(description, s));
        return new JsonObject { ["proposal"] = Hex(message.Encode()) };
    }

    private JsonObject Commit(JsonObject p)
    {
        var s = Get(p);
        foreach (var hex in p["by_reference"]?.AsArray() ?? [])
        {
            s.Group.ProcessMessage(Convert.FromHexString(hex!.GetValue<string>()));
        }

        var byValue = (p["by_value"]?.AsArray() ?? []).Select(d => ProposalFrom(d!.AsObject(), s)).ToList();
        bool externalTree = p["external_tree"]?.GetValue<bool>() ?? false;
        var result = s.Group.Commit(new CommitOptions
        {
            Proposals = byValue,
            ForcePath = p["force_path"]?.GetValue<bool>() ?? false,
            RatchetTreeInWelcome = !externalTree,
        });
        return new JsonObject
        {
            ["commit"] = Hex(result.Commit.Encode()),
            ["welcome"] = result.Welcome is null ? "" : Hex(result.Welcome.Encode()),
            ["ratchet_tree"] = externalTree ? Hex(result.RatchetTree.Encode()) : "",
        };
    }

    private JsonObject HandleCommit(JsonObject p)
    {
        var s = Get(p);
        foreach (var hex in p["proposal"]?.AsArray() ?? [])
        {
            s.Group.ProcessMessage(Convert.FromHexString(hex!.GetValue<string>()));
        }

        if (s.Group.ProcessMessage(Bytes(p, "commit")) is not ProcessedMessage.Commit commit)
        {
            throw new InvalidOperationException("message was not a commit");
        }

        s.Group.MergeStagedCommit(commit.Staged);
        bool removed = s.Group.State is GroupState.Inactive;
        return new JsonObject
        {
            ["state_id"] = p["state_id"]!.DeepClone(),
            ["epoch_authenticator"] = Hex(removed ? commit.Staged.EpochAuthenticator : s.Group.EpochAuthenticator),
            ["removed"] = removed,
        };
    }

    private JsonObject HandlePendingCommit(JsonObject p)
    {
        var s = Get(p);
        s.Group.MergePendingCommit();
        return new JsonObject { ["state_id"] = p["state_id"]!.DeepClone(), ["epoch_authenticator"] = Hex(s.Group.EpochAuthenticator) };
    }

    private JsonObject Free(JsonObject p)
    {
        long id = p["state_id"]!.GetValue<long>();
        if (_states.Remove(id, out var s))
        {
            s.Group.Dispose();
        }

        return [];
    }

    private JsonObject EpochInfo(JsonObject p)
    {
        var g = Get(p).Group;
        var context = g.Context;
        return new JsonObject
        {
            ["epoch"] = context.Epoch,
            ["group_id"] = Hex(context.GroupId),
            ["cipher_suite"] = context.CipherSuite,
            ["tree_hash"] = Hex(context.TreeHash),
            ["confirmed_transcript_hash"] = Hex(context.ConfirmedTranscriptHash),
            ["epoch_authenticator"] = Hex(g.EpochAuthenticator),
            ["own_leaf_index"] = g.OwnLeafIndex.Value,
            ["ratchet_tree"] = Hex(g.RatchetTree.Encode()),
            ["active"] = g.State is GroupState.Inactive ? "removedFromGroup" : "active",
        };
    }

    private JsonObject Members(JsonObject p)
    {
        var members = new JsonArray();
        foreach (var (index, leaf) in Get(p).Group.Members)
        {
            members.Add(new JsonObject { ["leaf_index"] = index.Value, ["identity"] = Hex(leaf.Credential.Identity) });
        }

        return new JsonObject { ["members"] = members };
    }

    /// <summary>A proposal from a description: proposal_type is the hex of "add", "remove", "externalPSK" or "groupContextExtensions".</summary>
    private Proposal ProposalFrom(JsonObject d, State s)
    {
        string type = Encoding.UTF8.GetString(Convert.FromHexString(d["proposal_type"]?.GetValue<string>() ?? ""));
        switch (type)
        {
            case "add":
                var keyPackage = Decode(d, "key_package", WireFormat.KeyPackage).KeyPackage!;
                return new AddProposal(keyPackage);
            case "remove":
                return new RemoveProposal(LeafOf(s.Group, Bytes(d, "removed_id")).Value);
            case "externalPSK":
                var nonce = new byte[CipherSuite.HashSize];
                _random.Fill(nonce);
                return new PreSharedKeyProposal(PreSharedKeyId.External(Bytes(d, "psk_id"), nonce));
            case "groupContextExtensions":
                var extensions = (d["extensions"]?.AsArray() ?? [])
                    .Select(e => new Extension((ushort)e!["extension_type"]!.GetValue<int>(), Bytes(e.AsObject(), "extension_data")))
                    .ToArray();
                return new GroupContextExtensionsProposal(extensions);
            default:
                throw new ArgumentException("unsupported proposal_type " + type);
        }
    }

    private static LeafIndex LeafOf(MlsGroup group, byte[] identity)
    {
        foreach (var (index, leaf) in group.Members)
        {
            if (leaf.Credential.Type == CredentialType.Basic && leaf.Credential.Identity.AsSpan().SequenceEqual(identity))
            {
                return index;
            }
        }

        throw new ArgumentException("no member with that identity");
    }

    // ts-mls issues KeyPackages valid from 1970 to 2^63 − 1 seconds; this peer's policy accepts any total lifetime
    // (RFC 9420 §7.2 leaves the maximum to the application) but still checks that it covers the current time.
    private static MlsGroupOptions Options(JsonObject p, InMemoryPskStore psks) => new()
    {
        HandshakeAsPrivateMessage = p["encrypt_handshake"]?.GetValue<bool>() ?? false,
        PskStore = psks,
        MaxLeafLifetime = null,
    };

    private long Store(State state)
    {
        long id = _nextId++;
        _states[id] = state;
        return id;
    }

    private State Get(JsonObject p) => _states.GetValueOrDefault(p["state_id"]!.GetValue<long>()) ?? throw new KeyNotFoundException("unknown state_id");

    private static MlsMessageIn Decode(JsonObject p, string name, WireFormat expected)
    {
        var message = MlsMessageIn.Decode(Bytes(p, name));
        if (message.WireFormat != expected)
        {
            throw new ArgumentException($"expected {expected}, got {message.WireFormat}");
        }

        return message;
    }

    private static string Str(JsonObject p, string name) => p[name]?.GetValue<string>() ?? throw new ArgumentException("missing " + name);

    private static byte[] Bytes(JsonObject p, string name) => Convert.FromHexString(p[name]?.GetValue<string>() ?? "");

    private static byte[]? OptionalBytes(JsonObject p, string name) => p[name]?.GetValue<string>() is { } s ? Convert.FromHexString(s) : null;

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
