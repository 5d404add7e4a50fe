using Microsoft.Data.Sqlite;
using Sotto.Protocol;
using Sotto.Protocol.Storage;

namespace Sotto.Client.Storage.Sqlite;

/// <summary>
/// One unit of work on <see cref="SqliteClientStore"/>: an immediate SQLite transaction on the store's connection,
/// held (with the store's gate) until commit or dispose. Every method is synchronous underneath — SQLite has no
/// asynchronous I/O — and returns completed <see cref="ValueTask"/>s.
/// </summary>
internal sealed class SqliteClientTransaction : IClientTransaction
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate;
    private IdentityKeyPair? _identity;
    private LocalAccount? _account;
    private bool _accountLoaded;
    private bool _done;

    public SqliteClientTransaction(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time, SemaphoreSlim gate)
    {
        _connection = connection;
        _transaction = transaction;
        _time = time;
        _gate = gate;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _transaction.Commit();
        Finish();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        try
        {
            _transaction.Rollback();
        }
        finally
        {
            Finish();
        }
    }

    private void Finish()
    {
        _done = true;
        _transaction.Dispose();
        _identity?.Dispose();
        _identity = null;
        _gate.Release();
    }

    // ---- account and settings ----------------------------------------------------------------------------------

    public ValueTask<LocalAccount?> GetAccountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(LoadAccount());

    public ValueTask SaveAccountAsync(LocalAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        Execute(
            """
            INSERT INTO account (id, server, account_id, username, device_id, password, registration_id, identity_key_pair)
            VALUES (1, $server, $account, $username, $device, $password, $registration, $identity)
            ON CONFLICT (id) DO UPDATE SET server = excluded.server, account_id = excluded.account_id, username = excluded.username,
                device_id = excluded.device_id, password = excluded.password, registration_id = excluded.registration_id,
                identity_key_pair = excluded.identity_key_pair;
            """,
            ("$server", account.Server.AbsoluteUri),
            ("$account", account.AccountId.ToString("D")),
            ("$username", account.Username),
            ("$device", (long)account.DeviceId),
            ("$password", account.Password),
            ("$registration", (long)account.RegistrationId),
            ("$identity", account.IdentityKeyPair));
        _account = account;
        _accountLoaded = true;
        _identity?.Dispose();
        _identity = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Scalar<string>("SELECT value FROM settings WHERE key = $key;", ("$key", key)));

    public ValueTask SetSettingAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        if (value is null)
        {
            Execute("DELETE FROM settings WHERE key = $key;", ("$key", key));
        }
        else
        {
            Execute("INSERT INTO settings (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value;", ("$key", key), ("$value", value));
        }

        return ValueTask.CompletedTask;
    }

    // ---- IIdentityKeyStore ---------------------------------------------------------------------------------------

    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default)
    {
        if (_identity is null)
        {
            var account = LoadAccount() ?? throw new InvalidOperationException("The profile has no account.");
            _identity = IdentityKeyPair.Deserialize(account.IdentityKeyPair);
        }

        return ValueTask.FromResult(_identity);
    }

    public ValueTask<uint> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult((LoadAccount() ?? throw new InvalidOperationException("The profile has no account.")).RegistrationId);

    public ValueTask<IdentityChange> SaveIdentityAsync(ProtocolAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (IsOwnAccount(address.Name))
        {
            return ValueTask.FromResult(IdentityChange.NewOrUnchanged);
        }

        var row = LoadRecipient(address.Name);
        var key = identity.Serialize();
        if (row is null)
        {
            Execute("INSERT INTO recipients (account_id, identity_key, trusted_key) VALUES ($id, $key, $key);", ("$id", address.Name), ("$key", key));
            return ValueTask.FromResult(IdentityChange.NewOrUnchanged);
        }

        bool replaced = row.CurrentIdentity is not null && !row.CurrentIdentity.Equals(identity);
        if (row.TrustedIdentity is null)
        {
            Execute("UPDATE recipients SET identity_key = $key, trusted_key = $key WHERE account_id = $id;", ("$id", address.Name), ("$key", key));
        }
        else
        {
            Execute("UPDATE recipients SET identity_key = $key WHERE account_id = $id;", ("$id", address.Name), ("$key", key));
        }

        return ValueTask.FromResult(replaced ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged);
    }

    public async ValueTask<bool> IsTrustedIdentityAsync(ProtocolAddress address, IdentityKey identity, Direction direction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (IsOwnAccount(address.Name))
        {
            var own = await GetIdentityKeyPairAsync(cancellationToken).ConfigureAwait(false);
            return own.IdentityKey.Equals(identity);
        }

        if (direction == Direction.Receiving)
        {
            return true;
        }

        var trusted = LoadRecipient(address.Name)?.TrustedIdentity;
        return trusted is null || trusted.Equals(identity);
    }

    public ValueTask<IdentityKey?> GetIdentityAsync(ProtocolAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(LoadRecipient(address.Name)?.CurrentIdentity);

    // ---- prekeys -------------------------------------------------------------------------------------------------

    public ValueTask<PreKeyRecord?> GetPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        var bytes = Scalar<byte[]>("SELECT record FROM prekeys WHERE id = $id;", ("$id", (long)id.Value));
        return ValueTask.FromResult(bytes is null ? null : PreKeyRecord.Deserialize(bytes));
    }

    public ValueTask SavePreKeyAsync(PreKeyId id, PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute(
            "INSERT INTO prekeys (id, record, created) VALUES ($id, $record, $now) ON CONFLICT (id) DO UPDATE SET record = excluded.record, created = excluded.created;",
            ("$id", (long)id.Value),
            ("$record", record.Serialize()),
            ("$now", Now));
        return ValueTask.CompletedTask;
    }

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM prekeys WHERE id = $id;", ("$id", (long)id.Value));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<PreKeyId>> ListPreKeyIdsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<PreKeyId>>(Query("SELECT id FROM prekeys ORDER BY id;", r => new PreKeyId((uint)r.GetInt64(0))));

    public ValueTask RemovePreKeysCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM prekeys WHERE created < $cutoff;", ("$cutoff", cutoff.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    public ValueTask<SignedPreKeyRecord?> GetSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default)
    {
        var bytes = Scalar<byte[]>("SELECT record FROM signed_prekeys WHERE id = $id;", ("$id", (long)id.Value));
        return ValueTask.FromResult(bytes is null ? null : SignedPreKeyRecord.Deserialize(bytes));
    }

    public ValueTask SaveSignedPreKeyAsync(SignedPreKeyId id, SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute(
            "INSERT INTO signed_prekeys (id, record, created) VALUES ($id, $record, $created) ON CONFLICT (id) DO UPDATE SET record = excluded.record, created = excluded.created;",
            ("$id", (long)id.Value),
            ("$record", record.Serialize()),
            ("$created", record.Timestamp.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<(SignedPreKeyId Id, DateTimeOffset Created)>> ListSignedPreKeysAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<(SignedPreKeyId, DateTimeOffset)>>(Query(
            "SELECT id, created FROM signed_prekeys ORDER BY id;",
            r => (new SignedPreKeyId((uint)r.GetInt64(0)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)))));

    public ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM signed_prekeys WHERE id = $id;", ("$id", (long)id.Value));
        return ValueTask.CompletedTask;
    }

    public ValueTask<KyberPreKeyRecord?> GetKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default)
    {
        var bytes = Scalar<byte[]>("SELECT record FROM kyber_prekeys WHERE id = $id;", ("$id", (long)id.Value));
        return ValueTask.FromResult(bytes is null ? null : KyberPreKeyRecord.Deserialize(bytes));
    }

    public ValueTask SaveKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default) =>
        SaveKyberAsync(id, record, lastResort: false);

    public ValueTask SaveLastResortKyberPreKeyAsync(KyberPreKeyId id, KyberPreKeyRecord record, CancellationToken cancellationToken = default) =>
        SaveKyberAsync(id, record, lastResort: true);

    public ValueTask MarkKyberPreKeyUsedAsync(KyberPreKeyId id, SignedPreKeyId signedPreKeyId, ECPublicKey baseKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseKey);
        long? lastResort = Scalar<long?>("SELECT last_resort FROM kyber_prekeys WHERE id = $id;", ("$id", (long)id.Value));
        if (lastResort is null)
        {
            return ValueTask.CompletedTask;
        }

        if (lastResort == 0)
        {
            Execute("DELETE FROM kyber_prekeys WHERE id = $id;", ("$id", (long)id.Value));
            return ValueTask.CompletedTask;
        }

        int inserted = Execute(
            "INSERT INTO kyber_base_keys_seen (kyber_id, signed_id, base_key) VALUES ($kyber, $signed, $base) ON CONFLICT DO NOTHING;",
            ("$kyber", (long)id.Value),
            ("$signed", (long)signedPreKeyId.Value),
            ("$base", baseKey.Serialize()));
        if (inserted == 0)
        {
            throw new ProtocolException(ProtocolError.ReusedBaseKey, "This base key was already used with this last-resort Kyber prekey.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<(KyberPreKeyId Id, bool LastResort, DateTimeOffset Created)>> ListKyberPreKeysAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<(KyberPreKeyId, bool, DateTimeOffset)>>(Query(
            "SELECT id, last_resort, created FROM kyber_prekeys ORDER BY id;",
            r => (new KyberPreKeyId((uint)r.GetInt64(0)), r.GetInt64(1) != 0, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)))));

    public ValueTask RemoveKyberPreKeyAsync(KyberPreKeyId id, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM kyber_prekeys WHERE id = $id;", ("$id", (long)id.Value));
        Execute("DELETE FROM kyber_base_keys_seen WHERE kyber_id = $id;", ("$id", (long)id.Value));
        return ValueTask.CompletedTask;
    }

    // ---- sessions ------------------------------------------------------------------------------------------------

    public ValueTask<SessionRecord?> LoadSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default)
    {
        var bytes = Scalar<byte[]>("SELECT record FROM sessions WHERE name = $name AND device_id = $device;", ("$name", address.Name), ("$device", (long)address.DeviceId.Value));
        return ValueTask.FromResult(bytes is null ? null : SessionRecord.Deserialize(bytes));
    }

    public ValueTask StoreSessionAsync(ProtocolAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute(
            "INSERT INTO sessions (name, device_id, record) VALUES ($name, $device, $record) ON CONFLICT (name, device_id) DO UPDATE SET record = excluded.record;",
            ("$name", address.Name),
            ("$device", (long)address.DeviceId.Value),
            ("$record", record.Serialize()));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<uint>> GetSessionDeviceIdsAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<uint>>(Query("SELECT device_id FROM sessions WHERE name = $name ORDER BY device_id;", r => (uint)r.GetInt64(0), ("$name", name)));

    public ValueTask DeleteSessionAsync(ProtocolAddress address, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM sessions WHERE name = $name AND device_id = $device;", ("$name", address.Name), ("$device", (long)address.DeviceId.Value));
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAllSessionsAsync(CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM sessions;");
        return ValueTask.CompletedTask;
    }

    // ---- recipients ----------------------------------------------------------------------------------------------

    public ValueTask<Recipient?> GetRecipientAsync(string accountId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(LoadRecipient(accountId));

    public ValueTask<Recipient?> FindRecipientByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        var rows = Query("SELECT account_id, username, identity_key, trusted_key FROM recipients WHERE username = $username;", ReadRecipient, ("$username", username));
        return ValueTask.FromResult(rows.Count == 0 ? null : rows[0]);
    }

    public ValueTask SaveRecipientAsync(string accountId, string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentException.ThrowIfNullOrEmpty(username);

        // A username belongs to one account at a time (a deleted account's name can be taken again).
        Execute("UPDATE recipients SET username = NULL WHERE username = $username AND account_id <> $id;", ("$username", username), ("$id", accountId));
        Execute(
            "INSERT INTO recipients (account_id, username) VALUES ($id, $username) ON CONFLICT (account_id) DO UPDATE SET username = excluded.username;",
            ("$id", accountId),
            ("$username", username));
        return ValueTask.CompletedTask;
    }

    public ValueTask TrustIdentityAsync(string accountId, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = identity.Serialize();
        Execute(
            "INSERT INTO recipients (account_id, identity_key, trusted_key) VALUES ($id, $key, $key) ON CONFLICT (account_id) DO UPDATE SET identity_key = $key, trusted_key = $key;",
            ("$id", accountId),
            ("$key", key));
        return ValueTask.CompletedTask;
    }

    public ValueTask SaveSeenIdentityAsync(string accountId, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        Execute(
            "INSERT INTO recipients (account_id, identity_key) VALUES ($id, $key) ON CONFLICT (account_id) DO UPDATE SET identity_key = $key;",
            ("$id", accountId),
            ("$key", identity.Serialize()));
        return ValueTask.CompletedTask;
    }

    // ---- envelopes -----------------------------------------------------------------------------------------------

    public ValueTask<bool> WasEnvelopeProcessedAsync(Guid envelopeId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Scalar<long?>("SELECT 1 FROM processed_envelopes WHERE id = $id;", ("$id", envelopeId.ToByteArray(bigEndian: true))) is not null);

    public ValueTask MarkEnvelopeProcessedAsync(Guid envelopeId, DateTimeOffset processedAt, CancellationToken cancellationToken = default)
    {
        Execute(
            "INSERT INTO processed_envelopes (id, processed_at) VALUES ($id, $at) ON CONFLICT (id) DO NOTHING;",
            ("$id", envelopeId.ToByteArray(bigEndian: true)),
            ("$at", processedAt.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    public ValueTask PruneProcessedEnvelopesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        Execute("DELETE FROM processed_envelopes WHERE processed_at < $cutoff;", ("$cutoff", cutoff.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    // ---- history -------------------------------------------------------------------------------------------------

    public ValueTask<HistoryEntry> AddHistoryEntryAsync(HistoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        long seq = Scalar<long>(
            """
            INSERT INTO history (conversation, message_id, kind, author, author_device, outgoing, sent_at, received_at, text, status, expire_timer, expires_at, quote_id, edited_at, deleted, seen_at)
            VALUES ($conversation, $message, $kind, $author, $device, $outgoing, $sent, $received, $text, $status, $timer, $expires, $quote, $edited, $deleted, $seen)
            RETURNING seq;
            """,
            HistoryParameters(entry));
        return ValueTask.FromResult(entry with { Seq = seq });
    }

    public ValueTask UpdateHistoryEntryAsync(HistoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var parameters = HistoryParameters(entry).Append(("$seq", (object?)entry.Seq)).ToArray();
        Execute(
            """
            UPDATE history SET conversation = $conversation, message_id = $message, kind = $kind, author = $author,
                author_device = $device, outgoing = $outgoing, sent_at = $sent, received_at = $received, text = $text,
                status = $status, expire_timer = $timer, expires_at = $expires, quote_id = $quote, edited_at = $edited,
                deleted = $deleted, seen_at = $seen
            WHERE seq = $seq;
            """,
            parameters);
        return ValueTask.CompletedTask;
    }

    public ValueTask<HistoryEntry?> FindHistoryEntryAsync(string conversation, Guid messageId, CancellationToken cancellationToken = default)
    {
        var rows = Query(HistorySelect + " WHERE conversation = $conversation AND message_id = $message ORDER BY seq LIMIT 1;", ReadHistory, ("$conversation", conversation), ("$message", messageId.ToByteArray(bigEndian: true)));
        return ValueTask.FromResult(rows.Count == 0 ? null : rows[0]);
    }

    public ValueTask<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string conversation, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<HistoryEntry>>(Query(HistorySelect + " WHERE conversation = $conversation ORDER BY seq;", ReadHistory, ("$conversation", conversation)));

    private const string HistorySelect =
        "SELECT seq, conversation, message_id, kind, author, author_device, outgoing, sent_at, received_at, text, status, expire_timer, expires_at, quote_id, edited_at, deleted, seen_at FROM history";

    private static (string, object?)[] HistoryParameters(HistoryEntry e) =>
    [
        ("$conversation", e.Conversation),
        ("$message", e.MessageId.ToByteArray(bigEndian: true)),
        ("$kind", (long)e.Kind),
        ("$author", e.Author),
        ("$device", (long)e.AuthorDevice),
        ("$outgoing", e.Outgoing ? 1L : 0L),
        ("$sent", e.SentAt),
        ("$received", e.ReceivedAt),
        ("$text", e.Text),
        ("$status", (long)e.Status),
        ("$timer", (long)e.ExpireTimerSeconds),
        ("$expires", e.ExpiresAt),
        ("$quote", e.QuoteId?.ToByteArray(bigEndian: true)),
        ("$edited", e.EditedAt),
        ("$deleted", e.Deleted ? 1L : 0L),
        ("$seen", e.SeenAt),
    ];

    private static HistoryEntry ReadHistory(SqliteDataReader r) => new()
    {
        Seq = r.GetInt64(0),
        Conversation = r.GetString(1),
        MessageId = new Guid((byte[])r.GetValue(2), bigEndian: true),
        Kind = (HistoryKind)r.GetInt64(3),
        Author = r.GetString(4),
        AuthorDevice = (uint)r.GetInt64(5),
        Outgoing = r.GetInt64(6) != 0,
        SentAt = r.GetInt64(7),
        ReceivedAt = r.GetInt64(8),
        Text = r.IsDBNull(9) ? null : r.GetString(9),
        Status = (DeliveryStatus)r.GetInt64(10),
        ExpireTimerSeconds = (uint)r.GetInt64(11),
        ExpiresAt = r.IsDBNull(12) ? null : r.GetInt64(12),
        QuoteId = r.IsDBNull(13) ? null : new Guid((byte[])r.GetValue(13), bigEndian: true),
        EditedAt = r.IsDBNull(14) ? null : r.GetInt64(14),
        Deleted = r.GetInt64(15) != 0,
        SeenAt = r.IsDBNull(16) ? null : r.GetInt64(16),
    };

    public ValueTask DeleteHistoryEntryAsync(long seq, CancellationToken cancellationToken = default)
    {
        Execute(
            "DELETE FROM reactions WHERE (conversation, message_id) IN (SELECT conversation, message_id FROM history WHERE seq = $seq);",
            ("$seq", seq));
        Execute("DELETE FROM history WHERE seq = $seq;", ("$seq", seq));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<HistoryEntry>> GetExpiredHistoryAsync(long now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<HistoryEntry>>(Query(HistorySelect + " WHERE expires_at IS NOT NULL AND expires_at <= $now ORDER BY expires_at;", ReadHistory, ("$now", now)));

    public ValueTask<long?> GetNextExpiryAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Scalar<long?>("SELECT MIN(expires_at) FROM history WHERE expires_at IS NOT NULL;"));

    public ValueTask SetReactionAsync(string conversation, Guid messageId, string reactor, string? emoji, long reactedAt, CancellationToken cancellationToken = default)
    {
        var id = messageId.ToByteArray(bigEndian: true);
        if (emoji is null)
        {
            Execute("DELETE FROM reactions WHERE conversation = $c AND message_id = $m AND reactor = $r;", ("$c", conversation), ("$m", id), ("$r", reactor));
        }
        else
        {
            Execute(
                "INSERT INTO reactions (conversation, message_id, reactor, emoji, reacted_at) VALUES ($c, $m, $r, $e, $at) ON CONFLICT (conversation, message_id, reactor) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at;",
                ("$c", conversation),
                ("$m", id),
                ("$r", reactor),
                ("$e", emoji),
                ("$at", reactedAt));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<ReactionEntry>> GetReactionsAsync(string conversation, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<ReactionEntry>>(Query(
            "SELECT conversation, message_id, reactor, emoji, reacted_at FROM reactions WHERE conversation = $c ORDER BY reacted_at, reactor;",
            r => new ReactionEntry(r.GetString(0), new Guid((byte[])r.GetValue(1), bigEndian: true), r.GetString(2), r.GetString(3), r.GetInt64(4)),
            ("$c", conversation)));

    // ---- helpers -------------------------------------------------------------------------------------------------

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private ValueTask SaveKyberAsync(KyberPreKeyId id, KyberPreKeyRecord record, bool lastResort)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute(
            "INSERT INTO kyber_prekeys (id, record, last_resort, created) VALUES ($id, $record, $last, $created) ON CONFLICT (id) DO UPDATE SET record = excluded.record, last_resort = excluded.last_resort, created = excluded.created;",
            ("$id", (long)id.Value),
            ("$record", record.Serialize()),
            ("$last", lastResort ? 1L : 0L),
            ("$created", record.Timestamp.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    private LocalAccount? LoadAccount()
    {
        if (_accountLoaded)
        {
            return _account;
        }

        var rows = Query(
            "SELECT server, account_id, username, device_id, password, registration_id, identity_key_pair FROM account WHERE id = 1;",
            r => new LocalAccount
            {
                Server = new Uri(r.GetString(0)),
                AccountId = Guid.ParseExact(r.GetString(1), "D"),
                Username = r.GetString(2),
                DeviceId = (uint)r.GetInt64(3),
                Password = r.GetString(4),
                RegistrationId = (uint)r.GetInt64(5),
                IdentityKeyPair = (byte[])r.GetValue(6),
            });
        _account = rows.Count == 0 ? null : rows[0];
        _accountLoaded = true;
        return _account;
    }

    private bool IsOwnAccount(string name) =>
        LoadAccount() is { } account && string.Equals(account.AccountId.ToString("D"), name, StringComparison.Ordinal);

    private Recipient? LoadRecipient(string accountId)
    {
        var rows = Query("SELECT account_id, username, identity_key, trusted_key FROM recipients WHERE account_id = $id;", ReadRecipient, ("$id", accountId));
        return rows.Count == 0 ? null : rows[0];
    }

    private static Recipient ReadRecipient(SqliteDataReader r) => new()
    {
        AccountId = r.GetString(0),
        Username = r.IsDBNull(1) ? null : r.GetString(1),
        CurrentIdentity = r.IsDBNull(2) ? null : IdentityKey.Deserialize((byte[])r.GetValue(2)),
        TrustedIdentity = r.IsDBNull(3) ? null : IdentityKey.Deserialize((byte[])r.GetValue(3)),
    };

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private T? Scalar<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        if (value is null or DBNull)
        {
            return default;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)(type == typeof(long) ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : value);
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read())
        {
            result.Add(read(reader));
        }

        return result;
    }
}
