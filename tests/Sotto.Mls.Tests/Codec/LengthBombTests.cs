using Sotto.Mls.Codec;
using Sotto.Mls.Framing;
using Sotto.Mls.Groups;
using Sotto.Mls.Messages;
using Sotto.Mls.Tests.Groups;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Tests.Codec;

/// <summary>
/// Length bombs: every variable-length field of real messages is given a forged 2^30 − 1 byte length. Decoding must
/// fail at once with <see cref="MlsError.Malformed"/> without allocating anything near the claimed size, and a
/// group fed the bomb must be unchanged.
/// </summary>
public sealed class LengthBombTests
{
    private const long AllocationBudget = 4 * 1024 * 1024;

    private static readonly Lazy<Dictionary<string, byte[]>> Samples = new(BuildSamples);

    public static TheoryData<string> SampleNames => new(Samples.Value.Keys.Order());

    private static Dictionary<string, byte[]> BuildSamples()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        var c = new TestClient("carol", a.Time);
        var alice = a.CreateGroup();
        var bobKp = b.NewKeyPackage();
        var carolKp = c.NewKeyPackage();
        var add = alice.Commit(new CommitOptions { Proposals = [new AddProposal(bobKp.KeyPackage), new AddProposal(carolKp.KeyPackage)] });
        alice.MergePendingCommit();
        var bob = b.Join(add.Welcome!, bobKp);
        var update = bob.Commit();
        var proposal = alice.ProposeUpdate();
        return new Dictionary<string, byte[]>
        {
            ["key package"] = MlsMessage.From(b.NewKeyPackage().KeyPackage).Encode(),
            ["welcome"] = add.Welcome!.Encode(),
            ["group info with tree"] = MlsMessage.From(add.GroupInfo).Encode(),
            ["commit with adds"] = add.Commit.Encode(),
            ["commit with path"] = update.Commit.Encode(),
            ["update proposal"] = proposal.Encode(),
            ["application message"] = alice.Encrypt([1, 2, 3], [4]).Encode(),
        };
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void ForgedLengthInEveryVectorFailsFastWithMalformed(string sample)
    {
        var bytes = Samples.Value[sample];
        var headers = new List<int>();
        TlsReader.VectorObserver = headers.Add;
        try
        {
            Assert.Equal(bytes, MlsMessageIn.Decode(bytes).Encode());
        }
        finally
        {
            TlsReader.VectorObserver = null;
        }

        Assert.NotEmpty(headers);
        foreach (var offset in headers)
        {
            var bomb = Plant(bytes, offset);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<MlsException>(() => MlsMessageIn.Decode(bomb));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(MlsError.Malformed, error.Code);
            Assert.True(allocated < AllocationBudget, $"{sample}: a bomb at offset {offset} allocated {allocated} bytes");
        }
    }

    [Fact]
    public void ForgedLengthInEveryVectorOfARatchetTreeFailsFast()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        using var alice = a.CreateGroup();
        alice.Commit(new CommitOptions { Proposals = [new AddProposal(b.NewKeyPackage().KeyPackage)] });
        alice.MergePendingCommit();
        alice.Commit();
        alice.MergePendingCommit();
        var tree = alice.RatchetTree.Encode();
        var headers = new List<int>();
        TlsReader.VectorObserver = headers.Add;
        try
        {
            RatchetTree.Decode(tree);
        }
        finally
        {
            TlsReader.VectorObserver = null;
        }

        Assert.True(headers.Count > 10);
        foreach (var offset in headers)
        {
            Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => RatchetTree.Decode(Plant(tree, offset))).Code);
        }
    }

    [Fact]
    public void ForgedLengthInEveryVectorOfGroupSecretsFailsFast()
    {
        var psks = new[]
        {
            PreSharedKeyId.External([1, 2, 3], new byte[32]),
            PreSharedKeyId.Resumption(ResumptionPskUsage.Application, [9, 9], 7, new byte[32]),
        };
        var secrets = new GroupSecrets(new byte[32], new byte[32], psks).Encode();
        var headers = new List<int>();
        TlsReader.VectorObserver = headers.Add;
        try
        {
            Assert.Equal(secrets, GroupSecrets.Decode(secrets).Encode());
        }
        finally
        {
            TlsReader.VectorObserver = null;
        }

        Assert.Equal(7, headers.Count); // joiner_secret, path_secret, psks, psk_id, nonce, psk_group_id, nonce
        foreach (var offset in headers)
        {
            Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => GroupSecrets.Decode(Plant(secrets, offset))).Code);
        }
    }

    [Fact]
    public void GroupFedABombIsUnchanged()
    {
        var a = new TestClient("alice");
        var b = new TestClient("bob", a.Time);
        var alice = a.CreateGroup();
        var kp = b.NewKeyPackage();
        var add = alice.Commit(new CommitOptions { Proposals = [new AddProposal(kp.KeyPackage)] });
        alice.MergePendingCommit();
        var bob = b.Join(add.Welcome!, kp);
        var commit = alice.Commit().Commit;
        alice.MergePendingCommit();
        var bytes = commit.Encode();
        var headers = new List<int>();
        TlsReader.VectorObserver = headers.Add;
        MlsMessageIn.Decode(bytes);
        TlsReader.VectorObserver = null;
        var auth = bob.EpochAuthenticator;
        foreach (var offset in headers)
        {
            Assert.Throws<MlsException>(() => bob.ProcessMessage(Plant(bytes, offset)));
            Assert.Equal(auth, bob.EpochAuthenticator);
        }

        GroupAssert.Apply(commit, bob);
        GroupAssert.InSync(alice, bob);
    }

    [Fact]
    public void VarintWithInvalidPrefixOrNonMinimalEncodingIsMalformed()
    {
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => new TlsReader([0xC0, 0, 0, 0, 0, 0, 0, 1]).ReadVarint()).Code);
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => new TlsReader([0x40, 0x3F]).ReadVarint()).Code);
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => new TlsReader([0x80, 0x00, 0x3F, 0xFF]).ReadVarint()).Code);
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => new TlsReader([0x40]).ReadVarint()).Code);
    }

    [Fact]
    public void OptionalPresenceOtherThanZeroOrOneIsMalformed()
    {
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => new TlsReader([2]).ReadPresence()).Code);
    }

    [Fact]
    public void TrailingBytesAfterAMessageAreMalformed()
    {
        var kp = new TestClient("alice").NewKeyPackage();
        byte[] bytes = [.. MlsMessage.From(kp.KeyPackage).Encode(), 0];
        Assert.Equal(MlsError.Malformed, Assert.Throws<MlsException>(() => MlsMessageIn.Decode(bytes)).Code);
    }

    [Fact]
    public void UnsortedUnmergedLeavesAreAnInvalidTree()
    {
        var w = new TlsWriter();
        int mark = w.BeginVector();
        w.WritePresence(false);
        w.WritePresence(true);
        w.WriteUInt8((byte)NodeType.Parent);
        w.WriteOpaque(new byte[32]);
        w.WriteOpaque([]);
        w.WriteVarint(8);
        w.WriteUInt32(2);
        w.WriteUInt32(1);
        w.EndVector(mark);
        Assert.Equal(MlsError.InvalidTree, Assert.Throws<MlsException>(() => RatchetTree.Decode(w.ToArray())).Code);
    }

    [Fact]
    public void TreeEndingInABlankNodeIsInvalid()
    {
        var kp = new TestClient("alice").NewKeyPackage();
        var w = new TlsWriter();
        int mark = w.BeginVector();
        w.WritePresence(true);
        w.WriteUInt8((byte)NodeType.Leaf);
        kp.KeyPackage.LeafNode.Write(w);
        w.WritePresence(false);
        w.EndVector(mark);
        Assert.Equal(MlsError.InvalidTree, Assert.Throws<MlsException>(() => RatchetTree.Decode(w.ToArray())).Code);
    }

    /// <summary>Replaces the length header at <paramref name="offset"/> with the 4-byte header of 2^30 − 1.</summary>
    private static byte[] Plant(byte[] bytes, int offset)
    {
        int size = 1 << (bytes[offset] >> 6);
        return [.. bytes.AsSpan(0, offset), 0xBF, 0xFF, 0xFF, 0xFF, .. bytes.AsSpan(offset + size)];
    }
}
