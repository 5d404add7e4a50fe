using System.ComponentModel.DataAnnotations;

namespace Sotto.Server.Features.Devices;

/// <summary>Configuration section <c>Devices</c>.</summary>
public sealed class DeviceOptions
{
    public const string Section = "Devices";

    /// <summary>Devices per account, device 1 included (DESIGN.md §1: 6). libsignal device ids stop at 127.</summary>
    [Range(1, 127)]
    public int MaxDevices { get; set; } = 6;

    /// <summary>How long a link code stays valid.</summary>
    [Range(30, 86_400)]
    public int LinkCodeLifetimeSeconds { get; set; } = 600;

    /// <summary>Largest provisioning message an approving device may attach, in bytes.</summary>
    [Range(1, 1024 * 1024)]
    public int MaxProvisioningMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Longest a new device may wait for approval in one request.</summary>
    [Range(0, 300)]
    public int MaxLinkWaitSeconds { get; set; } = 60;
}
