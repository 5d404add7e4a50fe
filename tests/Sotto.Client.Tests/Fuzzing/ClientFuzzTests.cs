using Sotto.FuzzTargets;
using Sotto.TestSupport.Fuzzing;

namespace Sotto.Client.Tests.Fuzzing;

/// <summary>
/// One fuzz run per decoder of this layer (targets in tests/Sotto.FuzzTargets/ClientTargets.cs): a fixed seed, the
/// systematic truncations and forged lengths, then random mutations. Each input either decodes (and re-encodes
/// stably) or is rejected with the documented SottoClientException code, or is dropped as invalid content. tools/Sotto.Fuzz runs the same targets for longer.
/// </summary>
public sealed class ClientFuzzTests
{
    public static TheoryData<string> Targets => new(ClientTargets.All().Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void MutatedInputIsAcceptedOrRejectedWithTheTypedErrorOnly(string target)
    {
        FuzzAssert.Clean(AllTargets.Get(target));
    }
}
