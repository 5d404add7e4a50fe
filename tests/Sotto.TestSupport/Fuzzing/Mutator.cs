using System.Buffers.Binary;

namespace Sotto.TestSupport.Fuzzing;

/// <summary>
/// Structure-blind mutations of valid encodings, plus targeted rewrites of known length fields. Pure and seeded: the
/// same seed and corpus give the same inputs.
/// </summary>
/// <remarks>
/// Operators: bit flips; bytes replaced by boundary values (0x00, 0xFF, 0x7F, 0x80, …) or random ones; truncation;
/// extension with random, boundary or copied bytes; insertion and deletion; duplication of a chunk; splicing two
/// corpus entries; and length fields set to 0, the field's maximum and maximum − 1, one more than the bytes left,
/// 2^31, 2^32 − 1 and 2^63 (written in the field's own encoding, possibly widening it).
/// </remarks>
public sealed class Mutator
{
    private static readonly byte[] BoundaryBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x3F, 0x40, 0xC0, 0xFE];

    private readonly SeededRandom _random;
    private readonly IReadOnlyList<byte[]> _corpus;
    private readonly IReadOnlyList<LengthField>[] _lengths;

    public Mutator(SeededRandom random, IReadOnlyList<byte[]> corpus, Func<byte[], IReadOnlyList<LengthField>>? lengthFields)
    {
        if (corpus.Count == 0)
        {
            throw new ArgumentException("A fuzz corpus needs at least one seed input.", nameof(corpus));
        }

        _random = random;
        _corpus = corpus;
        _lengths = [.. corpus.Select(c => lengthFields?.Invoke(c) ?? [])];
    }

    /// <summary>
    /// Inputs every run starts with, before the random phase: every truncation of every seed (for seeds longer than
    /// <paramref name="maxTruncations"/> bytes, evenly spaced ones plus the last 64) and each boundary value in each
    /// known length field.
    /// </summary>
    public IEnumerable<byte[]> Systematic(int maxTruncations = 1024)
    {
        for (int c = 0; c < _corpus.Count; c++)
        {
            var seed = _corpus[c];
            yield return (byte[])seed.Clone();
            int step = Math.Max(1, seed.Length / maxTruncations);
            for (int length = 0; length < seed.Length; length++)
            {
                if (length % step == 0 || length >= seed.Length - 64)
                {
                    yield return seed[..length];
                }
            }

            foreach (var field in _lengths[c])
            {
                foreach (var value in LengthValues(seed, field))
                {
                    yield return WriteLength(seed, field, value);
                }
            }
        }
    }

    /// <summary>One seed with one to four stacked mutations.</summary>
    public byte[] Next()
    {
        int index = _random.Next(_corpus.Count);
        var data = (byte[])_corpus[index].Clone();
        int count = 1 + _random.Next(4);
        for (int i = 0; i < count; i++)
        {
            data = MutateOnce(data, index);
        }

        return data;
    }

    private byte[] MutateOnce(byte[] data, int seedIndex)
    {
        switch (_random.Next(12))
        {
            case 0 when data.Length > 0:
                data[_random.Next(data.Length)] ^= (byte)(1 << _random.Next(8));
                return data;
            case 1 when data.Length > 0:
                data[_random.Next(data.Length)] = BoundaryBytes[_random.Next(BoundaryBytes.Length)];
                return data;
            case 2 when data.Length > 0:
                data[_random.Next(data.Length)] = (byte)_random.Next(256);
                return data;
            case 3 when data.Length > 0:
                return data[.._random.Next(data.Length)];
            case 4:
                return Insert(data, data.Length, Filler(1 + _random.Next(64)));
            case 5:
                return Insert(data, _random.Next(data.Length + 1), Filler(1 + _random.Next(16)));
            case 6 when data.Length > 1:
            {
                int at = _random.Next(data.Length);
                int length = 1 + _random.Next(Math.Min(32, data.Length - at));
                return [.. data[..at], .. data[(at + length)..]];
            }

            case 7 when data.Length > 1:
            {
                int at = _random.Next(data.Length);
                int length = 1 + _random.Next(Math.Min(64, data.Length - at));
                return Insert(data, _random.Next(data.Length + 1), data[at..(at + length)]);
            }

            case 8:
            {
                var other = _corpus[_random.Next(_corpus.Count)];
                int cut = _random.Next(data.Length + 1);
                int from = _random.Next(other.Length + 1);
                return [.. data[..cut], .. other[from..]];
            }

            case 9 or 10 when _lengths[seedIndex].Count > 0 && data.Length == _corpus[seedIndex].Length:
            {
                // Only while the layout still matches the seed's, so the offsets still point at the length fields.
                var fields = _lengths[seedIndex];
                var field = fields[_random.Next(fields.Count)];
                var values = LengthValues(data, field).ToArray();
                return WriteLength(data, field, values[_random.Next(values.Length)]);
            }

            default:
                return RandomLength(data);
        }
    }

    /// <summary>A boundary value written as a varint or fixed-width integer at a random position.</summary>
    private byte[] RandomLength(byte[] data)
    {
        if (data.Length == 0)
        {
            return Filler(1 + _random.Next(8));
        }

        var kind = (LengthKind)(1 + _random.Next(5));
        var field = new LengthField(_random.Next(data.Length), kind);
        var values = LengthValues(data, field).ToArray();
        return WriteLength(data, field, values[_random.Next(values.Length)]);
    }

    private byte[] Filler(int length)
    {
        var bytes = new byte[length];
        switch (_random.Next(3))
        {
            case 0:
                _random.Fill(bytes);
                break;
            case 1:
                bytes.AsSpan().Fill(BoundaryBytes[_random.Next(BoundaryBytes.Length)]);
                break;
            default:
                var other = _corpus[_random.Next(_corpus.Count)];
                for (int i = 0; i < length && other.Length > 0; i++)
                {
                    bytes[i] = other[(i + _random.Next(other.Length)) % other.Length];
                }

                break;
        }

        return bytes;
    }

    private static byte[] Insert(byte[] data, int at, byte[] chunk) => [.. data[..at], .. chunk, .. data[at..]];

    private static ulong ReadVarint(byte[] data, int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return value;
    }

    private static IEnumerable<ulong> LengthValues(byte[] data, LengthField field)
    {
        int width = OldWidth(data, field);
        ulong remaining = (ulong)Math.Max(0, data.Length - field.Offset - width);
        ulong max = field.Kind switch
        {
            LengthKind.UInt8 => byte.MaxValue,
            LengthKind.UInt16BigEndian => ushort.MaxValue,
            LengthKind.UInt32BigEndian => uint.MaxValue,
            LengthKind.MlsVarint => (1UL << 30) - 1,
            _ => ulong.MaxValue,
        };
        if (field.Kind == LengthKind.ProtobufValue)
        {
            return [0UL, 1UL, 0x7F, 0x80, 0x3FFF, 0x4000, int.MaxValue, 1UL << 31, uint.MaxValue - 1, uint.MaxValue, 1UL << 32, 1UL << 63, ulong.MaxValue];
        }

        return new[] { 0UL, 1UL, max, max - 1, remaining + 1, remaining + 1000, remaining - Math.Min(remaining, 1), 1UL << 31, uint.MaxValue, 1UL << 63 }.Distinct();
    }

    private static int OldWidth(byte[] data, LengthField field)
    {
        switch (field.Kind)
        {
            case LengthKind.ProtobufVarint or LengthKind.ProtobufValue:
                int p = field.Offset;
                while (p < data.Length && data[p] >= 0x80 && p - field.Offset < 9)
                {
                    p++;
                }

                return Math.Min(p + 1, data.Length) - field.Offset;
            case LengthKind.MlsVarint:
                return field.Offset < data.Length ? Math.Min(1 << (data[field.Offset] >> 6), data.Length - field.Offset) : 0;
            case LengthKind.UInt8:
                return Math.Min(1, data.Length - field.Offset);
            case LengthKind.UInt16BigEndian:
                return Math.Min(2, data.Length - field.Offset);
            default:
                return Math.Min(4, data.Length - field.Offset);
        }
    }

    /// <summary>A copy of <paramref name="data"/> with the length field replaced by <paramref name="value"/> in its encoding.</summary>
    public static byte[] WriteLength(byte[] data, LengthField field, ulong value)
    {
        if (field.Kind == LengthKind.ProtobufValue)
        {
            // Rewrite the value, then each enclosing length (innermost first) by however much the bytes after it moved.
            var edited = WriteLength(data, field with { Kind = LengthKind.ProtobufVarint }, value);
            long delta = edited.Length - data.Length;
            foreach (int lengthAt in (field.Enclosing ?? []).Reverse())
            {
                var length = new LengthField(lengthAt, LengthKind.ProtobufVarint);
                ulong old = ReadVarint(edited, lengthAt);
                int before = edited.Length;
                edited = WriteLength(edited, length, (ulong)((long)old + delta));
                delta += edited.Length - before;
            }

            return edited;
        }

        int width = OldWidth(data, field);
        byte[] encoded;
        switch (field.Kind)
        {
            case LengthKind.ProtobufVarint:
                var varint = new List<byte>();
                do
                {
                    byte b = (byte)(value & 0x7F);
                    value >>= 7;
                    varint.Add(value == 0 ? b : (byte)(b | 0x80));
                }
                while (value != 0);
                encoded = [.. varint];
                break;
            case LengthKind.MlsVarint:
                if (value < 0x40)
                {
                    encoded = [(byte)value];
                }
                else if (value < 0x4000)
                {
                    encoded = [(byte)(0x40 | (value >> 8)), (byte)value];
                }
                else if (value < 0x4000_0000)
                {
                    encoded = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(encoded, (uint)value | 0x8000_0000);
                }
                else
                {
                    // Beyond 2^30 − 1: the reserved 0b11 prefix with an 8-byte body (QUIC's form, invalid in MLS).
                    encoded = new byte[8];
                    BinaryPrimitives.WriteUInt64BigEndian(encoded, value | 0xC000_0000_0000_0000);
                }

                break;
            case LengthKind.UInt8:
                encoded = [(byte)value];
                break;
            case LengthKind.UInt16BigEndian:
                encoded = new byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)value);
                break;
            default:
                encoded = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(encoded, (uint)value);
                break;
        }

        int at = Math.Min(field.Offset, data.Length);
        return [.. data[..at], .. encoded, .. data[Math.Min(data.Length, at + width)..]];
    }
}
