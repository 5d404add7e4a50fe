using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.Messages;

/// <summary>Configuration section <c>Messages</c>: sending, queueing and the delivery WebSocket.</summary>
public sealed class MessageOptions
{
    public const string Section = "Messages";

    /// <summary>Largest ciphertext of one envelope, in bytes (DESIGN.md §4: 256 KiB).</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxEnvelopeBytes { get; set; } = 256 * 1024;

    /// <summary>Longest an undelivered envelope is kept (DESIGN.md §5: at most 14 days); also the default TTL.</summary>
    [Range(1, 14 * 24 * 3600)]
    public int MaxTtlSeconds { get; set; } = 14 * 24 * 3600;

    /// <summary>How often envelopes past their deadline and expired link requests are purged.</summary>
    [Range(1, 3600)]
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>Envelopes pushed on a WebSocket and not yet acknowledged, at most.</summary>
    [Range(1, 10_000)]
    public int MaxUnacknowledged { get; set; } = 256;

    /// <summary>WebSocket keep-alive ping interval; a peer that does not answer within twice this is dropped.</summary>
    [Range(1, 600)]
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>Largest client frame accepted on the WebSocket, in bytes (an ack of 100 ids is about 3.9 KB).</summary>
    [Range(64, 1024 * 1024)]
    public int MaxClientFrameBytes { get; set; } = 16 * 1024;

    /// <summary>The body limit of a send: every envelope at its maximum, base64-encoded, plus JSON overhead.</summary>
    public long MaxSendBodyBytes(int maxDevices) => (((long)MaxEnvelopeBytes + 2) / 3 * 4 + 256) * maxDevices + 4096;
}
