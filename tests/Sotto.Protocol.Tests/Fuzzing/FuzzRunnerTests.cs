using Sotto.Protocol;
using Sotto.TestSupport;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.Protocol.Tests.Fuzzing;

/// <summary>The fuzz engine itself (Sotto.TestSupport/Fuzzing): it must find planted bugs and be reproducible.</summary>
public sealed class FuzzRunnerTests
{
    private static readonly byte[][] Corpus = [[0x0A, 0x03, 1, 2, 3, 0x10, 0x05]];

    /// <summary>A decoder that trusts its protobuf length byte: it allocates what it says.</summary>
    private static void TrustingDecoder(byte[] input)
    {
        if (input.Length < 2 || input[0] != 0x0A)
        {
            throw new ProtocolException(ProtocolError.InvalidEncoding, "bad tag");
        }

        int length = input[1] & 0x7F;
        _ = new byte[length * 1024 * 1024];
        if (input.Length < 2 + length)
        {
            throw new IndexOutOfRangeException("read past the end");
        }
    }

    [Fact]
    public void RunnerReportsAnUnexpectedExceptionType()
    {
        var target = new FuzzTarget("planted", "", () => Corpus, TrustingDecoder, e => e is ProtocolException) { AllocationBudget = long.MaxValue };
        var report = FuzzRunner.Run(target, new FuzzOptions { Seed = 1, Iterations = 200 });
        Assert.Contains(report.Failures, f => f.Problem.Contains("IndexOutOfRangeException", StringComparison.Ordinal));
    }

    [Fact]
    public void RunnerReportsAnAllocationDrivenByALengthField()
    {
        var target = new FuzzTarget("planted", "", () => Corpus, input =>
        {
            try
            {
                TrustingDecoder(input);
            }
            catch (IndexOutOfRangeException)
            {
                throw new ProtocolException(ProtocolError.InvalidEncoding, "short");
            }
        }, e => e is ProtocolException);
        var report = FuzzRunner.Run(target, new FuzzOptions { Seed = 1, Iterations = 200 });
        Assert.Contains(report.Failures, f => f.Problem.StartsWith("allocated", StringComparison.Ordinal));
    }

    [Fact]
    public void SameSeedGivesTheSameInputs()
    {
        var first = new Mutator(new SeededRandom(5), Corpus, ProtobufScan.Lengths);
        var second = new Mutator(new SeededRandom(5), Corpus, ProtobufScan.Lengths);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(first.Next(), second.Next());
        }
    }

    [Fact]
    public void SystematicInputsTruncateAtEveryLengthAndForgeEachLengthField()
    {
        var inputs = new Mutator(new SeededRandom(5), Corpus, ProtobufScan.Lengths).Systematic().ToList();
        for (int length = 0; length < Corpus[0].Length; length++)
        {
            Assert.Contains(inputs, x => x.AsSpan().SequenceEqual(Corpus[0].AsSpan(0, length)));
        }

        // The length varint at offset 1 set to 2^32 − 1 (five varint bytes), the rest unchanged.
        Assert.Contains(inputs, x => x.AsSpan().SequenceEqual(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3, 0x10, 0x05 }));
        Assert.Contains(inputs, x => x.AsSpan().SequenceEqual(new byte[] { 0x0A, 0x00, 1, 2, 3, 0x10, 0x05 }));
    }

    [Fact]
    public void NumericFieldEditsFixTheLengthsAroundThem()
    {
        // Field 1 holds a message whose field 1 is the varint 5; set to 2^32 − 1 it takes five bytes, so the outer
        // length grows from 2 to 6.
        byte[][] nested = [[0x0A, 0x02, 0x08, 0x05]];
        var inputs = new Mutator(new SeededRandom(5), nested, ProtobufScan.Lengths).Systematic().ToList();
        Assert.Contains(inputs, x => x.AsSpan().SequenceEqual(new byte[] { 0x0A, 0x06, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }));
    }
}
