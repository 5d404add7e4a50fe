namespace Sotto.Server.Storage.Sqlite;

/// <summary>
/// The storage schema, as an append-only list of migrations: <c>PRAGMA user_version</c> records how many have been
/// applied. Never edit a shipped migration; add the next one. Wire formats live in Sotto.Wire, not here.
/// </summary>
internal static class Schema
{
    internal static readonly string[] Migrations =
    [
        // 1: accounts, devices, prekeys, envelopes, link requests.
        """
        CREATE TABLE accounts (
            id            BLOB    NOT NULL PRIMARY KEY,
            username      TEXT    NOT NULL UNIQUE,
            identity_key  BLOB    NOT NULL,
            created       INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE devices (
            account_id       BLOB    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            device_id        INTEGER NOT NULL,
            registration_id  INTEGER NOT NULL,
            name             BLOB,
            password_salt    BLOB    NOT NULL,
            password_hash    BLOB    NOT NULL,
            created          INTEGER NOT NULL,
            PRIMARY KEY (account_id, device_id)
        ) WITHOUT ROWID;

        CREATE TABLE signed_prekeys (
            account_id  BLOB    NOT NULL,
            device_id   INTEGER NOT NULL,
            key_id      INTEGER NOT NULL,
            public_key  BLOB    NOT NULL,
            signature   BLOB    NOT NULL,
            PRIMARY KEY (account_id, device_id),
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        );

        CREATE TABLE kyber_last_resort_prekeys (
            account_id  BLOB    NOT NULL,
            device_id   INTEGER NOT NULL,
            key_id      INTEGER NOT NULL,
            public_key  BLOB    NOT NULL,
            signature   BLOB    NOT NULL,
            PRIMARY KEY (account_id, device_id),
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        );

        CREATE TABLE ec_one_time_prekeys (
            account_id  BLOB    NOT NULL,
            device_id   INTEGER NOT NULL,
            key_id      INTEGER NOT NULL,
            public_key  BLOB    NOT NULL,
            PRIMARY KEY (account_id, device_id, key_id),
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        ) WITHOUT ROWID;

        CREATE TABLE kyber_one_time_prekeys (
            account_id  BLOB    NOT NULL,
            device_id   INTEGER NOT NULL,
            key_id      INTEGER NOT NULL,
            public_key  BLOB    NOT NULL,
            signature   BLOB    NOT NULL,
            PRIMARY KEY (account_id, device_id, key_id),
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        );

        -- AUTOINCREMENT: sequences are never reused, even after the newest envelope is deleted (IMessageStore).
        CREATE TABLE envelopes (
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,
            id                BLOB    NOT NULL UNIQUE,
            account_id        BLOB    NOT NULL,
            device_id         INTEGER NOT NULL,
            type              INTEGER NOT NULL,
            source_account_id BLOB    NOT NULL,
            source_username   TEXT    NOT NULL,
            source_device_id  INTEGER NOT NULL,
            client_timestamp  INTEGER NOT NULL,
            server_timestamp  INTEGER NOT NULL,
            deadline          INTEGER NOT NULL,
            content           BLOB    NOT NULL,
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        );
        CREATE INDEX envelopes_by_device ON envelopes (account_id, device_id, seq);
        CREATE INDEX envelopes_by_deadline ON envelopes (deadline);

        CREATE TABLE link_requests (
            code                  TEXT    NOT NULL PRIMARY KEY,
            token_hash            BLOB    NOT NULL,
            public_key            BLOB    NOT NULL,
            created               INTEGER NOT NULL,
            expires               INTEGER NOT NULL,
            account_id            BLOB,
            approved_by           INTEGER,
            provisioning_message  BLOB,
            approved              INTEGER
        );
        CREATE INDEX link_requests_by_expiry ON link_requests (expires);
        CREATE INDEX link_requests_by_account ON link_requests (account_id);
        """,

        // 2: per-device envelope numbering without gaps (IMessageStore, StoredEnvelope.DeviceSequence).
        """
        ALTER TABLE devices ADD COLUMN last_envelope_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE envelopes ADD COLUMN device_seq INTEGER NOT NULL DEFAULT 0;
        """,

        // 3: attachment blob metadata (the blobs are files beside the database). No foreign key to accounts: a blob
        // outlives its uploader's account until its deadline, since messages in flight may still point at it.
        """
        CREATE TABLE attachments (
            id          TEXT    NOT NULL PRIMARY KEY,
            account_id  BLOB    NOT NULL,
            size        INTEGER NOT NULL,
            created     INTEGER NOT NULL,
            deadline    INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX attachments_by_deadline ON attachments (deadline);
        """,

        // 4: envelopes keyed by (account, device, per-device sequence) in a WITHOUT ROWID table. The queue of a device is
        // the primary key itself, so an insert or a delete touches two b-trees (table, deadline index) instead of five
        // (table, id, device and deadline indexes, AUTOINCREMENT's sqlite_sequence). Acknowledgements delete by key;
        // the id is checked, not indexed. Every queued envelope is numbered 1, 2, 3 … per device in its old order
        // (rows from before migration 2 had 0), and each device continues after its highest number.
        """
        CREATE TABLE envelopes_v4 (
            account_id        BLOB    NOT NULL,
            device_id         INTEGER NOT NULL,
            seq               INTEGER NOT NULL,
            id                BLOB    NOT NULL,
            type              INTEGER NOT NULL,
            source_account_id BLOB    NOT NULL,
            source_username   TEXT    NOT NULL,
            source_device_id  INTEGER NOT NULL,
            client_timestamp  INTEGER NOT NULL,
            server_timestamp  INTEGER NOT NULL,
            deadline          INTEGER NOT NULL,
            content           BLOB    NOT NULL,
            PRIMARY KEY (account_id, device_id, seq),
            FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        INSERT INTO envelopes_v4 (account_id, device_id, seq, id, type, source_account_id, source_username, source_device_id,
                                  client_timestamp, server_timestamp, deadline, content)
            SELECT account_id, device_id, ROW_NUMBER() OVER (PARTITION BY account_id, device_id ORDER BY seq), id, type,
                   source_account_id, source_username, source_device_id, client_timestamp, server_timestamp, deadline, content
            FROM envelopes;
        UPDATE devices SET last_envelope_seq = COALESCE(
            (SELECT MAX(e.seq) FROM envelopes_v4 e WHERE e.account_id = devices.account_id AND e.device_id = devices.device_id), 0);
        DROP TABLE envelopes;
        ALTER TABLE envelopes_v4 RENAME TO envelopes;
        CREATE INDEX envelopes_by_deadline ON envelopes (deadline);
        """,
    ];
}
