using Sotto.Mls.Codec;

namespace Sotto.Mls.Messages;

/// <summary>
/// <code>
/// struct {
///     ExtensionType extension_type;
///     opaque extension_data&lt;V&gt;;
/// } Extension;
/// </code>
/// Unknown types are kept as opaque data (§13.4: unknown extensions are carried, not interpreted).
/// </summary>
public sealed class Extension(ushort type, byte[] data)
{
    public ushort Type { get; } = type;

    public byte[] Data { get; } = data;

    public ExtensionType KnownType => (ExtensionType)Type;

    internal static Extension Read(ref TlsReader r)
    {
        ushort type = r.ReadUInt16();
        return new Extension(type, r.ReadOpaque());
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt16(Type);
        w.WriteOpaque(Data);
    }

    /// <summary><c>Extension extensions&lt;V&gt;</c>; a type that appears twice is malformed (§13).</summary>
    internal static Extension[] ReadList(ref TlsReader r)
    {
        var list = new List<Extension>();
        var inner = r.ReadVectorReader();
        while (!inner.IsEmpty)
        {
            var extension = Read(ref inner);
            foreach (var other in list)
            {
                if (other.Type == extension.Type)
                {
                    TlsReader.Throw("duplicate extension type");
                }
            }

            list.Add(extension);
        }

        return [.. list];
    }

    internal static void WriteList(TlsWriter w, IReadOnlyList<Extension> extensions)
    {
        int mark = w.BeginVector();
        foreach (var extension in extensions)
        {
            extension.Write(w);
        }

        w.EndVector(mark);
    }

    internal static Extension? Find(IReadOnlyList<Extension> extensions, ExtensionType type)
    {
        foreach (var extension in extensions)
        {
            if (extension.Type == (ushort)type)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>True for the extension types RFC 9420 §7.2 calls default (they are never listed in capabilities).</summary>
    internal static bool IsDefault(ushort type) => type is >= 1 and <= 5;
}

/// <summary>
/// <code>
/// struct {
///     ExtensionType extension_types&lt;V&gt;;
///     ProposalType proposal_types&lt;V&gt;;
///     CredentialType credential_types&lt;V&gt;;
/// } RequiredCapabilities;
/// </code>
/// </summary>
public sealed class RequiredCapabilities(ushort[] extensionTypes, ushort[] proposalTypes, ushort[] credentialTypes)
{
    public ushort[] ExtensionTypes { get; } = extensionTypes;

    public ushort[] ProposalTypes { get; } = proposalTypes;

    public ushort[] CredentialTypes { get; } = credentialTypes;

    internal static RequiredCapabilities Parse(byte[] data)
    {
        var r = new TlsReader(data);
        var result = new RequiredCapabilities(Codecs.ReadUInt16List(ref r), Codecs.ReadUInt16List(ref r), Codecs.ReadUInt16List(ref r));
        r.EnsureEnd();
        return result;
    }

    internal byte[] Encode()
    {
        var w = new TlsWriter();
        Codecs.WriteUInt16List(w, ExtensionTypes);
        Codecs.WriteUInt16List(w, ProposalTypes);
        Codecs.WriteUInt16List(w, CredentialTypes);
        return w.ToArray();
    }
}

/// <summary>
/// <c>struct { HPKEPublicKey external_pub; } ExternalPub;</c> — the key an external joiner encapsulates to (§12.4.3.2).
/// </summary>
public static class ExternalPub
{
    internal static byte[] Parse(byte[] data)
    {
        var r = new TlsReader(data);
        var key = r.ReadOpaque();
        r.EnsureEnd();
        return key;
    }

    internal static byte[] Encode(ReadOnlySpan<byte> publicKey)
    {
        var w = new TlsWriter(64);
        w.WriteOpaque(publicKey);
        return w.ToArray();
    }
}

/// <summary>
/// <code>
/// struct {
///   SignaturePublicKey signature_key;
///   Credential credential;
/// } ExternalSender;
/// ExternalSender external_senders&lt;V&gt;;
/// </code>
/// </summary>
public sealed class ExternalSender(byte[] signatureKey, Credential credential)
{
    public byte[] SignatureKey { get; } = signatureKey;

    public Credential Credential { get; } = credential;

    internal static ExternalSender[] ParseList(byte[] data)
    {
        var r = new TlsReader(data);
        var inner = r.ReadVectorReader();
        r.EnsureEnd();
        var list = new List<ExternalSender>();
        while (!inner.IsEmpty)
        {
            var key = inner.ReadOpaque();
            list.Add(new ExternalSender(key, Credential.Read(ref inner)));
        }

        return [.. list];
    }
}

internal static class Codecs
{
    public static ushort[] ReadUInt16List(ref TlsReader r)
    {
        var body = r.ReadVector();
        if (body.Length % 2 != 0)
        {
            TlsReader.Throw("odd length of a uint16 vector");
        }

        var values = new ushort[body.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)((body[2 * i] << 8) | body[(2 * i) + 1]);
        }

        return values;
    }

    public static void WriteUInt16List(TlsWriter w, IReadOnlyList<ushort> values)
    {
        w.WriteVarint(checked(values.Count * 2));
        foreach (var v in values)
        {
            w.WriteUInt16(v);
        }
    }

    public static uint[] ReadUInt32List(ref TlsReader r)
    {
        var body = r.ReadVector();
        if (body.Length % 4 != 0)
        {
            TlsReader.Throw("length of a uint32 vector is not a multiple of 4");
        }

        var values = new uint[body.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body[(4 * i)..]);
        }

        return values;
    }

    public static void WriteUInt32List(TlsWriter w, IReadOnlyList<uint> values)
    {
        w.WriteVarint(checked(values.Count * 4));
        foreach (var v in values)
        {
            w.WriteUInt32(v);
        }
    }

    public static bool Contains(ushort[] values, ushort value) => Array.IndexOf(values, value) >= 0;
}
