using System.Text.Json.Serialization;

namespace Sotto.Wire;

/// <summary>
/// Every error response: an RFC 7807 problem document (<c>application/problem+json</c>) with Sotto's stable
/// <see cref="Code"/> (see <see cref="ProblemCodes"/>) and, for 409/410 on send, the device lists.
/// </summary>
public sealed record Problem
{
    public string? Type { get; init; }

    public string? Title { get; init; }

    public int? Status { get; init; }

    public string? Detail { get; init; }

    public string? Instance { get; init; }

    public string? Code { get; init; }

    /// <summary>409 <c>mismatched_devices</c>: devices of the destination the send did not cover.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<uint>? MissingDevices { get; init; }

    /// <summary>409 <c>mismatched_devices</c>: devices the send covered that the destination does not have.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<uint>? ExtraDevices { get; init; }

    /// <summary>410 <c>stale_devices</c>: devices whose registration id changed; fetch their bundles again.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<uint>? StaleDevices { get; init; }
}
