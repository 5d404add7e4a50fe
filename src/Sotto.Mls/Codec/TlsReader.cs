using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Sotto.Mls.Codec;

/// <summary>
/// Reads the TLS presentation language as RFC 9420 §2.1 profiles it, from a span. Every variable-length vector
/// checks its declared length against the bytes actually present before anything is allocated, so a forged
/// length ("length bomb") fails at once with <see cref="MlsError.Malformed"/> instead of allocating.
/// </summary>
/// <remarks>
/// Vector lengths use the variable-size header of §2.1.2: 1, 2 or 4 bytes, minimal encoding required, prefix 0b11
/// rejected. Optional values accept only the presence octets 0 and 1 (§2.1.1). A reader never copies unless
/// asked (<see cref="ReadOpaque"/>).
/// </remarks>
internal ref struct TlsReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;
    private int _position;

    public TlsReader(ReadOnlySpan<byte> data)
        : this(data, 0)
    {
    }

    private TlsReader(ReadOnlySpan<byte> data, int baseOffset)
    {
        _data = data;
        _base = baseOffset;
        _position = 0;
    }

    /// <summary>
    /// Test seam: told the absolute offset of every vector length header read on this thread, so that tests can
    /// plant a forged length in each variable-length field of a message.
    /// </summary>
    [ThreadStatic]
    internal static Action<int>? VectorObserver;

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsEmpty => _position == _data.Length;

    /// <summary>The bytes read so far since <paramref name="start"/> (to keep the original encoding of a struct).</summary>
    public readonly ReadOnlySpan<byte> Since(int start) => _data[start.._position];

    public byte ReadUInt8()
    {
        Need(1);
        return _data[_position++];
    }

    public ushort ReadUInt16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_data[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> ReadFixed(int length)
    {
        Need(length);
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>A variable-size length header (§2.1.2).</summary>
    public int ReadVarint()
    {
        Need(1);
        byte first = _data[_position];
        int prefix = first >> 6;
        if (prefix == 3)
        {
            Throw("invalid variable-length integer prefix");
        }

        int length = 1 << prefix;
        Need(length);
        uint value = (uint)(first & 0x3F);
        for (int i = 1; i < length; i++)
        {
            value = (value << 8) | _data[_position + i];
        }

        if (prefix >= 1 && value < (1u << ((8 * (length / 2)) - 2)))
        {
            Throw("variable-length integer is not minimally encoded");
        }

        _position += length;
        return (int)value;
    }

    /// <summary>The body of a <c>&lt;V&gt;</c> vector, bounded by the bytes present and by <paramref name="maxLength"/>.</summary>
    public ReadOnlySpan<byte> ReadVector(int maxLength = int.MaxValue)
    {
        VectorObserver?.Invoke(_base + _position);
        int length = ReadVarint();
        if (length > Remaining)
        {
            Throw("vector length exceeds the remaining input");
        }

        if (length > maxLength)
        {
            throw new MlsException(MlsError.LengthExceeded, "A vector is longer than its field allows.");
        }

        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>A reader over the body of a <c>&lt;V&gt;</c> vector of structs.</summary>
    public TlsReader ReadVectorReader(int maxLength = int.MaxValue)
    {
        var body = ReadVector(maxLength);
        return new TlsReader(body, _base + _position - body.Length);
    }

    /// <summary>An <c>opaque &lt;V&gt;</c> copied into a new array.</summary>
    public byte[] ReadOpaque(int maxLength = int.MaxValue) => ReadVector(maxLength).ToArray();

    /// <summary>The presence octet of an <c>optional&lt;T&gt;</c>.</summary>
    public bool ReadPresence()
    {
        byte present = ReadUInt8();
        if (present > 1)
        {
            Throw("optional presence octet must be 0 or 1");
        }

        return present == 1;
    }

    /// <summary>Fails unless every byte was consumed.</summary>
    public readonly void EnsureEnd()
    {
        if (!IsEmpty)
        {
            Throw("trailing bytes after the structure");
        }
    }

    private readonly void Need(int count)
    {
        if (count > Remaining)
        {
            Throw("truncated input");
        }
    }

    [DoesNotReturn]
    public static void Throw(string what) => throw new MlsException(MlsError.Malformed, "Malformed MLS input: " + what + ".");
}
