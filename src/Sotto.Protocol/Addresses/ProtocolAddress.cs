namespace Sotto.Protocol;

/// <summary>A device number within an account: 1 to 127 (libsignal <c>DeviceId</c>).</summary>
public readonly record struct DeviceId
{
    /// <summary>The largest device id libsignal accepts.</summary>
    public const uint MaxValue = 127;

    public DeviceId(uint value)
    {
        if (value is 0 or > MaxValue)
        {
            ThrowHelper.ThrowArgument(nameof(value), $"Device ids are 1 to {MaxValue}, not {value}.");
        }

        Value = value;
    }

    public uint Value { get; }

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One device of one account: the name (for Signal compatibility a ServiceId string, an ACI UUID or
/// <c>PNI:</c>UUID) and the device id (libsignal <c>ProtocolAddress</c>). Sessions are kept per address.
/// </summary>
/// <remarks>
/// When both addresses of a conversation are ServiceIds, PreKey messages carry them in the authenticated
/// <c>addresses</c> field, and a receiver rejects a message meant for another pair.
/// </remarks>
public readonly record struct ProtocolAddress
{
    public ProtocolAddress(string name, DeviceId deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (deviceId.Value == 0)
        {
            ThrowHelper.ThrowArgument(nameof(deviceId), "The device id is unset.");
        }

        Name = name;
        DeviceId = deviceId;
    }

    public ProtocolAddress(string name, uint deviceId)
        : this(name, new DeviceId(deviceId))
    {
    }

    public string Name { get; }

    public DeviceId DeviceId { get; }

    /// <summary><c>name.device</c>, as libsignal prints it. Contains the name: do not log it.</summary>
    public override string ToString() => $"{Name}.{DeviceId}";
}
