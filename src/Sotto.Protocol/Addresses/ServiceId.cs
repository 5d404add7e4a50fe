using System.Globalization;

namespace Sotto.Protocol;

/// <summary>The kind of a <see cref="ServiceId"/>; the value is the fixed-width binary prefix. Only appended.</summary>
public enum ServiceIdKind : byte
{
    /// <summary>An account identifier.</summary>
    Aci = 0,

    /// <summary>A phone-number identifier.</summary>
    Pni = 1,
}

/// <summary>
/// A Signal service identifier: a UUID in the ACI or PNI namespace (libsignal <c>rust/core/src/address.rs</c>).
/// Its string form is the hyphenated UUID for an ACI and <c>PNI:</c>UUID for a PNI (parsing is case-insensitive);
/// its binary forms feed the <c>addresses</c> field of PreKey messages and safety numbers.
/// </summary>
public readonly record struct ServiceId
{
    private const int HyphenatedLength = 36;
    private readonly UInt128 _uuid;

    public ServiceId(ServiceIdKind kind, ReadOnlySpan<byte> uuid)
    {
        ThrowHelper.CheckLength(uuid, 16, nameof(uuid));
        if (kind is not (ServiceIdKind.Aci or ServiceIdKind.Pni))
        {
            ThrowHelper.ThrowArgument(nameof(kind), "Unknown ServiceId kind.");
        }

        Kind = kind;
        _uuid = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(uuid);
    }

    public ServiceIdKind Kind { get; }

    /// <summary>Parses the standard string form; <see langword="false"/> for anything else.</summary>
    public static bool TryParse(string? value, out ServiceId serviceId)
    {
        serviceId = default;
        if (value is null)
        {
            return false;
        }

        var kind = ServiceIdKind.Aci;
        var text = value.AsSpan();
        if (text.StartsWith("PNI:", StringComparison.Ordinal))
        {
            kind = ServiceIdKind.Pni;
            text = text[4..];
        }

        if (text.Length != HyphenatedLength || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        {
            return false;
        }

        Span<char> hex = stackalloc char[32];
        text[..8].CopyTo(hex);
        text[9..13].CopyTo(hex[8..]);
        text[14..18].CopyTo(hex[12..]);
        text[19..23].CopyTo(hex[16..]);
        text[24..].CopyTo(hex[20..]);
        Span<byte> uuid = stackalloc byte[16];
        foreach (char c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        if (Convert.FromHexString(hex, uuid, out _, out int written) != System.Buffers.OperationStatus.Done || written != 16)
        {
            return false;
        }

        serviceId = new ServiceId(kind, uuid);
        return true;
    }

    /// <summary>Parses the standard string form.</summary>
    /// <exception cref="ArgumentException">Not a ServiceId string.</exception>
    public static ServiceId Parse(string value)
    {
        if (!TryParse(value, out var result))
        {
            ThrowHelper.ThrowArgument(nameof(value), "Not a ServiceId string.");
        }

        return result;
    }

    /// <summary>The 16-byte UUID, big-endian (RFC 9562 byte order).</summary>
    public byte[] GetUuidBytes()
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, _uuid);
        return bytes;
    }

    /// <summary>The 17-byte fixed-width form: the kind byte, then the UUID.</summary>
    public byte[] ToFixedWidthBinary()
    {
        var bytes = new byte[17];
        WriteFixedWidthBinary(bytes);
        return bytes;
    }

    /// <summary>The standard variable-width binary form: 16 bytes for an ACI, the 17-byte fixed-width form otherwise.</summary>
    public byte[] ToServiceIdBinary() => Kind == ServiceIdKind.Aci ? GetUuidBytes() : ToFixedWidthBinary();

    internal void WriteFixedWidthBinary(Span<byte> destination)
    {
        destination[0] = (byte)Kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(destination[1..17], _uuid);
    }

    /// <summary>The standard string form (lowercase).</summary>
    public override string ToString()
    {
        var hex = Convert.ToHexStringLower(GetUuidBytes());
        var uuid = string.Create(CultureInfo.InvariantCulture, $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}");
        return Kind == ServiceIdKind.Aci ? uuid : "PNI:" + uuid;
    }
}
