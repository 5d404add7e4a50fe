using Google.Protobuf;
using Sotto.FuzzTargets;
using Sotto.Protocol.Proto.Storage;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.Protocol.Tests.Fuzzing;

/// <summary>Inputs the fuzz targets (or a look at what they cover) found, kept as named regressions.</summary>
public sealed class FuzzRegressionTests
{
    /// <summary>Bob's stored session with Alice, its SPQR receive state rewritten by <paramref name="edit"/>.</summary>
    private static byte[] SessionRecordWithSpqr(Action<LazySpqrState> edit)
    {
        var record = RecordStructure.Parser.ParseFrom(AllTargets.Get("session-record").Corpus[0]);
        var spqr = LazySpqrState.Parser.ParseFrom(record.CurrentSession.PqRatchetState);
        edit(spqr);
        record.CurrentSession.PqRatchetState = spqr.ToByteString();
        return record.ToByteArray();
    }

    [Fact]
    public void StoredSpqrStateWithAFullSkippedKeyListAndALowCounterIsRejectedNotOverflowed()
    {
        // 2,201 skipped keys (spqr's trim size) while the receive counter is still below 2,000: decrypting the next
        // message computed "counter − 2,000" in a checked context and threw OverflowException.
        var input = SessionRecordWithSpqr(s =>
        {
            var prev = new byte[2201 * 36];
            for (int i = 0; i < 2201; i++)
            {
                prev[(i * 36) + 3] = (byte)i;
            }

            s.Recv.Prev = ByteString.CopyFrom(prev);
        });
        var problem = FuzzRunner.RunOne(AllTargets.Get("session-record"), input, out _);
        Assert.Null(problem);
    }

    [Fact]
    public void CounterAtTheEndOfAStoredChainIsRejectedNotOverflowed()
    {
        // Bob's stored receiving chain for Alice's first ratchet key at index 2^32 − 1, and a message for that counter:
        // deriving the chain key after it computed index + 1 in a checked context and threw OverflowException
        // (before the MAC was checked, so the message itself need not be genuine).
        var target = AllTargets.Get("session-decrypt");
        var first = PreKeySignalMessage.Deserialize(target.Corpus[0].AsSpan(1)).Message;
        var record = RecordStructure.Parser.ParseFrom(AllTargets.Get("session-record").Corpus[0]);
        var chain = record.CurrentSession.ReceiverChains.Single(c => c.SenderRatchetKey.Span.SequenceEqual(first.SenderRatchetKey.Serialize()));
        chain.ChainKey.Index = uint.MaxValue;

        var bytes = first.Serialize();
        var proto = Proto.Wire.SignalMessage.Parser.ParseFrom(bytes.AsSpan(1, bytes.Length - 9));
        proto.Counter = uint.MaxValue;
        byte[] forged = [bytes[0], .. proto.ToByteArray(), .. new byte[8]];

        var problem = FuzzRunner.RunOne(AllTargets.Get("session-record"), record.ToByteArray(), out _);
        Assert.Null(problem);
        var error = Assert.Throws<ProtocolException>(() => ProtocolFixture.DecryptThroughStoredRecord(record.ToByteArray(), forged));
        Assert.Equal(ProtocolError.MessageTooFarInFuture, error.Code);
    }
}
