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
    private const int SetupAlices = 256;
    private readonly byte[] _plaintext = new byte[100];
    private readonly IRandom _random = SystemRandom.Instance;
    private readonly TimeProvider _time = TimeProvider.System;
    private ProtocolParty _alice = null!;
    private ProtocolParty _bob = null!;
    private int _turn;
    private ProtocolParty _setupBob = null!;
    private ProtocolParty[] _setupAlices = [];
    private PreKeyBundle _setupBundle = null!;
    private int _nextAlice;

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

    [GlobalSetup(Target = nameof(SessionSetup))]
    public void SetupBundle()
    {
        _random.Fill(_plaintext);
        _setupBob = new ProtocolParty(_random, _time, keepUsedPreKeys: true);
        _setupBundle = _setupBob.MakeBundle(1);
        _setupAlices = [.. Enumerable.Range(0, SetupAlices).Select(_ => new ProtocolParty(_random, _time))];
    }

    /// <summary>
    /// Process a bundle, encrypt the first message, decrypt it as a PreKey message. Every operation does the full
    /// work of a fresh session (4 X25519 with a one-time prekey, Kyber1024 encapsulation and decapsulation, the first
    /// ratchet steps): Bob keeps his "used" prekeys so that one bundle serves every operation, and the initiators rotate
    /// through a pool, each new session archiving the previous one.
    /// </summary>
    [Benchmark]
    public async Task SessionSetup()
    {
        var alice = _setupAlices[_nextAlice++ % SetupAlices];
        await alice.Cipher.ProcessPreKeyBundleAsync(_setupBob.Address, _setupBundle);
        await ProtocolParty.SendAsync(alice, _setupBob, _plaintext);
    }
}
