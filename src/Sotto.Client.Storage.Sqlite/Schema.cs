namespace Sotto.Client.Storage.Sqlite;

/// <summary>
/// The client database schema as an append-only list of migrations; <c>PRAGMA user_version</c> records how many
/// ran. A migration is never edited once shipped: a change is a new entry (ClientSchemaTests guards the first).
/// </summary>
/// <remarks>
/// Stored enums (<c>history.kind</c>, <c>history.status</c>) are the numeric values of <see cref="HistoryKind"/> and
/// <see cref="DeliveryStatus"/>, which are only appended. Protocol records are libsignal's serialized forms.
/// </remarks>
internal static class Schema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE settings (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE account (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            server TEXT NOT NULL,
            account_id TEXT NOT NULL,
            username TEXT NOT NULL,
            device_id INTEGER NOT NULL,
            password TEXT NOT NULL,
            registration_id INTEGER NOT NULL,
            identity_key_pair BLOB NOT NULL
        );

        CREATE TABLE prekeys (
            id INTEGER NOT NULL PRIMARY KEY,
            record BLOB NOT NULL,
            created INTEGER NOT NULL
        );

        CREATE TABLE signed_prekeys (
            id INTEGER NOT NULL PRIMARY KEY,
            record BLOB NOT NULL,
            created INTEGER NOT NULL
        );

        CREATE TABLE kyber_prekeys (
            id INTEGER NOT NULL PRIMARY KEY,
            record BLOB NOT NULL,
            last_resort INTEGER NOT NULL,
            created INTEGER NOT NULL
        );

        CREATE TABLE kyber_base_keys_seen (
            kyber_id INTEGER NOT NULL,
            signed_id INTEGER NOT NULL,
            base_key BLOB NOT NULL,
            PRIMARY KEY (kyber_id, signed_id, base_key)
        ) WITHOUT ROWID;

        CREATE TABLE sessions (
            name TEXT NOT NULL,
            device_id INTEGER NOT NULL,
            record BLOB NOT NULL,
            PRIMARY KEY (name, device_id)
        ) WITHOUT ROWID;

        CREATE TABLE recipients (
            account_id TEXT NOT NULL PRIMARY KEY,
            username TEXT,
            identity_key BLOB,
            trusted_key BLOB
        ) WITHOUT ROWID;
        CREATE INDEX recipients_username ON recipients (username);

        CREATE TABLE processed_envelopes (
            id BLOB NOT NULL PRIMARY KEY,
            processed_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX processed_envelopes_time ON processed_envelopes (processed_at);

        CREATE TABLE history (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation TEXT NOT NULL,
            message_id BLOB NOT NULL,
            kind INTEGER NOT NULL,
            author TEXT NOT NULL,
            author_device INTEGER NOT NULL,
            outgoing INTEGER NOT NULL,
            sent_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            text TEXT,
            status INTEGER NOT NULL,
            expire_timer INTEGER NOT NULL,
            expires_at INTEGER
        );
        CREATE INDEX history_conversation ON history (conversation, seq);
        CREATE INDEX history_message ON history (conversation, message_id);
        """,
        """
        ALTER TABLE history ADD COLUMN quote_id BLOB;
        ALTER TABLE history ADD COLUMN edited_at INTEGER;
        ALTER TABLE history ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE history ADD COLUMN seen_at INTEGER;
        CREATE INDEX history_expiry ON history (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE reactions (
            conversation TEXT NOT NULL,
            message_id BLOB NOT NULL,
            reactor TEXT NOT NULL,
            emoji TEXT NOT NULL,
            reacted_at INTEGER NOT NULL,
            PRIMARY KEY (conversation, message_id, reactor)
        ) WITHOUT ROWID;
        """,
    ];
}
