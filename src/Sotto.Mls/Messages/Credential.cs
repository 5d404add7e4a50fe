using Sotto.Mls.Codec;

namespace Sotto.Mls.Messages;

/// <summary>
/// <code>
/// struct {
///     opaque cert_data&lt;V&gt;;
/// } Certificate;
///
/// struct {
///     CredentialType credential_type;
///     select (Credential.credential_type) {
///         case basic:
///             opaque identity&lt;V&gt;;
///         case x509:
///             Certificate certificates&lt;V&gt;;
///     };
/// } Credential;
/// </code>
/// </summary>
public sealed class Credential
{
    private Credential(CredentialType type, byte[] identity, byte[][] certificates)
    {
        Type = type;
        Identity = identity;
        Certificates = certificates;
    }

    public CredentialType Type { get; }

    /// <summary>The identity of a basic credential (empty for X.509).</summary>
    public byte[] Identity { get; }

    /// <summary>The chain of an X.509 credential (empty for basic).</summary>
    public byte[][] Certificates { get; }

    public static Credential Basic(ReadOnlySpan<byte> identity) => new(CredentialType.Basic, identity.ToArray(), []);

    public static Credential X509(IEnumerable<byte[]> certificates) => new(CredentialType.X509, [], [.. certificates]);

    internal static Credential Read(ref TlsReader r)
    {
        var type = (CredentialType)r.ReadUInt16();
        switch (type)
        {
            case CredentialType.Basic:
                return new Credential(type, r.ReadOpaque(), []);
            case CredentialType.X509:
                var inner = r.ReadVectorReader();
                var certificates = new List<byte[]>();
                while (!inner.IsEmpty)
                {
                    certificates.Add(inner.ReadOpaque());
                }

                return new Credential(type, [], [.. certificates]);
            default:
                throw new MlsException(MlsError.UnsupportedCredential, $"Credential type {(ushort)type} is not supported.");
        }
    }

    internal void Write(TlsWriter w)
    {
        w.WriteUInt16((ushort)Type);
        if (Type == CredentialType.Basic)
        {
            w.WriteOpaque(Identity);
        }
        else
        {
            int mark = w.BeginVector();
            foreach (var certificate in Certificates)
            {
                w.WriteOpaque(certificate);
            }

            w.EndVector(mark);
        }
    }

    internal bool ContentEquals(Credential other) =>
        Type == other.Type && Identity.AsSpan().SequenceEqual(other.Identity) && Certificates.Length == other.Certificates.Length
        && Certificates.Zip(other.Certificates).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}

/// <summary>
/// <code>
/// struct {
///     ProtocolVersion versions&lt;V&gt;;
///     CipherSuite cipher_suites&lt;V&gt;;
///     ExtensionType extensions&lt;V&gt;;
///     ProposalType proposals&lt;V&gt;;
///     CredentialType credentials&lt;V&gt;;
/// } Capabilities;
/// </code>
/// Unknown (and GREASE) values are carried and ignored (§13).
/// </summary>
public sealed class Capabilities(ushort[] versions, ushort[] cipherSuites, ushort[] extensions, ushort[] proposals, ushort[] credentials)
{
    public ushort[] Versions { get; } = versions;

    public ushort[] CipherSuites { get; } = cipherSuites;

    public ushort[] Extensions { get; } = extensions;

    public ushort[] Proposals { get; } = proposals;

    public ushort[] Credentials { get; } = credentials;

    /// <summary>
    /// What this library supports: MLS 1.0, the given suite, basic and X.509 credentials (whether a credential is
    /// accepted is the <see cref="TreeSync.ICredentialValidator"/>'s decision), no non-default extensions or proposals.
    /// Groups made by OpenMLS (core-crypto) require both credential types.
    /// </summary>
    public static Capabilities Default(CipherSuite suite) =>
        new([(ushort)ProtocolVersion.Mls10], [suite.Id], [], [], [(ushort)CredentialType.Basic, (ushort)CredentialType.X509]);

    internal static Capabilities Read(ref TlsReader r) => new(
        Codecs.ReadUInt16List(ref r),
        Codecs.ReadUInt16List(ref r),
        Codecs.ReadUInt16List(ref r),
        Codecs.ReadUInt16List(ref r),
        Codecs.ReadUInt16List(ref r));

    internal void Write(TlsWriter w)
    {
        Codecs.WriteUInt16List(w, Versions);
        Codecs.WriteUInt16List(w, CipherSuites);
        Codecs.WriteUInt16List(w, Extensions);
        Codecs.WriteUInt16List(w, Proposals);
        Codecs.WriteUInt16List(w, Credentials);
    }

    internal bool SupportsExtension(ushort type) => Extension.IsDefault(type) || Codecs.Contains(Extensions, type);

    internal bool SupportsProposal(ushort type) => type is >= 1 and <= 7 || Codecs.Contains(Proposals, type);

    internal bool SupportsCredential(CredentialType type) => Codecs.Contains(Credentials, (ushort)type);
}
