using System.Security.Cryptography;
using Sotto.Mls.Codec;
using Sotto.Mls.Messages;

namespace Sotto.Mls.KeySchedule;

/// <summary>
/// The MLS key schedule (RFC 9420 §8):
/// <code>
///                     init_secret_[n-1]
///                           |
///     commit_secret --> KDF.Extract
///                           |
///                   ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
///                           |
///                      joiner_secret
///                           |
/// psk_secret (or 0) --> KDF.Extract
///                           |
///                           +--> DeriveSecret(., "welcome") = welcome_secret
///                           |
///                   ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
///                           |
///                      epoch_secret
///                           |
///                           +--> DeriveSecret(., label) = sender_data_secret, encryption_secret,
///                           |    exporter_secret, external_secret, confirmation_key, membership_key,
///                           |    resumption_psk, epoch_authenticator
///                           |
///                   DeriveSecret(., "init") = init_secret_[n]
/// </code>
/// A new member starts from the joiner secret (Welcome); an external joiner from an init secret exported from
/// HPKE (§8.3).
/// </summary>
public static class KeyScheduler
{
    /// <summary>joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret), "joiner", GroupContext, Nh).</summary>
    public static JoinerSecret DeriveJoinerSecret(InitSecret initSecret, CommitSecret commitSecret, ReadOnlySpan<byte> groupContext)
    {
        ArgumentNullException.ThrowIfNull(initSecret);
        ArgumentNullException.ThrowIfNull(commitSecret);
        Span<byte> prk = stackalloc byte[CipherSuite.HashSize];
        Span<byte> joiner = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.Extract(initSecret.Bytes, commitSecret.Bytes, prk);
        CipherSuite.ExpandWithLabel(prk, "joiner"u8, groupContext, joiner);
        var result = new JoinerSecret(joiner);
        CryptographicOperations.ZeroMemory(prk);
        CryptographicOperations.ZeroMemory(joiner);
        return result;
    }

    /// <summary>Derives the welcome secret and all epoch secrets from the joiner secret.</summary>
    public static EpochSecrets DeriveEpochSecrets(JoinerSecret joinerSecret, PskSecret? pskSecret, ReadOnlySpan<byte> groupContext)
    {
        ArgumentNullException.ThrowIfNull(joinerSecret);
        Span<byte> member = stackalloc byte[CipherSuite.HashSize];
        Span<byte> zero = stackalloc byte[CipherSuite.HashSize];
        zero.Clear();
        CipherSuite.Extract(joinerSecret.Bytes, pskSecret is null ? zero : pskSecret.Bytes, member);
        Span<byte> buffer = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.DeriveSecret(member, "welcome"u8, buffer);
        var welcome = new WelcomeSecret(buffer);
        CipherSuite.ExpandWithLabel(member, "epoch"u8, groupContext, buffer);
        CryptographicOperations.ZeroMemory(member);
        var epoch = new EpochSecret(buffer);
        CryptographicOperations.ZeroMemory(buffer);
        return EpochSecrets.Derive(welcome, epoch);
    }

    /// <summary>welcome_secret alone (to decrypt a Welcome's GroupInfo before the GroupContext is known).</summary>
    public static WelcomeSecret DeriveWelcomeSecret(JoinerSecret joinerSecret, PskSecret? pskSecret)
    {
        ArgumentNullException.ThrowIfNull(joinerSecret);
        Span<byte> member = stackalloc byte[CipherSuite.HashSize];
        Span<byte> zero = stackalloc byte[CipherSuite.HashSize];
        zero.Clear();
        CipherSuite.Extract(joinerSecret.Bytes, pskSecret is null ? zero : pskSecret.Bytes, member);
        Span<byte> welcome = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.DeriveSecret(member, "welcome"u8, welcome);
        CryptographicOperations.ZeroMemory(member);
        var result = new WelcomeSecret(welcome);
        CryptographicOperations.ZeroMemory(welcome);
        return result;
    }

    /// <summary>welcome_key and welcome_nonce (§12.4.3.1).</summary>
    internal static (byte[] Key, byte[] Nonce) WelcomeKeyAndNonce(CipherSuite suite, WelcomeSecret secret) =>
        (CipherSuite.ExpandWithLabel(secret.Bytes, "key"u8, [], suite.AeadKeySize),
         CipherSuite.ExpandWithLabel(secret.Bytes, "nonce"u8, [], CipherSuite.NonceSize));

    /// <summary>
    /// psk_secret (§8.4): for each PSK i of n,
    /// <c>psk_input = ExpandWithLabel(Extract(0, psk), "derived psk", PSKLabel{id, i, n}, Nh)</c>,
    /// <c>psk_secret_[i+1] = Extract(psk_input, psk_secret_[i])</c>, starting from zeros.
    /// </summary>
    public static PskSecret DerivePskSecret(IReadOnlyList<(PreSharedKeyId Id, byte[] Psk)> psks)
    {
        ArgumentNullException.ThrowIfNull(psks);
        Span<byte> secret = stackalloc byte[CipherSuite.HashSize];
        secret.Clear();
        Span<byte> zero = stackalloc byte[CipherSuite.HashSize];
        zero.Clear();
        Span<byte> extracted = stackalloc byte[CipherSuite.HashSize];
        Span<byte> input = stackalloc byte[CipherSuite.HashSize];
        Span<byte> next = stackalloc byte[CipherSuite.HashSize];
        for (int i = 0; i < psks.Count; i++)
        {
            CipherSuite.Extract(zero, psks[i].Psk, extracted);
            var w = new TlsWriter(128);
            psks[i].Id.Write(w);
            w.WriteUInt16(checked((ushort)i));
            w.WriteUInt16(checked((ushort)psks.Count));
            CipherSuite.ExpandWithLabel(extracted, "derived psk"u8, w.Written, input);
            CipherSuite.Extract(input, secret, next);
            next.CopyTo(secret);
        }

        var result = new PskSecret(secret);
        CryptographicOperations.ZeroMemory(secret);
        CryptographicOperations.ZeroMemory(extracted);
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(next);
        return result;
    }

    /// <summary>The external init secret (§8.3): the HPKE export "MLS 1.0 external init secret" of length Nh.</summary>
    internal static InitSecret ExternalInitFromContext(Sotto.Crypto.HpkeContext context)
    {
        Span<byte> value = stackalloc byte[CipherSuite.HashSize];
        context.Export("MLS 1.0 external init secret"u8, value);
        var result = new InitSecret(value);
        CryptographicOperations.ZeroMemory(value);
        return result;
    }
}

/// <summary>
/// The secrets of one epoch, derived from its epoch secret (§8 table "Epoch-Derived Secrets"). Owns all of them.
/// </summary>
public sealed class EpochSecrets : IDisposable
{
    private EpochSecrets()
    {
    }

    public required WelcomeSecret WelcomeSecret { get; init; }

    public required EpochSecret EpochSecret { get; init; }

    public required SenderDataSecret SenderDataSecret { get; init; }

    public required EncryptionSecret EncryptionSecret { get; init; }

    public required ExporterSecret ExporterSecret { get; init; }

    public required byte[] EpochAuthenticator { get; init; }

    public required ExternalSecret ExternalSecret { get; init; }

    public required ConfirmationKey ConfirmationKey { get; init; }

    public required MembershipKey MembershipKey { get; init; }

    public required ResumptionPsk ResumptionPsk { get; init; }

    public required InitSecret InitSecret { get; init; }

    internal static EpochSecrets Derive(WelcomeSecret welcome, EpochSecret epoch)
    {
        var e = epoch.Bytes.ToArray();
        try
        {
            return new EpochSecrets
            {
                WelcomeSecret = welcome,
                EpochSecret = epoch,
                SenderDataSecret = new SenderDataSecret(CipherSuite.DeriveSecret(e, "sender data"u8)),
                EncryptionSecret = new EncryptionSecret(CipherSuite.DeriveSecret(e, "encryption"u8)),
                ExporterSecret = new ExporterSecret(CipherSuite.DeriveSecret(e, "exporter"u8)),
                EpochAuthenticator = CipherSuite.DeriveSecret(e, "authentication"u8),
                ExternalSecret = new ExternalSecret(CipherSuite.DeriveSecret(e, "external"u8)),
                ConfirmationKey = new ConfirmationKey(CipherSuite.DeriveSecret(e, "confirm"u8)),
                MembershipKey = new MembershipKey(CipherSuite.DeriveSecret(e, "membership"u8)),
                ResumptionPsk = new ResumptionPsk(CipherSuite.DeriveSecret(e, "resumption"u8)),
                InitSecret = new InitSecret(CipherSuite.DeriveSecret(e, "init"u8)),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(e);
        }
    }

    /// <summary>external_priv, external_pub = KEM.DeriveKeyPair(external_secret).</summary>
    public HpkeKeyPair ExternalKeyPair(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.DeriveKeyPair(ExternalSecret.Bytes);
    }

    public void Dispose()
    {
        WelcomeSecret.Dispose();
        EpochSecret.Dispose();
        SenderDataSecret.Dispose();
        EncryptionSecret.Dispose();
        ExporterSecret.Dispose();
        ExternalSecret.Dispose();
        ConfirmationKey.Dispose();
        MembershipKey.Dispose();
        ResumptionPsk.Dispose();
        InitSecret.Dispose();
    }
}
