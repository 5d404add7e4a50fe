using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Sotto.Crypto;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Crypto;

/// <summary>
/// ML-KEM key generation, encapsulation and decapsulation (FIPS 203) for ML-KEM-768 and ML-KEM-1024: Sotto's
/// <see cref="MlKem"/> against the baseline it replaced, BouncyCastle 2.7 called exactly as Sotto called it before
/// (keys and ciphertexts as bytes in and out: parse, check, operate, encode), in the same run.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*MlKemBenchmarks*'</remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class MlKemBenchmarks
{
    private readonly SeededRandom _random = new(203);
    private readonly byte[] _seed = new byte[MlKem.SeedSize];
    private readonly byte[] _shared = new byte[MlKem.SharedSecretSize];
    private MlKem _kem = null!;
    private MLKemParameters _parameters = null!;
    private byte[] _publicKey = [];
    private byte[] _secretKey = [];
    private byte[] _ciphertext = [];
    private SecureRandom _bouncyRandom = null!;

    [Params("ML-KEM-768", "ML-KEM-1024")]
    public string ParameterSet { get; set; } = "ML-KEM-1024";

    [GlobalSetup]
    public void Setup()
    {
        (_kem, _parameters) = ParameterSet == "ML-KEM-768"
            ? (MlKem.MlKem768, MLKemParameters.ml_kem_768)
            : (MlKem.MlKem1024, MLKemParameters.ml_kem_1024);
        _random.Fill(_seed);
        _publicKey = new byte[_kem.PublicKeySize];
        _secretKey = new byte[_kem.SecretKeySize];
        _ciphertext = new byte[_kem.CiphertextSize];
        _kem.GenerateKeyPairFromSeed(_seed, _publicKey, _secretKey);
        _kem.TryEncapsulate(_publicKey, _random, _ciphertext, _shared);
        _bouncyRandom = new SecureRandom();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("KeyGen")]
    public byte[] BouncyCastleKeyGen()
    {
        var key = MLKemPrivateKeyParameters.FromSeed(_parameters, _seed, MLKemPrivateKeyParameters.Format.EncodingOnly);
        key.GetPublicKeyEncoded().CopyTo(_publicKey, 0);
        return key.GetEncoded();
    }

    [Benchmark, BenchmarkCategory("KeyGen")]
    public void SottoKeyGen() => _kem.GenerateKeyPairFromSeed(_seed, _publicKey, _secretKey);

    [Benchmark(Baseline = true), BenchmarkCategory("Encaps")]
    public void BouncyCastleEncaps()
    {
        var key = MLKemPublicKeyParameters.FromEncoding(_parameters, _publicKey);
        if (!key.GetEncoded().AsSpan().SequenceEqual(_publicKey))
        {
            throw new InvalidOperationException("modulus check failed");
        }

        var encapsulator = new MLKemEncapsulator(_parameters);
        encapsulator.Init(new ParametersWithRandom(key, _bouncyRandom));
        encapsulator.Encapsulate(_ciphertext, _shared);
    }

    [Benchmark, BenchmarkCategory("Encaps")]
    public bool SottoEncaps() => _kem.TryEncapsulate(_publicKey, _random, _ciphertext, _shared);

    [Benchmark(Baseline = true), BenchmarkCategory("Decaps")]
    public void BouncyCastleDecaps()
    {
        var decapsulator = new MLKemDecapsulator(_parameters);
        decapsulator.Init(MLKemPrivateKeyParameters.FromEncoding(_parameters, _secretKey));
        decapsulator.Decapsulate(_ciphertext, _shared);
    }

    [Benchmark, BenchmarkCategory("Decaps")]
    public bool SottoDecaps() => _kem.TryDecapsulate(_secretKey, _ciphertext, _shared);
}
