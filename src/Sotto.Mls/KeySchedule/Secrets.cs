using Sotto.Crypto;

namespace Sotto.Mls.KeySchedule;

/// <summary>
/// Base of the typed secrets of the key schedule (openmls <c>schedule/mod.rs</c>): each secret has its own sealed
/// type so that one cannot be passed where another is expected, owns its bytes and zeroes them when disposed.
/// Nothing here ever appears in an exception message or a log.
/// </summary>
public abstract class MlsSecret : IDisposable
{
    private readonly SecretBytes _bytes;

    private protected MlsSecret(ReadOnlySpan<byte> value)
    {
        _bytes = new SecretBytes(value);
    }

    internal ReadOnlySpan<byte> Bytes => _bytes.Span;

    /// <summary>A copy of the secret's bytes, for storage or tests; the caller owns it.</summary>
    public byte[] Export() => _bytes.Span.ToArray();

    public void Dispose()
    {
        _bytes.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary><c>init_secret_[n]</c>: carries the key schedule from one epoch to the next.</summary>
public sealed class InitSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>commit_secret</c>: from the UpdatePath (or all zeros without one).</summary>
public sealed class CommitSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>joiner_secret</c>: what a Welcome hands to new members.</summary>
public sealed class JoinerSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>psk_secret</c>: the chained PSKs of an epoch (§8.4), all zeros without PSKs.</summary>
public sealed class PskSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>welcome_secret</c>: keys the encrypted GroupInfo of a Welcome.</summary>
public sealed class WelcomeSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>epoch_secret</c>: the root of the epoch's derived secrets.</summary>
public sealed class EpochSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>sender_data_secret</c>.</summary>
public sealed class SenderDataSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>encryption_secret</c>: the root of the secret tree.</summary>
public sealed class EncryptionSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>exporter_secret</c>: feeds MLS-Exporter.</summary>
public sealed class ExporterSecret(ReadOnlySpan<byte> value) : MlsSecret(value)
{
    /// <summary>MLS-Exporter(label, context, length) = ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported", Hash(context), length).</summary>
    public byte[] Export(ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, int length)
    {
        if (length is < 1 or > MlsLimits.MaxExportLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        Span<byte> derived = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.DeriveSecret(Bytes, label, derived);
        Span<byte> contextHash = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.Hash(context, contextHash);
        var output = CipherSuite.ExpandWithLabel(derived, "exported"u8, contextHash, length);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(derived);
        return output;
    }
}

/// <summary><c>external_secret</c>: derives the external key pair (§8).</summary>
public sealed class ExternalSecret(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>confirmation_key</c>: MACs the confirmed transcript hash.</summary>
public sealed class ConfirmationKey(ReadOnlySpan<byte> value) : MlsSecret(value)
{
    public byte[] Tag(ReadOnlySpan<byte> confirmedTranscriptHash) => CipherSuite.Mac(Bytes, confirmedTranscriptHash);

    public bool Verify(ReadOnlySpan<byte> confirmedTranscriptHash, ReadOnlySpan<byte> tag) =>
        CipherSuite.VerifyMac(Bytes, confirmedTranscriptHash, tag);
}

/// <summary><c>membership_key</c>: MACs PublicMessages from members.</summary>
public sealed class MembershipKey(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>resumption_psk</c>: a PSK proving membership in this epoch.</summary>
public sealed class ResumptionPsk(ReadOnlySpan<byte> value) : MlsSecret(value);

/// <summary><c>path_secret</c>: one node's secret on an UpdatePath (§7.4).</summary>
public sealed class PathSecret(ReadOnlySpan<byte> value) : MlsSecret(value)
{
    /// <summary>path_secret[n+1] = DeriveSecret(path_secret[n], "path").</summary>
    public PathSecret Next()
    {
        Span<byte> next = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.DeriveSecret(Bytes, "path"u8, next);
        var result = new PathSecret(next);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(next);
        return result;
    }

    /// <summary>node_priv, node_pub = KEM.DeriveKeyPair(DeriveSecret(path_secret, "node")).</summary>
    public HpkeKeyPair DeriveKeyPair(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        Span<byte> node = stackalloc byte[CipherSuite.HashSize];
        CipherSuite.DeriveSecret(Bytes, "node"u8, node);
        var pair = suite.DeriveKeyPair(node);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(node);
        return pair;
    }

    internal CommitSecret ToCommitSecret() => new(Bytes);
}
