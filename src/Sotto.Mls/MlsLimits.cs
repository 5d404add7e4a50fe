namespace Sotto.Mls;

/// <summary>
/// Every limit the MLS core enforces on peer input or keeps on its own state, in one place (libsignal
/// <c>consts.rs</c>).
/// </summary>
public static class MlsLimits
{
    /// <summary>Largest MLSMessage the decoder accepts (a Welcome or commit for a large group stays far below).</summary>
    public const int MaxMessageSize = 16 * 1024 * 1024;

    /// <summary>Largest number of leaves a ratchet tree may have (2^20 leaves, 2^21 − 1 nodes).</summary>
    public const uint MaxLeaves = 1u << 20;

    /// <summary>Largest group id.</summary>
    public const int MaxGroupIdSize = 256;

    /// <summary>How far a receiver ratchets forward within one sender's chain to reach a message's generation.</summary>
    public const uint MaxForwardRatchet = 1024;

    /// <summary>How many skipped keys of one sender's chain are retained for out-of-order messages.</summary>
    public const int MaxSkippedKeysPerSender = 256;

    /// <summary>Default number of past epochs whose message keys are kept for late application messages.</summary>
    public const int DefaultPastEpochs = 3;

    /// <summary>Upper bound for <see cref="Groups.MlsGroupOptions.PastEpochs"/>.</summary>
    public const int MaxPastEpochs = 64;

    /// <summary>Longest KeyPackage lifetime (not_after − not_before) accepted: RFC 9420 §7.2 asks for an application limit.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90) + TimeSpan.FromHours(1);

    /// <summary>Default lifetime of KeyPackages this library creates.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);

    /// <summary>Largest exporter output (HKDF-SHA256 limit).</summary>
    public const int MaxExportLength = 255 * 32;
}
