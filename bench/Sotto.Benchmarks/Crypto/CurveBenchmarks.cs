using BenchmarkDotNet.Attributes;
using Sotto.Crypto;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Crypto;

/// <summary>X25519 and XEdDSA, the per-operation costs under session setup and ratchet steps.</summary>
[MemoryDiagnoser]
public class CurveBenchmarks
{
    private readonly byte[] _priv = new byte[32];
    private readonly byte[] _pub = new byte[32];
    private readonly byte[] _peer = new byte[32];
    private readonly byte[] _shared = new byte[32];
    private readonly byte[] _message = new byte[33];
    private readonly byte[] _signature = new byte[64];
    private readonly SeededRandom _random = new(42);

    [GlobalSetup]
    public void Setup()
    {
        X25519.GeneratePrivateKey(_random, _priv);
        X25519.DerivePublicKey(_priv, _pub);
        var other = new byte[32];
        X25519.GeneratePrivateKey(_random, other);
        X25519.DerivePublicKey(other, _peer);
        _random.Fill(_message);
        XEdDsa.Sign(_priv, _message, _random, _signature);
    }

    [Benchmark]
    public bool X25519Agree() => X25519.TryAgree(_priv, _peer, _shared);

    [Benchmark]
    public void XEdDsaSign() => XEdDsa.Sign(_priv, _message, _random, _signature);

    [Benchmark]
    public bool XEdDsaVerify() => XEdDsa.Verify(_pub, _message, _signature);
}
