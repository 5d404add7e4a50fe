using Microsoft.Data.Sqlite;

namespace Sotto.Server.Storage.Sqlite;

internal sealed class SqliteAccountStore(SqliteDatabase database) : IAccountStore
{
    private const string AccountColumns = "id, username, identity_key, created";
    private const string DeviceColumns = "account_id, device_id, registration_id, name, password_salt, password_hash, created";

    public ValueTask<bool> TryCreateAsync(Account account, NewDevice firstDevice, PreKeyUpdate keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(firstDevice);
        ArgumentNullException.ThrowIfNull(keys);
        return database.WriteAsync(session =>
        {
            var taken = session.Scalar(
                "SELECT 1 FROM accounts WHERE username = $username OR id = $id;",
                ("$username", account.Username), ("$id", Sql.Id(account.Id)));
            if (taken is not null)
            {
                return false;
            }

            session.Execute(
                "INSERT INTO accounts (id, username, identity_key, created) VALUES ($id, $username, $identity, $created);",
                ("$id", Sql.Id(account.Id)), ("$username", account.Username), ("$identity", account.IdentityKey), ("$created", Sql.Time(account.Created)));
            var address = new DeviceAddress(account.Id, 1);
            InsertDevice(session, address, firstDevice);
            KeyRows.Apply(session, address, keys);
            return true;
        }, cancellationToken);
    }

    // Reads go through the database's AccountDirectory (see there): every message authenticates its sender and looks
    // up its destination, and neither should cost a SQLite query once the account is known.

    public async ValueTask<Account?> FindAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        (database.KnownAccounts.Find(accountId) ?? await LoadAsync(null, accountId, cancellationToken).ConfigureAwait(false))?.Account;

    public async ValueTask<Account?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(username);
        return (database.KnownAccounts.Find(username) ?? await LoadAsync(username, default, cancellationToken).ConfigureAwait(false))?.Account;
    }

    public async ValueTask<AccountDevice?> FindDeviceAsync(string username, uint deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(username);
        var entry = database.KnownAccounts.Find(username) ?? await LoadAsync(username, default, cancellationToken).ConfigureAwait(false);
        return entry?.Device(deviceId) is { } device ? new AccountDevice(entry.Account, device) : null;
    }

    public async ValueTask<IReadOnlyList<Device>> GetDevicesAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        (database.KnownAccounts.Find(accountId) ?? await LoadAsync(null, accountId, cancellationToken).ConfigureAwait(false))?.Devices ?? [];

    public async ValueTask<bool> RemoveDeviceAsync(DeviceAddress device, CancellationToken cancellationToken = default)
    {
        bool removed = await database.WriteAsync(session => session.Execute(
            "DELETE FROM devices WHERE account_id = $account AND device_id = $device;",
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId)) == 1,
            cancellationToken).ConfigureAwait(false);
        database.KnownAccounts.Invalidate();
        return removed;
    }

    /// <summary>Reads an account (by username or id) with its devices and remembers it; null when it does not exist.</summary>
    private ValueTask<AccountDirectory.Entry?> LoadAsync(string? username, Guid accountId, CancellationToken cancellationToken)
    {
        long generation = database.KnownAccounts.Generation;
        return database.ReadAsync(session =>
        {
            Account? account;
            using (var reader = username is not null
                ? session.Query($"SELECT {AccountColumns} FROM accounts WHERE username = $username;", ("$username", username))
                : session.Query($"SELECT {AccountColumns} FROM accounts WHERE id = $id;", ("$id", Sql.Id(accountId))))
            {
                account = reader.Read() ? ReadAccount(reader, 0) : null;
            }

            if (account is null)
            {
                return null;
            }

            var devices = new List<Device>();
            using (var reader = session.Query(
                $"SELECT {DeviceColumns} FROM devices WHERE account_id = $account ORDER BY device_id;", ("$account", Sql.Id(account.Id))))
            {
                while (reader.Read())
                {
                    devices.Add(ReadDevice(reader, 0));
                }
            }

            var entry = new AccountDirectory.Entry(generation, account, devices);
            database.KnownAccounts.Remember(entry);
            return entry;
        }, cancellationToken);
    }

    public async ValueTask<bool> ReRegisterAsync(DeviceAddress keep, byte[] identityKey, int registrationId, PreKeyUpdate keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identityKey);
        ArgumentNullException.ThrowIfNull(keys);
        bool done = await database.WriteAsync(session =>
        {
            var account = Sql.Id(keep.AccountId);
            long device = keep.DeviceId;
            if (session.Scalar("SELECT 1 FROM devices WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", device)) is null)
            {
                return false;
            }

            session.Execute("UPDATE accounts SET identity_key = $identity WHERE id = $account;", ("$identity", identityKey), ("$account", account));
            session.Execute("DELETE FROM devices WHERE account_id = $account AND device_id <> $device;", ("$account", account), ("$device", device));
            session.Execute("DELETE FROM envelopes WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", device));
            KeyRows.DeleteAll(session, keep);
            session.Execute("DELETE FROM link_requests WHERE account_id = $account;", ("$account", account));
            session.Execute(
                "UPDATE devices SET registration_id = $registration WHERE account_id = $account AND device_id = $device;",
                ("$registration", (long)registrationId), ("$account", account), ("$device", device));
            KeyRows.Apply(session, keep, keys);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        database.KnownAccounts.Invalidate();
        return done;
    }

    public async ValueTask<bool> DeleteAsync(Guid accountId, CancellationToken cancellationToken = default)
    {
        bool deleted = await database.WriteAsync(session =>
        {
            session.Execute("DELETE FROM link_requests WHERE account_id = $account;", ("$account", Sql.Id(accountId)));
            return session.Execute("DELETE FROM accounts WHERE id = $account;", ("$account", Sql.Id(accountId))) == 1;
        }, cancellationToken).ConfigureAwait(false);
        database.KnownAccounts.Invalidate();
        return deleted;
    }

    internal static void InsertDevice(SqliteSession session, DeviceAddress address, NewDevice device) =>
        session.Execute(
            """
            INSERT INTO devices (account_id, device_id, registration_id, name, password_salt, password_hash, created)
            VALUES ($account, $device, $registration, $name, $salt, $hash, $created);
            """,
            ("$account", Sql.Id(address.AccountId)), ("$device", (long)address.DeviceId), ("$registration", (long)device.RegistrationId),
            ("$name", device.Name), ("$salt", device.Password.Salt), ("$hash", device.Password.Hash), ("$created", Sql.Time(device.Created)));

    private static Account ReadAccount(SqliteDataReader reader, int at) =>
        new(Sql.Id(reader, at), reader.GetString(at + 1), Sql.Blob(reader, at + 2), Sql.Time(reader, at + 3));

    private static Device ReadDevice(SqliteDataReader reader, int at) =>
        new(
            new DeviceAddress(Sql.Id(reader, at), Sql.UInt(reader, at + 1)),
            checked((int)reader.GetInt64(at + 2)),
            Sql.NullableBlob(reader, at + 3),
            new PasswordHash(Sql.Blob(reader, at + 4), Sql.Blob(reader, at + 5)),
            Sql.Time(reader, at + 6));
}
