using Sotto.Mls.Messages;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

/// <summary>How a member runs its groups. Immutable after construction; one instance may serve many groups.</summary>
public sealed record MlsGroupOptions
{
    /// <summary>The clock for lifetime checks (injected; tests use a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The authentication service hook applied to every credential the group accepts.</summary>
    public ICredentialValidator CredentialValidator { get; init; } = BasicCredentialValidator.Instance;

    /// <summary>Send handshake messages (proposals, commits) as PrivateMessage instead of PublicMessage.</summary>
    public bool HandshakeAsPrivateMessage { get; init; }

    /// <summary>Past epochs whose message keys are kept so that late application messages still decrypt.</summary>
    public int PastEpochs { get; init; } = MlsLimits.DefaultPastEpochs;

    /// <summary>PrivateMessage content is padded with zeros to a multiple of this many bytes (0: no padding).</summary>
    public int PaddingBlockSize { get; init; } = 32;

    /// <summary>
    /// The longest total KeyPackage lifetime (not_after − not_before) accepted, the application limit RFC 9420 §7.2
    /// asks for; null accepts any (ts-mls, for one, issues KeyPackages valid from 1970 to 2^63 − 1 seconds).
    /// </summary>
    public TimeSpan? MaxLeafLifetime { get; init; } = MlsLimits.MaxLifetime;

    /// <summary>Check the lifetime of LeafNodes received from peers (RFC 9420 §7.3 recommends it).</summary>
    public bool CheckReceivedLifetimes { get; init; } = true;

    /// <summary>Put the ratchet tree into Welcome messages' GroupInfo (else the tree travels beside them).</summary>
    public bool RatchetTreeInWelcome { get; init; } = true;

    /// <summary>External PSKs by id, for PreSharedKey proposals and Welcomes.</summary>
    public IPskStore PskStore { get; init; } = new InMemoryPskStore();

    internal void Validate()
    {
        if (PastEpochs is < 0 or > MlsLimits.MaxPastEpochs)
        {
            throw new ArgumentOutOfRangeException(nameof(PastEpochs));
        }

        if (PaddingBlockSize is < 0 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(PaddingBlockSize));
        }
    }
}

/// <summary>Where a member looks up external pre-shared keys (RFC 9420 §8.4).</summary>
public interface IPskStore
{
    bool TryGet(ReadOnlySpan<byte> pskId, out byte[] psk);
}

/// <summary>A dictionary of external PSKs. Thread-safe.</summary>
public sealed class InMemoryPskStore : IPskStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _psks = new();

    public void Add(ReadOnlySpan<byte> pskId, ReadOnlySpan<byte> psk) => _psks[Convert.ToHexString(pskId)] = psk.ToArray();

    public bool TryGet(ReadOnlySpan<byte> pskId, out byte[] psk)
    {
        if (_psks.TryGetValue(Convert.ToHexString(pskId), out var value))
        {
            psk = value;
            return true;
        }

        psk = [];
        return false;
    }
}

/// <summary>What a commit should contain beyond the proposals received in the epoch.</summary>
public sealed class CommitOptions
{
    /// <summary>Proposals to include by value.</summary>
    public IReadOnlyList<Proposal> Proposals { get; init; } = [];

    /// <summary>Include the proposals received (and sent) in this epoch by reference.</summary>
    public bool IncludePendingProposals { get; init; } = true;

    /// <summary>Include an UpdatePath even when no proposal requires one.</summary>
    public bool ForcePath { get; init; }

    /// <summary>Overrides <see cref="MlsGroupOptions.RatchetTreeInWelcome"/> for this commit.</summary>
    public bool? RatchetTreeInWelcome { get; init; }

    /// <summary>Add an external_pub extension to the returned GroupInfo.</summary>
    public bool ExternalPubInGroupInfo { get; init; } = true;

    /// <summary>Application data bound to the commit (FramedContent.authenticated_data).</summary>
    public byte[] AuthenticatedData { get; init; } = [];
}
