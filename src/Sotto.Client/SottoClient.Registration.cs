using System.Buffers.Binary;
using System.Globalization;
using Sotto.Client.Storage;
using Sotto.Protocol;
using Sotto.Wire;

namespace Sotto.Client;

// Registration, re-registration and prekey upkeep (docs/client.md, "Accounts and keys").
public sealed partial class SottoClient
{
    private const uint MaxKeyId = 0xFFFFFF;
    private const string NextPreKeyIdSetting = "keys.next_prekey_id";
    private const string NextSignedPreKeyIdSetting = "keys.next_signed_prekey_id";
    private const string NextKyberPreKeyIdSetting = "keys.next_kyber_prekey_id";
    private const string CurrentSignedPreKeySetting = "keys.current_signed_prekey_id";
    private const string CurrentLastResortSetting = "keys.current_last_resort_id";

    /// <summary>
    /// Creates an account named <paramref name="username"/> on the configured server, with this device as device 1:
    /// a new identity key pair and registration id, a signed prekey, a last-resort Kyber prekey and a batch of
    /// one-time EC and Kyber prekeys, all uploaded.
    /// </summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.AlreadyRegistered"/> when this profile has an account; <see cref="ClientError.ServerRejected"/>
    /// (e.g. <c>username_taken</c>, <c>invite_code_invalid</c>); <see cref="ClientError.Network"/>.
    /// </exception>
    public async Task<AccountInfo> RegisterAsync(string username, string? inviteCode = null, CancellationToken cancellationToken = default)
    {
        username = NormalizeUsername(username);
        var server = RequireConfiguredServer();
        if (await LoadAccountAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new SottoClientException(ClientError.AlreadyRegistered, "This profile already belongs to an account.");
        }

        using var identity = IdentityKeyPair.Generate(_random);
        uint registrationId = NewRegistrationId(exclude: 0);
        GeneratedKeys keys;

        // The private halves are stored before the public halves leave the device.
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            keys = await GenerateKeysAsync(tx, identity, signed: true, oneTimeEc: true, oneTimeKyber: true, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var credentials = await Api(server).RegisterAsync(
            new RegisterRequest
            {
                Username = username,
                InviteCode = string.IsNullOrEmpty(inviteCode) ? null : inviteCode,
                IdentityKey = identity.IdentityKey.Serialize(),
                RegistrationId = (int)registrationId,
                SignedPreKey = keys.SignedUpload!,
                PqLastResortPreKey = keys.LastResortUpload!,
                PreKeys = keys.PreKeyUploads,
                PqPreKeys = keys.KyberUploads,
            },
            cancellationToken).ConfigureAwait(false);

        var account = new LocalAccount
        {
            Server = server,
            AccountId = credentials.AccountId,
            Username = credentials.Username,
            DeviceId = credentials.DeviceId,
            Password = credentials.Password,
            RegistrationId = registrationId,
            IdentityKeyPair = identity.Serialize(),
        };
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.SaveAccountAsync(account, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        ForgetAccount(account);
        Log.Registered(_logger, account.DeviceId);
        return ToInfo(account);
    }

    /// <summary>
    /// Re-registers this account with a new identity key (device 1 only): the server unlinks every other device and
    /// drops every queued envelope and prekey; this device gets a new identity, registration id and prekeys and
    /// forgets its sessions. Everyone who trusted the old identity must accept the new one before sending again.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.NotPrimaryDevice"/> on a linked device.</exception>
    public async Task<AccountInfo> ReRegisterAsync(CancellationToken cancellationToken = default)
    {
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        if (account.DeviceId != 1)
        {
            throw new SottoClientException(ClientError.NotPrimaryDevice, "Only device 1 can re-register the account.");
        }

        using var identity = IdentityKeyPair.Generate(_random);
        uint registrationId = NewRegistrationId(exclude: account.RegistrationId);
        var updated = account with { IdentityKeyPair = identity.Serialize(), RegistrationId = registrationId };

        // New keys are stored first (harmless if the server call fails), then the server switches, then the local
        // identity. Between the last two a crash leaves the old identity locally: re-registering again repairs it.
        GeneratedKeys keys;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            keys = await GenerateKeysAsync(tx, identity, signed: true, oneTimeEc: true, oneTimeKyber: true, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await api.ReRegisterAsync(
            new ReRegisterRequest
            {
                IdentityKey = identity.IdentityKey.Serialize(),
                RegistrationId = (int)registrationId,
                SignedPreKey = keys.SignedUpload!,
                PqLastResortPreKey = keys.LastResortUpload!,
                PreKeys = keys.PreKeyUploads,
                PqPreKeys = keys.KyberUploads,
            },
            cancellationToken).ConfigureAwait(false);

        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.DeleteAllSessionsAsync(cancellationToken).ConfigureAwait(false);
            await RemoveKeysExceptAsync(tx, keys, cancellationToken).ConfigureAwait(false);
            await tx.SaveAccountAsync(updated, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        ForgetAccount(updated);
        return ToInfo(updated);
    }

    /// <summary>
    /// Keeps this device's prekeys usable: uploads a new batch of one-time keys of a kind when the server holds fewer
    /// than <see cref="SottoClientOptions.PreKeyRefillThreshold"/>, rotates the signed prekey and the last-resort Kyber
    /// key when older than <see cref="SottoClientOptions.SignedPreKeyRotation"/>, and deletes replaced keys after
    /// <see cref="SottoClientOptions.OldPreKeyRetention"/>. <see cref="ReceiveAsync"/> calls it after each drain.
    /// </summary>
    /// <returns>True when something was uploaded.</returns>
    public async Task<bool> RefreshPreKeysAsync(CancellationToken cancellationToken = default)
    {
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var counts = await api.GetKeyCountAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        GeneratedKeys keys;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            bool rotate = true;
            if (await tx.GetSettingAsync(CurrentSignedPreKeySetting, cancellationToken).ConfigureAwait(false) is { } currentText
                && uint.TryParse(currentText, NumberStyles.None, CultureInfo.InvariantCulture, out uint current)
                && await tx.GetSignedPreKeyAsync(new SignedPreKeyId(current), cancellationToken).ConfigureAwait(false) is { } signed)
            {
                rotate = now - signed.Timestamp >= _options.SignedPreKeyRotation;
            }

            bool ec = counts.Count < _options.PreKeyRefillThreshold;
            bool kyber = counts.PqCount < _options.PreKeyRefillThreshold;
            if (!rotate && !ec && !kyber)
            {
                await PruneOldKeysAsync(tx, now, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            using var identity = IdentityKeyPair.Deserialize(account.IdentityKeyPair);
            keys = await GenerateKeysAsync(tx, identity, rotate, ec, kyber, cancellationToken).ConfigureAwait(false);
            await PruneOldKeysAsync(tx, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await api.UploadKeysAsync(
            new KeyUploadRequest
            {
                SignedPreKey = keys.SignedUpload,
                PqLastResortPreKey = keys.LastResortUpload,
                PreKeys = keys.PreKeyUploads,
                PqPreKeys = keys.KyberUploads,
            },
            cancellationToken).ConfigureAwait(false);
        Log.PreKeysUploaded(_logger, keys.PreKeyUploads?.Count ?? 0, keys.KyberUploads?.Count ?? 0, keys.SignedUpload is not null);
        return true;
    }

    /// <summary>A random libsignal registration id, 1 … 16383, different from <paramref name="exclude"/>.</summary>
    private uint NewRegistrationId(uint exclude)
    {
        Span<byte> bytes = stackalloc byte[2];
        while (true)
        {
            _random.Fill(bytes);
            uint id = BinaryPrimitives.ReadUInt16LittleEndian(bytes) & 0x3FFFu;
            if (id != 0 && id != exclude)
            {
                return id;
            }
        }
    }

    /// <summary>Generates the requested keys, stores their private halves in <paramref name="tx"/>, and returns the uploads.</summary>
    private async Task<GeneratedKeys> GenerateKeysAsync(IClientTransaction tx, IdentityKeyPair identity, bool signed, bool oneTimeEc, bool oneTimeKyber, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var result = new GeneratedKeys();
        if (signed)
        {
            var signedId = new SignedPreKeyId(await NextKeyIdAsync(tx, NextSignedPreKeyIdSetting, 1, cancellationToken).ConfigureAwait(false));
            var signedRecord = SignedPreKeyRecord.Generate(signedId, identity, now, _random);
            await tx.SaveSignedPreKeyAsync(signedId, signedRecord, cancellationToken).ConfigureAwait(false);
            await tx.SetSettingAsync(CurrentSignedPreKeySetting, signedId.Value.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            result.SignedUpload = new SignedEcPreKey { KeyId = signedId.Value, PublicKey = signedRecord.PublicKey.Serialize(), Signature = signedRecord.Signature.ToArray() };
            result.SignedId = signedId;

            var lastResortId = new KyberPreKeyId(await NextKeyIdAsync(tx, NextKyberPreKeyIdSetting, 1, cancellationToken).ConfigureAwait(false));
            var lastResort = KyberPreKeyRecord.Generate(lastResortId, identity, now, _random);
            await tx.SaveLastResortKyberPreKeyAsync(lastResortId, lastResort, cancellationToken).ConfigureAwait(false);
            await tx.SetSettingAsync(CurrentLastResortSetting, lastResortId.Value.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            result.LastResortUpload = new KyberPreKey { KeyId = lastResortId.Value, PublicKey = lastResort.PublicKey.Serialize(), Signature = lastResort.Signature.ToArray() };
            result.KyberIds.Add(lastResortId);
        }

        int batch = _options.PreKeyBatchSize;
        if (oneTimeEc)
        {
            uint first = await NextKeyIdAsync(tx, NextPreKeyIdSetting, batch, cancellationToken).ConfigureAwait(false);
            var uploads = new List<EcPreKey>(batch);
            for (int i = 0; i < batch; i++)
            {
                var id = new PreKeyId(KeyIdAt(first, i));
                var record = PreKeyRecord.Generate(id, _random);
                await tx.SavePreKeyAsync(id, record, cancellationToken).ConfigureAwait(false);
                uploads.Add(new EcPreKey { KeyId = id.Value, PublicKey = record.PublicKey.Serialize() });
                result.PreKeyIds.Add(id);
            }

            result.PreKeyUploads = uploads;
        }

        if (oneTimeKyber)
        {
            uint first = await NextKeyIdAsync(tx, NextKyberPreKeyIdSetting, batch, cancellationToken).ConfigureAwait(false);
            var uploads = new List<KyberPreKey>(batch);
            for (int i = 0; i < batch; i++)
            {
                var id = new KyberPreKeyId(KeyIdAt(first, i));
                var record = KyberPreKeyRecord.Generate(id, identity, now, _random);
                await tx.SaveKyberPreKeyAsync(id, record, cancellationToken).ConfigureAwait(false);
                uploads.Add(new KyberPreKey { KeyId = id.Value, PublicKey = record.PublicKey.Serialize(), Signature = record.Signature.ToArray() });
                result.KyberIds.Add(id);
            }

            result.KyberUploads = uploads;
        }

        return result;
    }

    /// <summary>Reserves <paramref name="count"/> consecutive key ids (1 … 0xFFFFFF, wrapping; the first start is random).</summary>
    private async Task<uint> NextKeyIdAsync(IClientTransaction tx, string setting, int count, CancellationToken cancellationToken)
    {
        uint next;
        if (await tx.GetSettingAsync(setting, cancellationToken).ConfigureAwait(false) is { } text
            && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint stored)
            && stored is >= 1 and <= MaxKeyId)
        {
            next = stored;
        }
        else
        {
            Span<byte> bytes = stackalloc byte[4];
            _random.Fill(bytes);
            next = (BinaryPrimitives.ReadUInt32LittleEndian(bytes) % (MaxKeyId / 2)) + 1;
        }

        await tx.SetSettingAsync(setting, KeyIdAt(next, count).ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return next;
    }

    private static uint KeyIdAt(uint first, int offset) => (uint)((((long)first - 1 + offset) % MaxKeyId) + 1);

    /// <summary>Deletes replaced signed and last-resort keys and one-time keys older than the retention.</summary>
    private async Task PruneOldKeysAsync(IClientTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - _options.OldPreKeyRetention;
        string? currentSigned = await tx.GetSettingAsync(CurrentSignedPreKeySetting, cancellationToken).ConfigureAwait(false);
        string? currentLastResort = await tx.GetSettingAsync(CurrentLastResortSetting, cancellationToken).ConfigureAwait(false);
        foreach (var (id, created) in await tx.ListSignedPreKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (created < cutoff && id.Value.ToString(CultureInfo.InvariantCulture) != currentSigned)
            {
                await tx.RemoveSignedPreKeyAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (id, _, created) in await tx.ListKyberPreKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (created < cutoff && id.Value.ToString(CultureInfo.InvariantCulture) != currentLastResort)
            {
                await tx.RemoveKyberPreKeyAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.RemovePreKeysCreatedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Re-registration: drops every prekey except the ones just generated.</summary>
    private static async Task RemoveKeysExceptAsync(IClientTransaction tx, GeneratedKeys keep, CancellationToken cancellationToken)
    {
        foreach (var (id, _) in await tx.ListSignedPreKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (id != keep.SignedId)
            {
                await tx.RemoveSignedPreKeyAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        var keepKyber = keep.KyberIds.ToHashSet();
        foreach (var (id, _, _) in await tx.ListKyberPreKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!keepKyber.Contains(id))
            {
                await tx.RemoveKyberPreKeyAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }

        // One-time EC keys of the old identity: the server dropped them, so no message can name them any more.
        var keepEc = keep.PreKeyIds.ToHashSet();
        foreach (var id in await tx.ListPreKeyIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!keepEc.Contains(id))
            {
                await tx.RemovePreKeyAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class GeneratedKeys
    {
        public SignedEcPreKey? SignedUpload { get; set; }

        public SignedPreKeyId SignedId { get; set; }

        public KyberPreKey? LastResortUpload { get; set; }

        public IReadOnlyList<EcPreKey>? PreKeyUploads { get; set; }

        public IReadOnlyList<KyberPreKey>? KyberUploads { get; set; }

        public List<PreKeyId> PreKeyIds { get; } = [];

        public List<KyberPreKeyId> KyberIds { get; } = [];
    }
}
