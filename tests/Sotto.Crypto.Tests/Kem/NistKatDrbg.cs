using System.Security.Cryptography;

namespace Sotto.Crypto.Tests.Kem;

/// <summary>
/// The deterministic <c>randombytes</c> of NIST's PQC known-answer-test harness (<c>rng.c</c>): AES-256 CTR_DRBG
/// without derivation function, seeded with 48 bytes and no personalisation string. Each <see cref="Fill"/> is one
/// <c>randombytes()</c> call: it emits whole counter blocks, truncates the last, then runs the DRBG update, so
/// two calls of 32 bytes differ from one call of 64. Test-only: never use it as a source of real randomness.
/// </summary>
internal sealed class NistKatDrbg : IRandom, IDisposable
{
    private readonly Aes _aes = Aes.Create();
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _v = new byte[16];

    public NistKatDrbg(ReadOnlySpan<byte> entropyInput)
    {
        if (entropyInput.Length != 48)
        {
            throw new ArgumentException("The NIST KAT DRBG is seeded with 48 bytes.", nameof(entropyInput));
        }

        _aes.Key = _key;
        Update(entropyInput);
    }

    /// <summary>randombytes(x, xlen).</summary>
    public void Fill(Span<byte> destination)
    {
        Span<byte> block = stackalloc byte[16];
        while (destination.Length > 0)
        {
            IncrementV();
            _aes.EncryptEcb(_v, block, PaddingMode.None);
            int n = Math.Min(16, destination.Length);
            block[..n].CopyTo(destination);
            destination = destination[n..];
        }

        Update([]);
    }

    public void Dispose() => _aes.Dispose();

    /// <summary>AES256_CTR_DRBG_Update(provided_data, Key, V); empty <paramref name="providedData"/> means NULL.</summary>
    private void Update(ReadOnlySpan<byte> providedData)
    {
        Span<byte> temp = stackalloc byte[48];
        for (int i = 0; i < 3; i++)
        {
            IncrementV();
            _aes.EncryptEcb(_v, temp.Slice(16 * i, 16), PaddingMode.None);
        }

        for (int i = 0; i < providedData.Length; i++)
        {
            temp[i] ^= providedData[i];
        }

        temp[..32].CopyTo(_key);
        temp[32..].CopyTo(_v);
        _aes.Key = _key;
    }

    /// <summary>V = V + 1 as a 128-bit big-endian counter.</summary>
    private void IncrementV()
    {
        for (int j = 15; j >= 0; j--)
        {
            _v[j] = unchecked((byte)(_v[j] + 1));
            if (_v[j] != 0)
            {
                break;
            }
        }
    }
}
