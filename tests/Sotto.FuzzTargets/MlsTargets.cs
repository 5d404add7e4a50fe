using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sotto.Mls;
using Sotto.Mls.Codec;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeSync;
using Sotto.TestSupport;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.FuzzTargets;

/// <summary>
/// Decoders of the MLS core (Sotto.Mls, RFC 9420): MLSMessage in every wire format, its parts, the ratchet tree,
/// and the paths a member or joiner takes with peer bytes (processing, joining). The one acceptable error is
/// <see cref="MlsException"/>.
/// </summary>
public static class MlsTargets
{
    private static bool IsMlsError(Exception e) => e is MlsException;

    /// <summary>Every vector length header of a valid encoding, found through the reader's test seam.</summary>
    private static Func<byte[], IReadOnlyList<LengthField>> Vectors(Action<byte[]> decode) => data =>
    {
        var offsets = new List<int>();
        TlsReader.VectorObserver = offsets.Add;
        try
        {
            decode(data);
        }
        catch (MlsException)
        {
        }
        finally
        {
            TlsReader.VectorObserver = null;
        }

        return [.. offsets.Distinct().Select(o => new LengthField(o, LengthKind.MlsVarint))];
    };

    private static FuzzTarget Codec(string name, string description, Func<MlsFixture, IReadOnlyList<byte[]>> corpus, Func<byte[], byte[]> decodeEncode) =>
        new(
            name,
            description,
            () => corpus(MlsFixture.Shared),
            input =>
            {
                var encoded = decodeEncode(input);
                FuzzCheckException.Check(decodeEncode(encoded).AsSpan().SequenceEqual(encoded), $"{name}: re-encoding what decoded is not stable");
            },
            IsMlsError)
        {
            LengthFields = Vectors(data => decodeEncode(data)),
        };

    public static IEnumerable<FuzzTarget> All()
    {
        yield return Codec(
            "mls-message",
            "MlsMessageIn.Decode in every wire format (public and private message, Welcome, GroupInfo, KeyPackage)",
            f => f.Messages,
            data => MlsMessageIn.Decode(data).Encode());
        yield return Codec("mls-key-package", "KeyPackageIn.Decode", f => f.KeyPackages, data => KeyPackageIn.Decode(data).Encode());
        yield return Codec("mls-welcome", "Welcome.Decode", f => f.Welcomes, data => Welcome.Decode(data).Encode());
        yield return Codec("mls-group-info", "GroupInfoIn.Decode (with and without the ratchet_tree and external_pub extensions)", f => f.GroupInfos, data => GroupInfoIn.Decode(data).Encode());
        yield return Codec("mls-ratchet-tree", "RatchetTree.Decode (the ratchet_tree extension)", f => f.Trees, data => RatchetTree.Decode(data).Encode());
        yield return Codec("mls-group-secrets", "GroupSecrets.Decode (the HPKE plaintext of a Welcome)", f => f.GroupSecrets, data =>
        {
            using var secrets = GroupSecrets.Decode(data);
            return secrets.Encode();
        });
        yield return Codec("mls-group-context", "GroupContext.Decode", f => f.Contexts, data => GroupContext.Decode(data).Encode());
        yield return Codec("mls-commit", "Commit.Decode (proposals by value and reference, UpdatePath)", f => f.Commits, data => Commit.Decode(data).Encode());
        yield return Codec("mls-proposal", "Proposal.Decode (add, update, remove, PSK)", f => f.Proposals, data => Proposal.Decode(data).Encode());
        yield return Codec("mls-update-path", "UpdatePath.Decode", f => f.UpdatePaths, data => UpdatePath.Decode(data).Encode());
        yield return Codec("mls-authenticated-content", "AuthenticatedContent.Decode (the signed content a PrivateMessage decrypts to)", f => f.AuthenticatedContents, data => AuthenticatedContent.Decode(data).Encode());

        yield return new FuzzTarget(
            "mls-process",
            "MlsGroup.ProcessMessage of a fuzzed public or private message (commit, proposal, application); a rejection leaves the group unchanged",
            () => MlsFixture.Shared.Messages.Where(m => m[3] is 1 or 2).ToList(),
            MlsFixture.RunProcess,
            IsMlsError)
        {
            LengthFields = Vectors(data => MlsMessageIn.Decode(data)),
        };

        yield return new FuzzTarget(
            "mls-tree-validate",
            "RatchetTree.Decode then TreeValidator.Validate against a context carrying the fuzzed tree's own hash (as a hostile "
            + "GroupInfo signer can arrange): parent hashes, unmerged leaves, leaf signatures, capabilities, duplicate keys",
            () => MlsFixture.Shared.Trees,
            input =>
            {
                var tree = RatchetTree.Decode(input);
                var f = MlsFixture.Shared;
                var context = new GroupContext(1, f.GroupId, 1, tree.RootHash(), new byte[32], []);
                TreeValidator.Validate(tree, context, CipherSuite.X25519Aes128GcmSha256Ed25519, BasicCredentialValidator.Instance, lifetimeCheck: null);
            },
            IsMlsError)
        {
            LengthFields = Vectors(data => RatchetTree.Decode(data)),
        };

        yield return new FuzzTarget(
            "mls-process-insider",
            "MlsGroup.ProcessMessage of content from a hostile member: the fuzzed FramedContent (and confirmation tag) is signed "
            + "and membership-tagged with Carol's real keys, so it reaches proposal, commit, UpdatePath and tree validation",
            () => MlsFixture.Shared.InsiderContents,
            MlsFixture.RunInsider,
            IsMlsError)
        {
            TestIterations = 1500,
            LengthFields = Vectors(data =>
            {
                var r = new TlsReader(data);
                _ = FramedContent.Read(ref r);
                _ = r.ReadOpaque();
            }),
        };

        yield return new FuzzTarget(
            "mls-private-insider",
            "the PrivateMessage decryption path with plaintext from a hostile member: sender data (leaf, generation) and "
            + "PrivateMessageContent (body, auth, padding) are fuzzed, then sealed with the epoch's real secret-tree keys",
            () => MlsFixture.Shared.PrivateContents,
            MlsFixture.RunPrivateInsider,
            IsMlsError)
        {
            TestIterations = 1500,
            LengthFields = _ => [new LengthField(0, LengthKind.UInt32BigEndian), new LengthField(4, LengthKind.UInt32BigEndian), new LengthField(9, LengthKind.MlsVarint)],
        };

        yield return new FuzzTarget(
            "mls-welcome-join",
            "MlsGroup.JoinFromWelcome with a fuzzed Welcome (HPKE group secrets, encrypted GroupInfo)",
            () => [MlsFixture.Shared.Welcomes[0]],
            MlsFixture.RunWelcomeJoin,
            IsMlsError)
        {
            LengthFields = Vectors(data => Welcome.Decode(data)),
        };

        yield return new FuzzTarget(
            "mls-external-join",
            "MlsGroup.JoinExternal from a fuzzed GroupInfo (tree extension, signature, external_pub)",
            () => MlsFixture.Shared.ExternalGroupInfos,
            MlsFixture.RunExternalJoin,
            IsMlsError)
        {
            LengthFields = Vectors(data => GroupInfoIn.Decode(data)),
        };
    }
}

/// <summary>
/// A three-member group (Alice, Bob, Carol) with deterministic keys, and the messages Bob has not processed yet.
/// Bob's group is rebuilt (identically) whenever a fuzzed input is accepted and moves his state on.
/// </summary>
internal sealed class MlsFixture
{
    private static readonly Lazy<MlsFixture> Instance = new(() => new MlsFixture());
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private MlsGroup? _bob;
    private MlsGroup? _insiderBob;
    private MlsGroup? _privateBob;
    private MlsGroup _carol = null!;
    private SignaturePrivateKey _carolSigner = null!;

    public static MlsFixture Shared => Instance.Value;

    private MlsFixture()
    {
        var messages = new List<byte[]>();
        var insider = new List<byte[]>();
        var (alice, bob, carol, add, dave, daveKp) = Build(captureMessages: true, messages, insider);
        _bob = bob;
        _carol = carol;
        _carolSigner = Member("carol").Signer;
        InsiderContents = insider;
        var privateContents = new List<byte[]>();
        var carolLeaf = carol.OwnLeafIndex.Value;
        privateContents.Add(PrivatePlaintext(carol, _carolSigner, FramedContent.ForApplication(carol.GroupId, carol.Epoch, Sender.Member(carolLeaf), [], "hi bob"u8.ToArray()), 5));
        foreach (var content in insider)
        {
            var r = new TlsReader(content);
            var framed = FramedContent.Read(ref r);
            if (framed.ContentType == ContentType.Proposal)
            {
                privateContents.Add(PrivatePlaintext(carol, _carolSigner, framed, 0));
            }
        }

        PrivateContents = privateContents;
        Messages = messages;
        Welcomes = [add.Welcome!.Encode()[4..]];
        KeyPackages = [MlsMessage.From(daveKp.KeyPackage).Encode()[4..], MlsMessage.From(Member("erin").NewKeyPackage().KeyPackage).Encode()[4..]];
        GroupInfos = [alice.CreateGroupInfo(includeRatchetTree: true, includeExternalPub: true).Encode(), alice.CreateGroupInfo(false, false).Encode()];
        ExternalGroupInfos = [GroupInfos[0]];
        Trees = [alice.RatchetTree.Encode(), add.RatchetTree.Encode()];
        Contexts = [alice.Context.Encode()];
        using (var secrets = new GroupSecrets(new byte[32], new byte[32], [PreSharedKeyId.External([1, 2, 3], new byte[32])]))
        {
            GroupSecrets = [secrets.Encode()];
        }

        var publicMessages = messages.Select(m => MlsMessageIn.Decode(m).PublicMessage).OfType<PublicMessageIn>().ToList();
        Commits = [.. publicMessages.Select(p => p.Content.Commit).OfType<Commit>().Select(c => c.Encode())];
        Proposals = [.. publicMessages.Select(p => p.Content.Proposal).OfType<Proposal>().Select(c => c.Encode())];
        UpdatePaths = [.. publicMessages.Select(p => p.Content.Commit?.Path).OfType<UpdatePath>().Select(c => c.Encode())];
        AuthenticatedContents = [.. publicMessages.Select(p => new AuthenticatedContent(WireFormat.PublicMessage, p.Content, p.Auth).Encode())];
        _ = carol;
        _ = dave;
    }

    public IReadOnlyList<byte[]> Messages { get; }

    public byte[] GroupId => "fuzz group"u8.ToArray();

    /// <summary>
    /// Carol's PrivateMessages before sealing: leaf (u32) ‖ generation (u32) ‖ content type (u8) ‖
    /// PrivateMessageContent (body, auth, zero padding).
    /// </summary>
    public IReadOnlyList<byte[]> PrivateContents { get; private set; } = [];

    /// <summary>Carol's handshake contents as FramedContent ‖ confirmation_tag&lt;V&gt; (empty for proposals).</summary>
    public IReadOnlyList<byte[]> InsiderContents { get; }

    public IReadOnlyList<byte[]> Welcomes { get; }

    public IReadOnlyList<byte[]> KeyPackages { get; }

    public IReadOnlyList<byte[]> GroupInfos { get; }

    public IReadOnlyList<byte[]> ExternalGroupInfos { get; }

    public IReadOnlyList<byte[]> Trees { get; }

    public IReadOnlyList<byte[]> Contexts { get; }

    public IReadOnlyList<byte[]> GroupSecrets { get; }

    public IReadOnlyList<byte[]> Commits { get; }

    public IReadOnlyList<byte[]> Proposals { get; }

    public IReadOnlyList<byte[]> UpdatePaths { get; }

    public IReadOnlyList<byte[]> AuthenticatedContents { get; }

    private static Member Member(string name) => new(name);

    /// <summary>FramedContent ‖ confirmation_tag&lt;V&gt; of a PublicMessage handshake.</summary>
    private static byte[] Insider(MlsMessage message)
    {
        var content = message.PublicMessage!.Content;
        var w = new TlsWriter();
        content.Content.Write(w);
        w.WriteOpaque(content.Auth.ConfirmationTag ?? []);
        return w.ToArray();
    }

    /// <summary>
    /// Alice creates the group and adds Bob and Carol. Then, unseen by Bob: an application message from Alice and
    /// Carol, update proposals, a commit with a path from Carol, a commit adding Dave, and a private-handshake commit.
    /// </summary>
    private static (MlsGroup Alice, MlsGroup Bob, MlsGroup Carol, CommitResult Add, Member Dave, KeyPackageBundle DaveKp) Build(bool captureMessages, List<byte[]> messages, List<byte[]>? insider = null)
    {
        var a = Member("alice");
        var b = Member("bob");
        var c = Member("carol");
        var d = Member("dave");
        var alice = a.CreateGroup();
        var bobKp = b.NewKeyPackage();
        var carolKp = c.NewKeyPackage();
        var add = alice.Commit(new CommitOptions { Proposals = [new AddProposal(bobKp.KeyPackage), new AddProposal(carolKp.KeyPackage)] });
        alice.MergePendingCommit();
        var welcome = MlsMessageIn.Decode(add.Welcome!.Encode()).Welcome!;
        var bob = MlsGroup.JoinFromWelcome(welcome, bobKp, null, b.Options, b.Random);
        var carol = MlsGroup.JoinFromWelcome(welcome, carolKp, null, c.Options, c.Random);
        var daveKp = d.NewKeyPackage();
        if (captureMessages)
        {
            messages.Add(alice.Encrypt("hello group"u8, [1, 2]).Encode());
            messages.Add(carol.Encrypt(new byte[100], []).Encode());
            messages.Add(alice.ProposeUpdate().Encode());
            messages.Add(carol.Commit().Commit.Encode());
            carol.ClearPendingCommit();
            messages.Add(carol.ProposeRemove(new Sotto.Mls.TreeMath.LeafIndex(0)).Encode());
            messages.Add(alice.Commit(new CommitOptions { Proposals = [new AddProposal(daveKp.KeyPackage)], IncludePendingProposals = false }).Commit.Encode());
            alice.ClearPendingCommit();
            messages.Add(add.Welcome!.Encode());
            messages.Add(MlsMessage.From(daveKp.KeyPackage).Encode());
            messages.Add(MlsMessage.From(alice.CreateGroupInfo(includeRatchetTree: true, includeExternalPub: true)).Encode());
        }

        if (insider is not null)
        {
            // Carol's handshakes, none of which she merges: Bob sees each as the next thing in epoch 1.
            var pskId = "fuzz psk"u8.ToArray();
            c.Psks.Add(pskId, new byte[32]);
            b.Psks.Add(pskId, new byte[32]);
            insider.Add(Insider(carol.ProposeUpdate()));
            insider.Add(Insider(carol.ProposeRemove(new Sotto.Mls.TreeMath.LeafIndex(0))));
            insider.Add(Insider(carol.ProposeExternalPsk(pskId)));
            insider.Add(Insider(carol.ProposeAdd(d.NewKeyPackage().KeyPackage)));
            insider.Add(Insider(carol.Commit(new CommitOptions { IncludePendingProposals = false }).Commit));
            carol.ClearPendingCommit();
            insider.Add(Insider(carol.Commit(new CommitOptions { Proposals = [new AddProposal(daveKp.KeyPackage), new RemoveProposal(0)], IncludePendingProposals = false }).Commit));
            carol.ClearPendingCommit();
        }

        return (alice, bob, carol, add, d, daveKp);
    }

    private static string Fingerprint(MlsGroup group) =>
        $"{group.Epoch} {Convert.ToHexString(group.EpochAuthenticator)} {group.State.GetType().Name} {group.PendingProposalCount} "
        + $"{Convert.ToHexString(group.RatchetTree.Encode())} {Convert.ToHexString(group.Export("fuzz", [], 16))}";

    /// <summary>Bob processes a fuzzed message; a rejection must leave his group exactly as it was.</summary>
    public static void RunProcess(byte[] input)
    {
        var f = Shared;
        var bob = f._bob ??= Build(captureMessages: false, []).Bob;
        string before = Fingerprint(bob);
        try
        {
            _ = bob.ProcessMessage(input);
        }
        catch (MlsException)
        {
            FuzzCheckException.Check(Fingerprint(bob) == before, "a rejected message changed Bob's group");
            throw;
        }

        // Accepted (a genuine message, or one whose changes the framing does not cover): start again from scratch.
        f._bob = null;
    }

    /// <summary>
    /// Carol turns hostile: whatever FramedContent the fuzzer made, she signs it and tags it with the membership key,
    /// as a real member can. Bob must reject it with <see cref="MlsException"/> and stay as he was.
    /// </summary>
    public static void RunInsider(byte[] input)
    {
        var f = Shared;
        var r = new TlsReader(input);
        var content = FramedContent.Read(ref r);
        var confirmationTag = r.ReadOpaque();
        r.EnsureEnd();
        var signed = AuthenticatedContent.Sign(WireFormat.PublicMessage, content, f._carol.Context, f._carolSigner, content.ContentType == ContentType.Commit ? confirmationTag : null);
        byte[]? tag = null;
        if (content.Sender.Type == SenderType.Member)
        {
            var tbm = new TlsWriter();
            AuthenticatedContent.WriteTbs(tbm, WireFormat.PublicMessage, content, f._carol.Context);
            signed.Auth.Write(tbm, content.ContentType);
            tag = CipherSuite.Mac(f._carol.CurrentSecrets.MembershipKey.Bytes, tbm.ToArray());
        }

        var message = MlsMessage.From(new PublicMessage(signed, tag)).Encode();
        var bob = f._insiderBob ??= Build(captureMessages: false, [], []).Bob;
        string before = Fingerprint(bob);
        try
        {
            _ = bob.ProcessMessage(message);
        }
        catch (MlsException)
        {
            FuzzCheckException.Check(Fingerprint(bob) == before, "a rejected insider message changed Bob's group");
            throw;
        }

        f._insiderBob = null;
    }

    private static byte[] PrivatePlaintext(MlsGroup sender, SignaturePrivateKey signer, FramedContent content, uint generation)
    {
        var signed = AuthenticatedContent.Sign(WireFormat.PrivateMessage, content, sender.Context, signer);
        var w = new TlsWriter();
        w.WriteUInt32(content.Sender.Index);
        w.WriteUInt32(generation);
        w.WriteUInt8((byte)content.ContentType);
        content.WriteBody(w);
        signed.Auth.Write(w, content.ContentType);
        w.WriteBytes(new byte[7]);
        return w.ToArray();
    }

    /// <summary>
    /// A hostile member seals whatever sender data and content the fuzzer made with the epoch's real keys (from a
    /// fresh secret tree, so any leaf and generation). Bob must reject it with <see cref="MlsException"/> and stay as he was.
    /// </summary>
    public static void RunPrivateInsider(byte[] input)
    {
        var f = Shared;
        if (input.Length < 9)
        {
            throw new MlsException(MlsError.Malformed, "too short for the harness");
        }

        var suite = CipherSuite.X25519Aes128GcmSha256Ed25519;
        var secrets = f._carol.CurrentSecrets;
        uint leaf = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input);
        uint generation = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4));
        var type = (ContentType)input[8];
        byte[] ciphertext;
        if (leaf < f._carol.RatchetTree.LeafCount && type is ContentType.Application or ContentType.Proposal or ContentType.Commit && generation < 2000)
        {
            using var tree = new SecretTree(suite, secrets.EncryptionSecret, f._carol.RatchetTree.LeafCount);
            var key = tree.PeekReceiveKey(new Sotto.Mls.TreeMath.LeafIndex(leaf), type, generation);
            ciphertext = suite.AeadSeal(key.Key, key.Nonce, ContentAad(f._carol.GroupId, f._carol.Epoch, type, []), input.AsSpan(9));
        }
        else
        {
            ciphertext = new byte[input.Length];
        }

        var senderData = new byte[12];
        input.AsSpan(0, 8).CopyTo(senderData);
        var (sdKey, sdNonce) = MessageProtection.SenderDataKey(suite, secrets.SenderDataSecret, ciphertext);
        var w = new TlsWriter();
        w.WriteOpaque(f._carol.GroupId);
        w.WriteUInt64(f._carol.Epoch);
        w.WriteUInt8((byte)type);
        var encryptedSenderData = suite.AeadSeal(sdKey, sdNonce, w.ToArray(), senderData);
        var message = MlsMessage.From(new PrivateMessage(f._carol.GroupId, f._carol.Epoch, type, [], encryptedSenderData, ciphertext)).Encode();

        var bob = f._privateBob ??= Build(captureMessages: false, []).Bob;
        string before = Fingerprint(bob);
        try
        {
            _ = bob.ProcessMessage(message);
        }
        catch (MlsException)
        {
            FuzzCheckException.Check(Fingerprint(bob) == before, "a rejected private message changed Bob's group");
            throw;
        }

        f._privateBob = null;
    }

    private static byte[] ContentAad(byte[] groupId, ulong epoch, ContentType type, byte[] authenticatedData)
    {
        var w = new TlsWriter();
        w.WriteOpaque(groupId);
        w.WriteUInt64(epoch);
        w.WriteUInt8((byte)type);
        w.WriteOpaque(authenticatedData);
        return w.ToArray();
    }

    public static void RunWelcomeJoin(byte[] input)
    {
        var welcome = Welcome.Decode(input);
        var bob = Member("bob");
        using var group = MlsGroup.JoinFromWelcome(welcome, JoinerBundle.Value, null, bob.Options, bob.Random);
    }

    /// <summary>The key package the fixture's Welcome was made for: Bob's, rebuilt from the same seed.</summary>
    private static readonly Lazy<KeyPackageBundle> JoinerBundle = new(() => Member("bob").NewKeyPackage());

    public static void RunExternalJoin(byte[] input)
    {
        var info = GroupInfoIn.Decode(input);
        var erin = Member("erin");
        var (group, _) = MlsGroup.JoinExternal(info, null, erin.Credential, erin.Signer, erin.Options, erin.Random);
        group.Dispose();
    }
}

/// <summary>One MLS client with deterministic keys and a fake clock.</summary>
internal sealed class Member
{
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    public Member(string name)
    {
        Random = new SeededRandom("fuzz mls " + name);
        Signer = SignaturePrivateKey.Generate(Random);
        Credential = Credential.Basic(Encoding.UTF8.GetBytes(name));
        Time = new FakeTimeProvider(Start);
        Options = new MlsGroupOptions { TimeProvider = Time, PskStore = Psks };
    }

    public SeededRandom Random { get; }

    public SignaturePrivateKey Signer { get; }

    public Credential Credential { get; }

    public FakeTimeProvider Time { get; }

    public MlsGroupOptions Options { get; }

    public InMemoryPskStore Psks { get; } = new();

    public KeyPackageBundle NewKeyPackage() => KeyPackageBundle.Create(CipherSuite.X25519Aes128GcmSha256Ed25519, Credential, Signer, Random, Time);

    public MlsGroup CreateGroup() => MlsGroup.Create(CipherSuite.X25519Aes128GcmSha256Ed25519, "fuzz group"u8.ToArray(), Credential, Signer, Options, Random);
}
