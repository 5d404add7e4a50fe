using Sotto.Crypto;
using Sotto.Protocol;
using Sotto.Protocol.Storage;

namespace Sotto.Benchmarks.Protocol;

/// <summary>One device for the benchmarks: in-memory stores and a cipher (the same shape as libsignal's bench.mjs Party).</summary>
internal sealed class ProtocolParty
{
    private static int _names;

    public ProtocolParty(IRandom random, TimeProvider time, bool keepUsedPreKeys = false)
    {
        Random = random;
        Time = time;
        Address = new ProtocolAddress(NewAci(), 1);
        Store = new InMemoryProtocolStore(IdentityKeyPair.Generate(random), (uint)(1 + Interlocked.Increment(ref _names) % 16000));
        Cipher = keepUsedPreKeys
            ? new SessionCipher(Store, Store, new KeepingPreKeyStore(Store), Store, new KeepingKyberPreKeyStore(Store), Address, time, random)
            : new SessionCipher(Store, Address, time, random);
    }

    public IRandom Random { get; }

    public TimeProvider Time { get; }

    public ProtocolAddress Address { get; }

    public InMemoryProtocolStore Store { get; }

    public SessionCipher Cipher { get; }

    /// <summary>Signed EC prekey, one-time EC prekey and signed Kyber1024 prekey with id <paramref name="id"/>, stored; returns the bundle.</summary>
    public PreKeyBundle MakeBundle(uint id)
    {
        var identity = Store.Identities.GetIdentityKeyPairAsync().AsTask().GetAwaiter().GetResult();
        var signed = SignedPreKeyRecord.Generate(new SignedPreKeyId(id), identity, Time.GetUtcNow(), Random);
        var oneTime = PreKeyRecord.Generate(new PreKeyId(id), Random);
        var kyber = KyberPreKeyRecord.Generate(new KyberPreKeyId(id), identity, Time.GetUtcNow(), Random);
        Store.SignedPreKeys.SaveSignedPreKeyAsync(signed.Id, signed).AsTask().GetAwaiter().GetResult();
        Store.PreKeys.SavePreKeyAsync(oneTime.Id, oneTime).AsTask().GetAwaiter().GetResult();
        Store.KyberPreKeys.SaveKyberPreKeyAsync(kyber.Id, kyber).AsTask().GetAwaiter().GetResult();
        return new PreKeyBundle(
            Store.Identities.GetLocalRegistrationIdAsync().AsTask().GetAwaiter().GetResult(),
            Address.DeviceId, oneTime.Id, oneTime.PublicKey, signed.Id, signed.PublicKey, signed.Signature,
            identity.IdentityKey, kyber.Id, kyber.PublicKey, kyber.Signature);
    }

    /// <summary>Alice processes Bob's bundle and one message goes each way (libsignal bench.mjs <c>establish</c>).</summary>
    public static async Task<(ProtocolParty Alice, ProtocolParty Bob)> EstablishAsync(IRandom random, TimeProvider time)
    {
        var alice = new ProtocolParty(random, time);
        var bob = new ProtocolParty(random, time);
        await alice.Cipher.ProcessPreKeyBundleAsync(bob.Address, bob.MakeBundle(1));
        await SendAsync(alice, bob, new byte[100]);
        await SendAsync(bob, alice, new byte[100]);
        return (alice, bob);
    }

    /// <summary>Encrypt, serialize, parse, decrypt: one message over the wire.</summary>
    public static async Task<byte[]> SendAsync(ProtocolParty from, ProtocolParty to, byte[] plaintext)
    {
        var message = await from.Cipher.EncryptAsync(to.Address, plaintext);
        return await to.Cipher.DecryptAsync(from.Address, CiphertextMessage.Deserialize(message.Type, message.Serialized.Span));
    }

    private static string NewAci()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>A one-time prekey store that does not remove used keys (so one bundle serves many setups).</summary>
    private sealed class KeepingPreKeyStore(IPreKeyStore inner) : IPreKeyStore
    {
        public ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => inner.GetPreKeyAsync(id, cancellationToken);

        public ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default) => inner.SavePreKeyAsync(id, record, cancellationToken);

        public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    /// <summary>A Kyber prekey store that keeps used one-time keys and records no base keys.</summary>
    private sealed class KeepingKyberPreKeyStore(IKyberPreKeyStore inner) : IKyberPreKeyStore
    {
        public ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default) => inner.GetKyberPreKeyAsync(id, cancellationToken);

        public ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default) => inner.SaveKyberPreKeyAsync(id, record, cancellationToken);

        public ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
