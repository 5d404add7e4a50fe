namespace Sotto.Server.Storage;

/// <summary>
/// Each device's prekeys: one signed EC prekey, one last-resort Kyber prekey, and lists of one-time EC and Kyber
/// prekeys. Taking a bundle consumes one-time keys atomically: no key is ever handed out twice.
/// </summary>
public interface IPreKeyStore
{
    /// <summary>Applies <paramref name="update"/> atomically. False, changing nothing, when the device does not exist.</summary>
    ValueTask<bool> UpdateAsync(DeviceAddress device, PreKeyUpdate update, CancellationToken cancellationToken = default);

    ValueTask<PreKeyCounts> CountAsync(DeviceAddress device, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a bundle for each requested device of the account (one device, or every device when
    /// <paramref name="deviceId"/> is null), consuming one one-time EC prekey and one one-time Kyber prekey per device
    /// where available, in one transaction. Devices without a signed prekey or last-resort key are left out.
    /// </summary>
    ValueTask<IReadOnlyList<PreKeyBundle>> TakeBundlesAsync(Guid accountId, uint? deviceId, CancellationToken cancellationToken = default);
}
