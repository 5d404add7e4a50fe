using Sotto.FuzzTargets;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.Protocol.Tests.Fuzzing;

/// <summary>
/// One fuzz run per decoder of this layer (targets in tests/Sotto.FuzzTargets/ProtocolTargets.cs): a fixed seed, the
/// systematic truncations and forged lengths, then random mutations. Each input either decodes (and re-encodes
/// stably) or is rejected with the ProtocolException (and, for session decrypts, leaves every store unchanged). tools/Sotto.Fuzz runs the same targets for longer.
/// </summary>
public sealed class ProtocolFuzzTests
{
    public static TheoryData<string> Targets => new(ProtocolTargets.All().Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void MutatedInputIsAcceptedOrRejectedWithTheTypedErrorOnly(string target)
    {
        FuzzAssert.Clean(AllTargets.Get(target));
    }
}
