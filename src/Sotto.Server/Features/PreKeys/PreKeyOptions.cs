using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.PreKeys;

/// <summary>Configuration section <c>PreKeys</c>.</summary>
public sealed class PreKeyOptions
{
    public const string Section = "PreKeys";

    /// <summary>At most this many one-time keys of each kind in one upload (Signal-Server: 100).</summary>
    [Range(1, 1000)]
    public int MaxOneTimeKeysPerUpload { get; set; } = 100;
}
