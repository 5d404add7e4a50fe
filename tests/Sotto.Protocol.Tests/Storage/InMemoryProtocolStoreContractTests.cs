using Sotto.Protocol.Storage;
using Sotto.TestSupport.Protocol;

namespace Sotto.Protocol.Tests.Storage;

/// <summary>The store contract against the in-memory reference stores.</summary>
public sealed class InMemoryProtocolStoreContractTests : ProtocolStoreContract
{
    protected override IProtocolStore CreateStore(IdentityKeyPair identity, uint registrationId) => new InMemoryProtocolStore(identity, registrationId);

    protected override ValueTask SaveLastResortKyberPreKeyAsync(IProtocolStore store, KyberPreKeyId id, KyberPreKeyRecord record)
    {
        ((InMemoryProtocolStore)store).KyberPreKeys.SaveLastResortKyberPreKey(id, record);
        return ValueTask.CompletedTask;
    }
}
