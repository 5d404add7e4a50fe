using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Sotto.Crypto;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Crypto;

/// <summary>
/// X25519 and XEdDSA, the per-operation costs under session setup and ratchet steps. The baselines are the plain
/// libsodium Ed25519 operations XEdDSA is built on, so the Ratio column shows what the XEdDSA layer adds. The
/// external anchor, libsignal 0.103 through Node on this machine (/work/shared/interop/libsignal/bench.mjs), is
/// 26.9k signs/s (37 µs) and 21.8k verifies/s (46 µs) for a 100-byte message.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*CurveBenchmarks*'</remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CurveBenchmarks
{
    private readonly byte[] _priv = new byte[32];
    private readonly byte[] _pub = new byte[32];
    private readonly byte[] _peer = new byte[32];
    private readonly byte[] _shared = new byte[32];
    private readonly byte[] _message = new byte[100];
    private readonly byte[] _signature = new byte[64];
    private readonly byte[] _edPriv = new byte[32];
    private readonly byte[] _edPub = new byte[32];
    private readonly byte[] _edSignature = new byte[64];
    private readonly SeededRandom _random = new(42);
    private XEdDsaSigningKey _signingKey = null!;
    private XEdDsaVerifyingKey _verifyingKey = null!;

    [GlobalSetup]
    public void Setup()
    {
        X25519.GeneratePrivateKey(_random, _priv);
        X25519.DerivePublicKey(_priv, _pub);
        var other = new byte[32];
        X25519.GeneratePrivateKey(_random, other);
        X25519.DerivePublicKey(other, _peer);
        _random.Fill(_message);
        _signingKey = new XEdDsaSigningKey(_priv);
        _signingKey.Sign(_message, _random, _signature);
        _verifyingKey = new XEdDsaVerifyingKey(_pub);
        Ed25519.GeneratePrivateKey(_random, _edPriv);
        Ed25519.DerivePublicKey(_edPriv, _edPub);
        Ed25519.Sign(_edPriv, _message, _edSignature);
    }

    [GlobalCleanup]
    public void Cleanup() => _signingKey.Dispose();

    [Benchmark, BenchmarkCategory("X25519")]
    public bool X25519Agree() => X25519.TryAgree(_priv, _peer, _shared);

    [Benchmark(Baseline = true), BenchmarkCategory("Sign 100 B")]
    public void Ed25519Sign() => Ed25519.Sign(_edPriv, _message, _edSignature);

    /// <summary>A signer keeps its key object (the protocol's identity key does), so this is the workload that counts.</summary>
    [Benchmark, BenchmarkCategory("Sign 100 B")]
    public void XEdDsaSign() => _signingKey.Sign(_message, _random, _signature);

    /// <summary>The static one-off API, which computes the Edwards public key on every call.</summary>
    [Benchmark, BenchmarkCategory("Sign 100 B")]
    public void XEdDsaSignOneOff() => XEdDsa.Sign(_priv, _message, _random, _signature);

    [Benchmark(Baseline = true), BenchmarkCategory("Verify 100 B")]
    public bool Ed25519Verify() => Ed25519.Verify(_edPub, _message, _edSignature);

    [Benchmark, BenchmarkCategory("Verify 100 B")]
    public bool XEdDsaVerify() => XEdDsa.Verify(_pub, _message, _signature);

    /// <summary>A verifier that keeps the peer's key object (ECPublicKey does): the Edwards conversion is done once.</summary>
    [Benchmark, BenchmarkCategory("Verify 100 B")]
    public bool XEdDsaVerifyKeptKey() => _verifyingKey.Verify(_message, _signature);
}
