using System.Buffers.Binary;

namespace Sotto.Mls.Codec;

/// <summary>
/// Writes the TLS presentation language (RFC 9420 §2.1) into a growable buffer. Vectors of structs are written
/// in place: <see cref="BeginVector"/> reserves a one-byte length, <see cref="EndVector"/> fills it in and moves
/// the body when the length needs two or four bytes, so nothing is encoded twice.
/// </summary>
internal sealed class TlsWriter
{
    [ThreadStatic]
    private static TlsWriter? s_cached;

    private byte[] _buffer;
    private int _length;

    public TlsWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>A per-thread scratch writer for short-lived encodings; return it with <see cref="Return"/>.</summary>
    public static TlsWriter Rent()
    {
        var writer = s_cached ?? new TlsWriter(4096);
        s_cached = null;
        writer._length = 0;
        return writer;
    }

    public static void Return(TlsWriter writer)
    {
        if (writer._buffer.Length <= 1 << 20)
        {
            writer._buffer.AsSpan(0, writer._length).Clear();
            writer._length = 0;
            s_cached = writer;
        }
    }

    public byte[] ToArray() => Written.ToArray();

    public void Clear() => _length = 0;

    public void WriteUInt8(byte value) => Grow(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Grow(value.Length));

    /// <summary>An <c>opaque &lt;V&gt;</c>: length header then the bytes.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> value)
    {
        WriteVarint(value.Length);
        WriteBytes(value);
    }

    public void WritePresence(bool present) => WriteUInt8(present ? (byte)1 : (byte)0);

    public void WriteVarint(int value) => Varint.Write(Grow(Varint.Size(value)), value);

    /// <summary>Starts a <c>&lt;V&gt;</c> vector whose body is written next; returns the mark for <see cref="EndVector"/>.</summary>
    public int BeginVector()
    {
        Grow(1);
        return _length;
    }

    public void EndVector(int mark)
    {
        int bodyLength = _length - mark;
        int size = Varint.Size(bodyLength);
        if (size > 1)
        {
            Grow(size - 1);
            _buffer.AsSpan(mark, bodyLength).CopyTo(_buffer.AsSpan(mark + size - 1));
        }

        Varint.Write(_buffer.AsSpan(mark - 1, size), bodyLength);
    }

    private Span<byte> Grow(int count)
    {
        int needed = checked(_length + count);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, checked(_buffer.Length * 2)));
        }

        var span = _buffer.AsSpan(_length, count);
        _length = needed;
        return span;
    }
}

/// <summary>The variable-size length header of RFC 9420 §2.1.2.</summary>
internal static class Varint
{
    public const int MaxValue = (1 << 30) - 1;

    public static int Size(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value)),
        <= 63 => 1,
        <= 16383 => 2,
        <= MaxValue => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value), "A vector cannot exceed 2^30 − 1 bytes."),
    };

    public static int Write(Span<byte> destination, int value)
    {
        switch (Size(value))
        {
            case 1:
                destination[0] = (byte)value;
                return 1;
            case 2:
                BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(0x4000 | value));
                return 2;
            default:
                BinaryPrimitives.WriteUInt32BigEndian(destination, 0x8000_0000u | (uint)value);
                return 4;
        }
    }
}
