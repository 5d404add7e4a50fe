namespace Sotto.TestSupport.Fuzzing;

/// <summary>
/// Finds the length varints of length-delimited fields in protobuf bytes, descending into any field whose body
/// itself parses as protobuf, so that the mutator can forge the lengths of nested messages too.
/// </summary>
public static class ProtobufScan
{
    public static IReadOnlyList<LengthField> Lengths(byte[] data) => Lengths(data, 0, data.Length);

    /// <summary>The length fields of the protobuf message in <c>data[start..end]</c> (offsets into <paramref name="data"/>).</summary>
    public static IReadOnlyList<LengthField> Lengths(byte[] data, int start, int end)
    {
        var found = new List<LengthField>();
        Scan(data, start, end, found, depth: 0, []);
        return found;
    }

    private static bool Scan(byte[] data, int start, int end, List<LengthField> found, int depth, int[] enclosing)
    {
        int mark = found.Count;
        int p = start;
        while (p < end)
        {
            if (!TryVarint(data, ref p, end, out ulong key) || key >> 3 == 0)
            {
                found.RemoveRange(mark, found.Count - mark);
                return false;
            }

            switch ((int)(key & 7))
            {
                case 0:
                    int valueAt = p;
                    if (!TryVarint(data, ref p, end, out _))
                    {
                        goto default;
                    }

                    found.Add(new LengthField(valueAt, LengthKind.ProtobufValue, enclosing));
                    break;
                case 1:
                    p += 8;
                    break;
                case 5:
                    p += 4;
                    break;
                case 2:
                    int at = p;
                    if (!TryVarint(data, ref p, end, out ulong length) || length > (ulong)(end - p))
                    {
                        goto default;
                    }

                    found.Add(new LengthField(at, LengthKind.ProtobufVarint, enclosing));
                    if (depth < 8 && length > 0)
                    {
                        Scan(data, p, p + (int)length, found, depth + 1, [.. enclosing, at]);
                    }

                    p += (int)length;
                    break;
                default:
                    found.RemoveRange(mark, found.Count - mark);
                    return false;
            }
        }

        if (p != end)
        {
            found.RemoveRange(mark, found.Count - mark);
            return false;
        }

        return true;
    }

    private static bool TryVarint(byte[] data, ref int p, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && p < end; shift += 7)
        {
            byte b = data[p++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
