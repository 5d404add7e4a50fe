using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.RateLimiting;

/// <summary>
/// Configuration section <c>RateLimits</c>. Every limit is a fixed window: at most <see cref="RateLimit.PermitLimit"/>
/// requests per <see cref="RateLimit.WindowSeconds"/>; a request over the limit gets 429 with <c>Retry-After</c>.
/// Per-IP limits key on the TCP peer address (put the server behind a proxy only with that in mind).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Off only for load tests on a closed network.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every request, per client IP (unauthenticated) or per account (authenticated).</summary>
    [Required]
    public RateLimit Global { get; set; } = new() { PermitLimit = 3000, WindowSeconds = 60 };

    /// <summary>Registration and re-registration, per client IP.</summary>
    [Required]
    public RateLimit Registration { get; set; } = new() { PermitLimit = 10, WindowSeconds = 3600 };

    /// <summary>Link requests, approvals, waits and completions, per client IP.</summary>
    [Required]
    public RateLimit Linking { get; set; } = new() { PermitLimit = 60, WindowSeconds = 600 };

    /// <summary>Prekey bundle fetches (which consume one-time keys), per account.</summary>
    [Required]
    public RateLimit KeyFetch { get; set; } = new() { PermitLimit = 300, WindowSeconds = 60 };

    /// <summary>Sends, per account, over REST and the WebSocket together (<see cref="SendRateLimiter"/>).</summary>
    [Required]
    public RateLimit Messages { get; set; } = new() { PermitLimit = 1200, WindowSeconds = 60 };

    /// <summary>Attachment uploads and deletions, per account (downloads count only against <see cref="Global"/>).</summary>
    [Required]
    public RateLimit Attachments { get; set; } = new() { PermitLimit = 120, WindowSeconds = 60 };
}

public sealed class RateLimit
{
    [Range(1, 100_000_000)]
    public int PermitLimit { get; set; }

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; }
}

/// <summary>Endpoint policy names (<c>RequireRateLimiting</c>).</summary>
internal static class RateLimitPolicies
{
    public const string Registration = "registration";
    public const string Linking = "linking";
    public const string KeyFetch = "key-fetch";
    public const string Attachments = "attachments";
}
