using Sotto.FuzzTargets;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.Server.Tests.Fuzzing;

/// <summary>
/// One fuzz run per decoder of this layer (targets in tests/Sotto.FuzzTargets/ServerTargets.cs): a fixed seed, the
/// systematic truncations and forged lengths, then random mutations. Each input either decodes (and re-encodes
/// stably) or is rejected with the protocol violation or failed authentication, never an exception. tools/Sotto.Fuzz runs the same targets for longer.
/// </summary>
public sealed class ServerFuzzTests
{
    public static TheoryData<string> Targets => new(ServerTargets.All().Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void MutatedInputIsAcceptedOrRejectedWithTheTypedErrorOnly(string target)
    {
        FuzzAssert.Clean(AllTargets.Get(target));
    }
}
