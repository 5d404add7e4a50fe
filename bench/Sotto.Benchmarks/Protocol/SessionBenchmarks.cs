using BenchmarkDotNet.Attributes;
using Sotto.Crypto;
using Sotto.Protocol;

namespace Sotto.Benchmarks.Protocol;

/// <summary>
/// The 1:1 protocol through its public API with in-memory stores, 100-byte plaintexts, one message per operation
/// (libsignal's <c>benches/ratchet.rs</c> and the workloads of tests/interop/libsignal/bench.mjs, which
/// bench/protocol-vs-libsignal.sh runs beside this):
/// one direction (a symmetric-ratchet step per message), ping-pong (a DH ratchet step per message), and session setup
/// (process a bundle, encrypt the first message, decrypt it as a PreKey message).
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*SessionBenchmarks*'</remarks>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private const int SetupBatch = 64;
    private readonly byte[] _plaintext = new byte[100];
    private readonly IRandom _random = SystemRandom.Instance;
    private readonly TimeProvider _time = TimeProvider.System;
    private ProtocolParty _alice = null!;
    private ProtocolParty _bob = null!;
    private int _turn;
    private ProtocolParty _setupBob = null!;
    private ProtocolParty[] _setupAlices = [];
    private PreKeyBundle[] _setupBundles = [];

    [GlobalSetup(Targets = [nameof(OneDirection), nameof(PingPong), nameof(EncryptOnly)])]
    public void SetupSession()
    {
        _random.Fill(_plaintext);
        (_alice, _bob) = ProtocolParty.EstablishAsync(_random, _time).GetAwaiter().GetResult();
    }

    /// <summary>Alice encrypts, Bob decrypts: the same sending chain throughout.</summary>
    [Benchmark]
    public Task<byte[]> OneDirection() => ProtocolParty.SendAsync(_alice, _bob, _plaintext);

    /// <summary>Strict alternation: every message carries a new ratchet key, so every decrypt is a DH ratchet step.</summary>
    [Benchmark]
    public Task<byte[]> PingPong() => (_turn++ & 1) == 0 ? ProtocolParty.SendAsync(_alice, _bob, _plaintext) : ProtocolParty.SendAsync(_bob, _alice, _plaintext);

    [Benchmark]
    public ValueTask<CiphertextMessage> EncryptOnly() => _alice.Cipher.EncryptAsync(_bob.Address, _plaintext);

    [IterationSetup(Target = nameof(SessionSetup))]
    public void PrepareSetups()
    {
        _setupBob = new ProtocolParty(_random, _time);
        _setupBundles = [.. Enumerable.Range(1, SetupBatch).Select(i => _setupBob.MakeBundle((uint)i))];
        _setupAlices = [.. Enumerable.Range(0, SetupBatch).Select(_ => new ProtocolParty(_random, _time))];
    }

    /// <summary>Process a fresh bundle, encrypt the first message, decrypt it as a PreKey message (per operation).</summary>
    [Benchmark(OperationsPerInvoke = SetupBatch)]
    [InvocationCount(1)]
    public async Task SessionSetup()
    {
        for (int i = 0; i < SetupBatch; i++)
        {
            var alice = _setupAlices[i];
            await alice.Cipher.ProcessPreKeyBundleAsync(_setupBob.Address, _setupBundles[i]);
            await ProtocolParty.SendAsync(alice, _setupBob, _plaintext);
        }
    }
}
