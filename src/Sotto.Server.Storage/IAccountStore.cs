namespace Sotto.Server.Storage;

/// <summary>
/// Accounts and their devices. Usernames are unique; device ids are unique within an account, start at 1 and the
/// lowest free id ≥ 2 is reused for a linked device. Removing a device or an account removes everything it owns
/// (prekeys, queued envelopes) in the same transaction.
/// </summary>
public interface IAccountStore
{
    /// <summary>
    /// Creates an account with device 1 and that device's first prekeys, atomically.
    /// Returns false, changing nothing, when the username or account id is taken.
    /// </summary>
    ValueTask<bool> TryCreateAsync(Account account, NewDevice firstDevice, PreKeyUpdate keys, CancellationToken cancellationToken = default);

    ValueTask<Account?> FindAsync(Guid accountId, CancellationToken cancellationToken = default);

    ValueTask<Account?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>The account and device for authentication, or null when either does not exist.</summary>
    ValueTask<AccountDevice?> FindDeviceAsync(string username, uint deviceId, CancellationToken cancellationToken = default);

    /// <summary>The account's devices ordered by id (empty when the account does not exist).</summary>
    ValueTask<IReadOnlyList<Device>> GetDevicesAsync(Guid accountId, CancellationToken cancellationToken = default);

    /// <summary>Removes a device with its prekeys and queued envelopes. False when it did not exist.</summary>
    ValueTask<bool> RemoveDeviceAsync(DeviceAddress device, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-registration: sets a new identity key, removes every device except <paramref name="keep"/>, deletes every
    /// prekey and queued envelope of the account, and gives <paramref name="keep"/> the registration id and keys
    /// given. Atomic. False when the device does not exist.
    /// </summary>
    ValueTask<bool> ReRegisterAsync(DeviceAddress keep, byte[] identityKey, int registrationId, PreKeyUpdate keys, CancellationToken cancellationToken = default);

    /// <summary>Deletes the account and everything it owns; the username becomes free. False when it did not exist.</summary>
    ValueTask<bool> DeleteAsync(Guid accountId, CancellationToken cancellationToken = default);
}
