using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Sotto.Crypto;
using Sotto.TestSupport;

namespace Sotto.Benchmarks.Crypto;

/// <summary>
/// The symmetric work of one Signal message (libsignal <c>ratchet/keys.rs</c>, <c>protocol.rs</c>): two chain-key
/// HMACs, HKDF to 80 bytes of message keys, AES-256-CBC over the body and the HMAC-SHA256 MAC over both identity
/// keys and the serialized message. Each category's baseline is the direct .NET call Sotto.Crypto wraps (a new
/// <see cref="Aes"/> per call, as Sotto.Crypto did before), so the Ratio column shows what the wrapper costs or saves.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Sotto.Benchmarks -- --filter '*MessageKeyBenchmarks*'</remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MessageKeyBenchmarks
{
    private static readonly byte[] MessageKeysInfo = "WhisperMessageKeys"u8.ToArray();

    private readonly byte[] _chainKey = new byte[32];
    private readonly byte[] _seed = new byte[32];
    private readonly byte[] _keys = new byte[80];
    private readonly byte[] _plaintext = new byte[100];
    private readonly byte[] _ciphertext = new byte[112];
    private readonly byte[] _ciphertextOut = new byte[112];
    private readonly byte[] _plaintextOut = new byte[111];
    private readonly byte[] _macInput = new byte[33 + 33 + 150];
    private readonly byte[] _mac = new byte[32];
    private byte[] _cipherKey = [];
    private byte[] _iv = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(1);
        random.Fill(_chainKey);
        random.Fill(_plaintext);
        random.Fill(_macInput);
        Hkdf.DeriveKey(_chainKey, default, MessageKeysInfo, _keys);
        _cipherKey = _keys[..32];
        _iv = _keys[64..];
        AesCbc.Encrypt(_cipherKey, _iv, _plaintext).CopyTo(_ciphertext, 0);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("HMAC chain step")]
    public void HmacDotNet() => HMACSHA256.HashData(_chainKey, [0x01], _seed);

    [Benchmark, BenchmarkCategory("HMAC chain step")]
    public void Hmac() => HmacSha256.Compute(_chainKey, [0x01], _seed);

    [Benchmark(Baseline = true), BenchmarkCategory("HKDF 80 B")]
    public void HkdfDotNet() => HKDF.DeriveKey(HashAlgorithmName.SHA256, _seed, _keys, default, MessageKeysInfo);

    [Benchmark, BenchmarkCategory("HKDF 80 B")]
    public void Hkdf80() => Hkdf.DeriveKey(_seed, default, MessageKeysInfo, _keys);

    [Benchmark(Baseline = true), BenchmarkCategory("AES-CBC encrypt 100 B")]
    public byte[] AesCbcEncryptDotNet()
    {
        using var aes = Aes.Create();
        aes.SetKey(_cipherKey);
        return aes.EncryptCbc(_plaintext, _iv, PaddingMode.PKCS7);
    }

    [Benchmark, BenchmarkCategory("AES-CBC encrypt 100 B")]
    public byte[] AesCbcEncrypt() => AesCbc.Encrypt(_cipherKey, _iv, _plaintext);

    [Benchmark, BenchmarkCategory("AES-CBC encrypt 100 B")]
    public bool AesCbcEncryptSpan() => AesCbc.TryEncrypt(_cipherKey, _iv, _plaintext, _ciphertextOut, out _);

    [Benchmark(Baseline = true), BenchmarkCategory("AES-CBC decrypt 112 B")]
    public byte[] AesCbcDecryptDotNet()
    {
        using var aes = Aes.Create();
        aes.SetKey(_cipherKey);
        return aes.DecryptCbc(_ciphertext, _iv, PaddingMode.PKCS7);
    }

    [Benchmark, BenchmarkCategory("AES-CBC decrypt 112 B")]
    public bool AesCbcDecrypt() => AesCbc.TryDecrypt(_cipherKey, _iv, _ciphertext, out _);

    [Benchmark, BenchmarkCategory("AES-CBC decrypt 112 B")]
    public bool AesCbcDecryptSpan() => AesCbc.TryDecrypt(_cipherKey, _iv, _ciphertext, _plaintextOut, out _);

    [Benchmark(Baseline = true), BenchmarkCategory("HMAC MAC 216 B")]
    public void MacDotNet() => HMACSHA256.HashData(_keys.AsSpan(32, 32), _macInput, _mac);

    [Benchmark, BenchmarkCategory("HMAC MAC 216 B")]
    public bool MacVerify() => HmacSha256.Verify(_keys.AsSpan(32, 32), _macInput, _mac.AsSpan(0, 8));

    /// <summary>Sender side of one message: chain step, message keys, encrypt, MAC.</summary>
    [Benchmark, BenchmarkCategory("Per message")]
    public void EncryptMessage()
    {
        Span<byte> seed = stackalloc byte[32];
        Span<byte> nextChain = stackalloc byte[32];
        Span<byte> keys = stackalloc byte[80];
        HmacSha256.Compute(_chainKey, [0x01], seed);
        HmacSha256.Compute(_chainKey, [0x02], nextChain);
        Hkdf.DeriveKey(seed, default, MessageKeysInfo, keys);
        _ = AesCbc.TryEncrypt(keys[..32], keys[64..], _plaintext, _macInput.AsSpan(33 + 33 + 4), out _);
        HmacSha256.Compute(keys[32..64], _macInput, _mac);
    }
}
