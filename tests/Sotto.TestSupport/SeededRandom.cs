using System.Buffers.Binary;
using System.Security.Cryptography;
using Sotto.Crypto;

namespace Sotto.TestSupport;

/// <summary>
/// A deterministic <see cref="IRandom"/> for tests: SHA-256 in counter mode over a seed, so a test that fails
/// fails the same way every run. Never use outside tests.
/// </summary>
public sealed class SeededRandom : IRandom
{
    private readonly byte[] _seed;
    private ulong _counter;
    private readonly byte[] _block = new byte[32];
    private int _available;

    public SeededRandom(ulong seed)
    {
        _seed = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(_seed, seed);
    }

    public SeededRandom(string seed)
    {
        _seed = System.Text.Encoding.UTF8.GetBytes(seed);
    }

    public void Fill(Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[_seed.Length + 8];
        while (destination.Length > 0)
        {
            if (_available == 0)
            {
                _seed.CopyTo(input);
                BinaryPrimitives.WriteUInt64LittleEndian(input[_seed.Length..], _counter++);
                SHA256.HashData(input, _block);
                _available = _block.Length;
            }

            int n = Math.Min(_available, destination.Length);
            _block.AsSpan(_block.Length - _available, n).CopyTo(destination);
            destination = destination[n..];
            _available -= n;
        }
    }

    /// <summary>A uniformly distributed integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        return (int)(BinaryPrimitives.ReadUInt64LittleEndian(b) % (ulong)maxExclusive);
    }
}

/// <summary>A fixed sequence of bytes served as randomness (for known-answer tests that pin the RNG output).</summary>
public sealed class FixedRandom(params byte[][] chunks) : IRandom
{
    private readonly Queue<byte> _bytes = new(chunks.SelectMany(c => c));

    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            if (!_bytes.TryDequeue(out var b))
            {
                throw new InvalidOperationException("FixedRandom ran out of bytes.");
            }

            destination[i] = b;
        }
    }
}
