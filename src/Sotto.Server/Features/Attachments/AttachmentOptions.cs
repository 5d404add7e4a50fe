using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.Attachments;

/// <summary>Configuration section <c>Attachments</c>: encrypted attachment blobs (DESIGN.md §3, §4, §5).</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Attachments";

    /// <summary>Largest blob, in bytes (DESIGN.md §4: 100 MiB). Larger declared uploads get 413 before any byte is read.</summary>
    [Range(typeof(long), "1", "4294967296")]
    public long MaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Longest a blob is kept (DESIGN.md §5: at most 14 days); also the default when an upload names none.</summary>
    [Range(1, 14 * 24 * 3600)]
    public int MaxTtlSeconds { get; set; } = 14 * 24 * 3600;

    /// <summary>How often blobs past their deadline are deleted.</summary>
    [Range(1, 3600)]
    public int SweepIntervalSeconds { get; set; } = 60;
}
