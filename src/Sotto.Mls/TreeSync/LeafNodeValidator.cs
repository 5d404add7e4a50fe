using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;

namespace Sotto.Mls.TreeSync;

/// <summary>
/// Decides whether a credential is acceptable for a signature key (RFC 9420 §5.3.1). The application plugs in its
/// authentication service here; it is called for every LeafNode the group accepts.
/// </summary>
public interface ICredentialValidator
{
    bool IsValid(Credential credential, ReadOnlySpan<byte> signatureKey);
}

/// <summary>Accepts basic credentials with a non-empty identity of at most 1 KiB, and nothing else.</summary>
public sealed class BasicCredentialValidator : ICredentialValidator
{
    public static BasicCredentialValidator Instance { get; } = new();

    public bool IsValid(Credential credential, ReadOnlySpan<byte> signatureKey)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return credential.Type == CredentialType.Basic && credential.Identity.Length is > 0 and <= 1024;
    }
}

/// <summary>
/// The lifetime rule of RFC 9420 §7.2/§7.3: the current time, and the longest total lifetime the application
/// accepts (null: no limit).
/// </summary>
internal readonly record struct LifetimeCheck(DateTimeOffset Now, TimeSpan? MaxLifetime);

/// <summary>
/// LeafNode validation (RFC 9420 §7.3): the checks that need only the node (standalone) and those against the
/// group (capabilities, credential types, key uniqueness).
/// </summary>
internal static class LeafNodeValidator
{
    /// <summary>
    /// Credential, signature (over LeafNodeTBS with <paramref name="groupId"/> and <paramref name="leafIndex"/> for the
    /// update and commit sources), suite and version in the capabilities, extensions and credential type listed in
    /// the capabilities, lifetime (key_package source) when <paramref name="lifetimeCheck"/> is given.
    /// </summary>
    public static void ValidateStandalone(LeafNode leaf, CipherSuite suite, ReadOnlySpan<byte> groupId, LeafIndex leafIndex, LifetimeCheck? lifetimeCheck, ICredentialValidator credentialValidator)
    {
        if (leaf.EncryptionKey.Length != CipherSuite.HpkePublicKeySize || leaf.SignatureKey.Length != CipherSuite.SignaturePublicKeySize)
        {
            throw new MlsException(MlsError.InvalidLeafNode, "A leaf node key has the wrong size.");
        }

        if (!leaf.VerifySignature(groupId, leafIndex))
        {
            throw new MlsException(MlsError.InvalidSignature, "A leaf node signature does not verify.");
        }

        if (!credentialValidator.IsValid(leaf.Credential, leaf.SignatureKey))
        {
            throw new MlsException(MlsError.InvalidCredential, "A leaf node credential was refused.");
        }

        var capabilities = leaf.Capabilities;
        if (!Codecs.Contains(capabilities.CipherSuites, suite.Id) || !Codecs.Contains(capabilities.Versions, (ushort)ProtocolVersion.Mls10))
        {
            throw new MlsException(MlsError.UnsupportedCapability, "A leaf node does not support the group's cipher suite or version.");
        }

        if (!capabilities.SupportsCredential(leaf.Credential.Type))
        {
            throw new MlsException(MlsError.UnsupportedCapability, "A leaf node's credential type is not in its capabilities.");
        }

        foreach (var extension in leaf.Extensions)
        {
            if (!capabilities.SupportsExtension(extension.Type))
            {
                throw new MlsException(MlsError.UnsupportedCapability, "A leaf node carries an extension missing from its capabilities.");
            }
        }

        if (lifetimeCheck is { } check && leaf.Source == LeafNodeSource.KeyPackage)
        {
            var lifetime = leaf.Lifetime!.Value;
            if (lifetime.NotAfter < lifetime.NotBefore
                || (check.MaxLifetime is { } max && lifetime.NotAfter - lifetime.NotBefore > (ulong)max.TotalSeconds)
                || !lifetime.Covers(check.Now))
            {
                throw new MlsException(MlsError.LifetimeExpired, "A leaf node's lifetime does not cover the current time.");
            }
        }
    }

    /// <summary>
    /// Checks against the group: required_capabilities, the credential type supported by every member and every
    /// member's credential type supported by this leaf, and unique encryption and signature keys.
    /// <paramref name="replacing"/> is the leaf this node replaces (excluded from the uniqueness check of its own
    /// signature key).
    /// </summary>
    public static void ValidateInGroup(LeafNode leaf, RatchetTree tree, IReadOnlyList<Extension> groupExtensions, LeafIndex? replacing)
    {
        ValidateRequiredCapabilities(leaf.Capabilities, groupExtensions);
        var summary = tree.Credentials();
        bool compatible = summary.AllSupport(leaf.Credential.Type) && summary.InUse.All(t => Codecs.Contains(leaf.Capabilities.Credentials, t));
        foreach (var (index, member) in compatible ? [] : tree.Members())
        {
            if (replacing == index)
            {
                continue;
            }

            if (!member.Capabilities.SupportsCredential(leaf.Credential.Type) || !leaf.Capabilities.SupportsCredential(member.Credential.Type))
            {
                throw new MlsException(MlsError.UnsupportedCapability, "Credential types are not supported across the group.");
            }
        }

        if (tree.ContainsEncryptionKey(leaf.EncryptionKey))
        {
            throw new MlsException(MlsError.DuplicateEncryptionKey, "A leaf node's encryption key is already in the tree.");
        }

        if (tree.ContainsSignatureKey(leaf.SignatureKey)
            && !(replacing is { } r && tree.GetLeaf(r) is { } old && old.SignatureKey.AsSpan().SequenceEqual(leaf.SignatureKey)))
        {
            throw new MlsException(MlsError.DuplicateSignatureKey, "A leaf node's signature key is already in the tree.");
        }
    }

    public static void ValidateRequiredCapabilities(Capabilities capabilities, IReadOnlyList<Extension> groupExtensions)
    {
        if (Extension.Find(groupExtensions, ExtensionType.RequiredCapabilities) is not { } ext)
        {
            return;
        }

        var required = RequiredCapabilities.Parse(ext.Data);
        if (required.ExtensionTypes.Any(t => !capabilities.SupportsExtension(t))
            || required.ProposalTypes.Any(t => !capabilities.SupportsProposal(t))
            || required.CredentialTypes.Any(t => !Codecs.Contains(capabilities.Credentials, t)))
        {
            throw new MlsException(MlsError.UnsupportedCapability, "A leaf node lacks a capability the group requires.");
        }
    }
}
