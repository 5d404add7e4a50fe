using System.Text;
using Sotto.Mls;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Mls;

/// <summary>
/// A group of N members for benchmarks, held by two live clients: Alice (leaf 0, the creator, who commits) and Bob
/// (leaf 1, who processes). Alice adds the other N − 1 in one commit, which leaves every parent node blank (the
/// "sparse" tree). The "populated" tree is then reached with commits from one member of every leaf pair, each
/// produced through <c>MlsGroup.SimulateMember</c> and processed by Alice and Bob, so that every parent node holds
/// a key and every resolution has one node.
/// </summary>
internal sealed class MlsFixture
{
    public static readonly CipherSuite Suite = CipherSuite.X25519Aes128GcmSha256Ed25519;

    private MlsFixture(MlsGroup alice, MlsGroup bob, SeededRandom random, MlsGroupOptions options, SignaturePrivateKey[] signers)
    {
        Alice = alice;
        Bob = bob;
        Random = random;
        Options = options;
        Signers = signers;
    }

    public MlsGroup Alice { get; }

    public MlsGroup Bob { get; }

    public SeededRandom Random { get; }

    public MlsGroupOptions Options { get; }

    public SignaturePrivateKey[] Signers { get; }

    public static MlsGroupOptions NewOptions() => new() { TimeProvider = TimeProvider.System };

    public static Credential CredentialOf(int i) => Credential.Basic(Encoding.UTF8.GetBytes("member-" + i));

    public static KeyPackageBundle[] KeyPackages(int count, int first, SeededRandom random, out SignaturePrivateKey[] signers)
    {
        signers = new SignaturePrivateKey[count];
        var bundles = new KeyPackageBundle[count];
        for (int i = 0; i < count; i++)
        {
            signers[i] = SignaturePrivateKey.Generate(random);
            bundles[i] = KeyPackageBundle.Create(Suite, CredentialOf(first + i), signers[i], random, TimeProvider.System);
        }

        return bundles;
    }

    public static MlsFixture Build(int size, bool populated)
    {
        var random = new SeededRandom("mls fixture " + size);
        var options = NewOptions();
        var aliceSigner = SignaturePrivateKey.Generate(random);
        var alice = MlsGroup.Create(Suite, Encoding.UTF8.GetBytes("bench group"), CredentialOf(0), aliceSigner, options, random);
        var bundles = KeyPackages(size - 1, 1, random, out var others);
        var add = alice.Commit(new CommitOptions { Proposals = [.. bundles.Select(b => (Proposal)new AddProposal(b.KeyPackage))] });
        alice.MergePendingCommit();
        var bob = MlsGroup.JoinFromWelcome(MlsMessageIn.Decode(add.Welcome!.Encode()).Welcome!, bundles[0], null, options, random);
        SignaturePrivateKey[] signers = [aliceSigner, .. others];
        var fixture = new MlsFixture(alice, bob, random, options, signers);
        if (populated)
        {
            fixture.Populate();
        }

        return fixture;
    }

    /// <summary>One full-path commit from a member of each leaf pair, in bit-reversed order so that sibling subtrees fill early.</summary>
    private void Populate()
    {
        uint leaves = Alice.RatchetTree.LeafCount;
        int bits = System.Numerics.BitOperations.Log2(leaves);
        var order = Enumerable.Range(0, (int)leaves / 2)
            .Select(p => (uint)p)
            .OrderBy(p => Reverse(p, bits - 1))
            .Select(p => 2 * p)
            .Where(leaf => Alice.RatchetTree.GetLeaf(new LeafIndex(leaf)) is not null);
        foreach (var leaf in order)
        {
            CommitAs(leaf);
        }

        // Alice's own commit last, so that her direct path is hers.
        var mine = Alice.Commit(new CommitOptions { ForcePath = true }).Commit;
        Alice.MergePendingCommit();
        Apply(Bob, mine);
    }

    /// <summary>A full-path commit from member <paramref name="leaf"/>, processed by Alice and Bob.</summary>
    public void CommitAs(uint leaf)
    {
        if (leaf == 0)
        {
            var own = Alice.Commit(new CommitOptions { ForcePath = true }).Commit;
            Alice.MergePendingCommit();
            Apply(Bob, own);
            return;
        }

        var simulated = Alice.SimulateMember(new LeafIndex(leaf), Signers[leaf]);
        var commit = simulated.Commit(new CommitOptions { ForcePath = true, IncludePendingProposals = false }).Commit;
        Apply(Alice, commit);
        if (leaf != 1)
        {
            Apply(Bob, commit);
        }
        else
        {
            throw new InvalidOperationException("Bob's own commits are made by Bob.");
        }
    }

    public static void Apply(MlsGroup group, MlsMessage commit)
    {
        var processed = (ProcessedMessage.Commit)group.ProcessMessage(MlsMessageIn.Decode(commit.Encode()));
        group.MergeStagedCommit(processed.Staged);
    }

    private static uint Reverse(uint value, int bits)
    {
        uint result = 0;
        for (int i = 0; i < bits; i++)
        {
            result = (result << 1) | ((value >> i) & 1);
        }

        return result;
    }
}
