namespace Sotto.Server.Storage.Sqlite;

internal sealed class SqlitePreKeyStore(SqliteDatabase database) : IPreKeyStore
{
    public ValueTask<bool> UpdateAsync(DeviceAddress device, PreKeyUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return database.WriteAsync(session =>
        {
            if (session.Scalar(
                "SELECT 1 FROM devices WHERE account_id = $account AND device_id = $device;",
                ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId)) is null)
            {
                return false;
            }

            KeyRows.Apply(session, device, update);
            return true;
        }, cancellationToken);
    }

    public ValueTask<PreKeyCounts> CountAsync(DeviceAddress device, CancellationToken cancellationToken = default) =>
        database.ReadAsync(session =>
        {
            var account = Sql.Id(device.AccountId);
            long id = device.DeviceId;
            var ec = (long)session.Scalar("SELECT count(*) FROM ec_one_time_prekeys WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", id))!;
            var kyber = (long)session.Scalar("SELECT count(*) FROM kyber_one_time_prekeys WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", id))!;
            return new PreKeyCounts(checked((int)ec), checked((int)kyber));
        }, cancellationToken);

    public ValueTask<IReadOnlyList<PreKeyBundle>> TakeBundlesAsync(Guid accountId, uint? deviceId, CancellationToken cancellationToken = default) =>
        database.WriteAsync<IReadOnlyList<PreKeyBundle>>(session =>
        {
            var account = Sql.Id(accountId);
            var devices = new List<(uint Id, int RegistrationId)>();
            using (var reader = deviceId is { } only
                ? session.Query("SELECT device_id, registration_id FROM devices WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", (long)only))
                : session.Query("SELECT device_id, registration_id FROM devices WHERE account_id = $account ORDER BY device_id;", ("$account", account)))
            {
                while (reader.Read())
                {
                    devices.Add((Sql.UInt(reader, 0), checked((int)reader.GetInt64(1))));
                }
            }

            var bundles = new List<PreKeyBundle>(devices.Count);
            foreach (var (id, registrationId) in devices)
            {
                var address = new DeviceAddress(accountId, id);
                var signed = KeyRows.ReadSigned(session, address);
                var lastResort = KeyRows.ReadLastResort(session, address);
                if (signed is null || lastResort is null)
                {
                    continue;
                }

                var ec = KeyRows.TakeOneTimeEc(session, address);
                var kyber = KeyRows.TakeOneTimeKyber(session, address);
                bundles.Add(new PreKeyBundle(id, registrationId, signed, ec, kyber ?? lastResort, kyber is null));
            }

            return bundles;
        }, cancellationToken);
}

/// <summary>Row-level prekey operations shared by the stores (always inside a writer operation, except reads).</summary>
internal static class KeyRows
{
    public static void Apply(SqliteSession session, DeviceAddress device, PreKeyUpdate update)
    {
        var account = Sql.Id(device.AccountId);
        long id = device.DeviceId;
        if (update.SignedPreKey is { } signed)
        {
            session.Execute(
                "INSERT OR REPLACE INTO signed_prekeys (account_id, device_id, key_id, public_key, signature) VALUES ($account, $device, $key, $public, $signature);",
                ("$account", account), ("$device", id), ("$key", (long)signed.KeyId), ("$public", signed.PublicKey), ("$signature", signed.Signature));
        }

        if (update.LastResortKyberPreKey is { } lastResort)
        {
            session.Execute(
                "INSERT OR REPLACE INTO kyber_last_resort_prekeys (account_id, device_id, key_id, public_key, signature) VALUES ($account, $device, $key, $public, $signature);",
                ("$account", account), ("$device", id), ("$key", (long)lastResort.KeyId), ("$public", lastResort.PublicKey), ("$signature", lastResort.Signature));
        }

        if (update.OneTimeEcPreKeys is { } ecKeys)
        {
            session.Execute("DELETE FROM ec_one_time_prekeys WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", id));
            foreach (var key in ecKeys)
            {
                session.Execute(
                    "INSERT INTO ec_one_time_prekeys (account_id, device_id, key_id, public_key) VALUES ($account, $device, $key, $public);",
                    ("$account", account), ("$device", id), ("$key", (long)key.KeyId), ("$public", key.PublicKey));
            }
        }

        if (update.OneTimeKyberPreKeys is { } kyberKeys)
        {
            session.Execute("DELETE FROM kyber_one_time_prekeys WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", id));
            foreach (var key in kyberKeys)
            {
                session.Execute(
                    "INSERT INTO kyber_one_time_prekeys (account_id, device_id, key_id, public_key, signature) VALUES ($account, $device, $key, $public, $signature);",
                    ("$account", account), ("$device", id), ("$key", (long)key.KeyId), ("$public", key.PublicKey), ("$signature", key.Signature));
            }
        }
    }

    public static void DeleteAll(SqliteSession session, DeviceAddress device)
    {
        var account = Sql.Id(device.AccountId);
        long id = device.DeviceId;
        foreach (var table in (string[])["signed_prekeys", "kyber_last_resort_prekeys", "ec_one_time_prekeys", "kyber_one_time_prekeys"])
        {
            session.Execute($"DELETE FROM {table} WHERE account_id = $account AND device_id = $device;", ("$account", account), ("$device", id));
        }
    }

    public static SignedPreKeyRecord? ReadSigned(SqliteSession session, DeviceAddress device)
    {
        using var reader = session.Query(
            "SELECT key_id, public_key, signature FROM signed_prekeys WHERE account_id = $account AND device_id = $device;",
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId));
        return reader.Read() ? new SignedPreKeyRecord(Sql.UInt(reader, 0), Sql.Blob(reader, 1), Sql.Blob(reader, 2)) : null;
    }

    public static KyberPreKeyRecord? ReadLastResort(SqliteSession session, DeviceAddress device)
    {
        using var reader = session.Query(
            "SELECT key_id, public_key, signature FROM kyber_last_resort_prekeys WHERE account_id = $account AND device_id = $device;",
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId));
        return reader.Read() ? new KyberPreKeyRecord(Sql.UInt(reader, 0), Sql.Blob(reader, 1), Sql.Blob(reader, 2)) : null;
    }

    public static EcPreKeyRecord? TakeOneTimeEc(SqliteSession session, DeviceAddress device)
    {
        using var reader = session.Query(
            """
            DELETE FROM ec_one_time_prekeys
            WHERE account_id = $account AND device_id = $device
              AND key_id = (SELECT min(key_id) FROM ec_one_time_prekeys WHERE account_id = $account AND device_id = $device)
            RETURNING key_id, public_key;
            """,
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId));
        return reader.Read() ? new EcPreKeyRecord(Sql.UInt(reader, 0), Sql.Blob(reader, 1)) : null;
    }

    public static KyberPreKeyRecord? TakeOneTimeKyber(SqliteSession session, DeviceAddress device)
    {
        using var reader = session.Query(
            """
            DELETE FROM kyber_one_time_prekeys
            WHERE account_id = $account AND device_id = $device
              AND key_id = (SELECT min(key_id) FROM kyber_one_time_prekeys WHERE account_id = $account AND device_id = $device)
            RETURNING key_id, public_key, signature;
            """,
            ("$account", Sql.Id(device.AccountId)), ("$device", (long)device.DeviceId));
        return reader.Read() ? new KyberPreKeyRecord(Sql.UInt(reader, 0), Sql.Blob(reader, 1), Sql.Blob(reader, 2)) : null;
    }
}
