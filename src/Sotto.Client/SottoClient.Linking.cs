using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Sotto.Client.Linking;
using Sotto.Client.Provisioning;
using Sotto.Client.Storage;
using Sotto.Crypto;
using Sotto.Protocol;
using Sotto.Wire;

namespace Sotto.Client;

// Device linking (docs/client.md, "Linking"):
//
//   new device (BeginLinkAsync)                 server                  existing device (ApproveLinkAsync)
//   n, N = n·G
//   POST /v1/devices/link {N}          ──►  code C, token
//   shows "C:base64url(N)"  ─────────── the user types it on the existing device ──────────►
//                                           GET /v1/devices/link/C  ◄──  checks the server's N = the typed N
//                                           PUT /v1/devices/link/C  ◄──  ProvisioningCipher(N, C, {identity pair,
//                                                                        account id, username})
//   (PendingLink.CompleteAsync) wait   ──►  approved + blob
//   decrypts, checks the identity against the server's, makes a registration id and prekeys signed by the
//   identity, stores them, POST …/complete ──► credentials (device id ≥ 2), stores the account.
public sealed partial class SottoClient
{
    /// <summary>
    /// Starts linking this (empty) profile to an existing account: returns a <see cref="PendingLink"/> whose
    /// <see cref="PendingLink.Code"/> the user enters on one of the account's devices
    /// (<see cref="ApproveLinkAsync"/>); then <see cref="PendingLink.CompleteAsync"/> finishes.
    /// </summary>
    /// <param name="deviceName">A name for this device, stored encrypted on the server.</param>
    public async Task<PendingLink> BeginLinkAsync(string? deviceName = null, CancellationToken cancellationToken = default)
    {
        var server = RequireConfiguredServer();
        if (await LoadAccountAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new SottoClientException(ClientError.AlreadyRegistered, "This profile already belongs to an account.");
        }

        var privateKey = new SecretBytes(X25519.KeySize);
        try
        {
            X25519.GeneratePrivateKey(_random, privateKey.Span);
            var publicKey = new byte[X25519.KeySize];
            X25519.DerivePublicKey(privateKey.Span, publicKey);
            var created = await Api(server).CreateLinkAsync(new LinkRequestCreate { PublicKey = publicKey }, cancellationToken).ConfigureAwait(false);
            if (LinkCode.Normalize(created.Code) is null)
            {
                throw new SottoClientException(ClientError.BadServerResponse, "The server's link code is malformed.");
            }

            return new PendingLink(this, new LinkCode(created.Code, publicKey), created.Token, privateKey, DateTimeOffset.FromUnixTimeMilliseconds(created.ExpiresAt), deviceName);
        }
        catch
        {
            privateKey.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Approves a new device with the code it shows: sends it the account identity, encrypted to the key in the code.
    /// </summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.InvalidLinkCode"/> (malformed, unknown or expired code); <see cref="ClientError.LinkTampered"/>
    /// when the server's copy of the new device's key differs from the code; <see cref="ClientError.ServerRejected"/>
    /// (<c>device_limit_reached</c>, <c>link_already_approved</c>).
    /// </exception>
    public async Task ApproveLinkAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!LinkCode.TryParse(code, out var link))
        {
            throw new SottoClientException(ClientError.InvalidLinkCode, "That is not a link code (expected XXXXX-XXXXX:key, as the new device prints it).");
        }

        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        LinkRequestInfo info;
        try
        {
            info = await api.GetLinkAsync(link.ServerCode, cancellationToken).ConfigureAwait(false);
        }
        catch (SottoClientException ex) when (ex.HttpStatus == 404)
        {
            throw new SottoClientException(ClientError.InvalidLinkCode, "The link code is unknown, expired or already used.", ex);
        }

        if (!CryptographicOperations.FixedTimeEquals(info.PublicKey, link.PublicKey))
        {
            throw new SottoClientException(ClientError.LinkTampered, "The server's link request does not match the code: not approving.");
        }

        var message = new ProvisionMessage
        {
            IdentityKeyPair = ByteString.CopyFrom(account.IdentityKeyPair),
            AccountId = AccountName(account.AccountId),
            Username = account.Username,
            ApproverDeviceId = account.DeviceId,
        };
        var plaintext = message.ToByteArray();
        try
        {
            var sealedMessage = ProvisioningCipher.Encrypt(link.PublicKey, link.NormalizedServerCode, plaintext, _random);
            try
            {
                await api.ApproveLinkAsync(link.ServerCode, new LinkApproval { ProvisioningMessage = sealedMessage }, cancellationToken).ConfigureAwait(false);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 404)
            {
                throw new SottoClientException(ClientError.InvalidLinkCode, "The link code is unknown, expired or already used.", ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>This account's devices, with their decrypted names.</summary>
    public async Task<IReadOnlyList<DeviceSummary>> GetDevicesAsync(CancellationToken cancellationToken = default)
    {
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var response = await api.GetDevicesAsync(cancellationToken).ConfigureAwait(false);
        return [.. response.Devices
            .OrderBy(d => d.DeviceId)
            .Select(d => new DeviceSummary(d.DeviceId, DeviceNames.TryDecrypt(account.IdentityKeyPair, d.Name), DateTimeOffset.FromUnixTimeMilliseconds(d.Created), d.DeviceId == account.DeviceId))];
    }

    /// <summary>The new device's half of <see cref="BeginLinkAsync"/>, after the user entered the code elsewhere.</summary>
    internal async Task<AccountInfo> CompleteLinkAsync(PendingLink link, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var server = RequireConfiguredServer();
        var api = Api(server);
        var deadline = timeout is { } t ? _time.GetUtcNow() + t : link.ExpiresAt;
        if (deadline > link.ExpiresAt)
        {
            deadline = link.ExpiresAt;
        }

        LinkWaitResponse approved;
        while (true)
        {
            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new SottoClientException(ClientError.LinkTimedOut, "No device approved the link code in time.");
            }

            LinkWaitResponse response;
            try
            {
                response = await api.WaitLinkAsync(
                    link.Code.ServerCode,
                    new LinkWaitRequest { Token = link.Token, TimeoutSeconds = (int)Math.Clamp(Math.Ceiling(left.TotalSeconds), 1, 30) },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 404)
            {
                throw new SottoClientException(ClientError.LinkTimedOut, "The link code expired before a device approved it.", ex);
            }

            if (response.Status == LinkWaitResponse.Approved)
            {
                approved = response;
                break;
            }

            if (response.Status != LinkWaitResponse.Pending)
            {
                throw new SottoClientException(ClientError.BadServerResponse, "The server's link status is not one of the documented values.");
            }
        }

        if (approved.ProvisioningMessage is null || approved.IdentityKey is null || approved.AccountId is null || approved.Username is null)
        {
            throw new SottoClientException(ClientError.BadServerResponse, "The server's approval lacks documented members.");
        }

        using (var identity = OpenProvisionMessage(link.PrivateKey.Span, link.Code.NormalizedServerCode, approved.ProvisioningMessage, approved.AccountId.Value, approved.Username, approved.IdentityKey))
        {
            uint registrationId = NewRegistrationId(exclude: 0);
            GeneratedKeys keys;
            using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
            {
                keys = await GenerateKeysAsync(tx, identity, signed: true, oneTimeEc: true, oneTimeKyber: true, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            var identityBytes = identity.Serialize();
            DeviceCredentials credentials;
            try
            {
                credentials = await api.CompleteLinkAsync(
                    link.Code.ServerCode,
                    new LinkCompleteRequest
                    {
                        Token = link.Token,
                        RegistrationId = (int)registrationId,
                        Name = link.DeviceName is null ? null : DeviceNames.Encrypt(identityBytes, link.DeviceName, _random),
                        SignedPreKey = keys.SignedUpload!,
                        PqLastResortPreKey = keys.LastResortUpload!,
                        PreKeys = keys.PreKeyUploads,
                        PqPreKeys = keys.KyberUploads,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SottoClientException ex) when (ex.HttpStatus == 404)
            {
                throw new SottoClientException(ClientError.LinkTimedOut, "The link code expired before the device was created.", ex);
            }

            var account = new LocalAccount
            {
                Server = server,
                AccountId = credentials.AccountId,
                Username = credentials.Username,
                DeviceId = credentials.DeviceId,
                Password = credentials.Password,
                RegistrationId = registrationId,
                IdentityKeyPair = identityBytes,
            };
            using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
            {
                await tx.SaveAccountAsync(account, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            ForgetAccount(account);
            Log.Linked(_logger, account.DeviceId);
            return ToInfo(account);
        }
    }

    /// <summary>
    /// Decrypts and checks the provisioning message an approving device sent through the server: it must decrypt
    /// for this link, parse, and name the account the server says approved. Pure, so that it can be fuzzed.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.LinkTampered"/>: it does not decrypt, parse or agree with the server.</exception>
    internal static IdentityKeyPair OpenProvisionMessage(ReadOnlySpan<byte> linkPrivateKey, ReadOnlySpan<byte> code, ReadOnlySpan<byte> provisioningMessage, Guid accountId, string username, ReadOnlySpan<byte> identityKey)
    {
        var plaintext = ProvisioningCipher.TryDecrypt(linkPrivateKey, code, provisioningMessage)
            ?? throw new SottoClientException(ClientError.LinkTampered, "The provisioning message does not decrypt: it was not made for this device.");
        IdentityKeyPair identity;
        ProvisionMessage message;
        try
        {
            message = ProvisionMessage.Parser.ParseFrom(plaintext);
            identity = IdentityKeyPair.Deserialize(message.IdentityKeyPair.Span);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or ProtocolException)
        {
            throw new SottoClientException(ClientError.LinkTampered, "The provisioning message is malformed.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        if (!Guid.TryParseExact(message.AccountId, "D", out var messageAccount)
            || messageAccount != accountId
            || !string.Equals(message.Username, username, StringComparison.Ordinal)
            || !CryptographicOperations.FixedTimeEquals(identity.IdentityKey.Serialized, identityKey))
        {
            identity.Dispose();
            throw new SottoClientException(ClientError.LinkTampered, "The provisioning message and the server disagree about the account.");
        }

        return identity;
    }
}

/// <summary>
/// A link in progress on the new device: show <see cref="Code"/> to the user, then await
/// <see cref="CompleteAsync"/>. Owns the ephemeral private key; dispose it when done.
/// </summary>
public sealed class PendingLink : IDisposable
{
    private readonly SottoClient _client;

    internal PendingLink(SottoClient client, LinkCode code, string token, SecretBytes privateKey, DateTimeOffset expiresAt, string? deviceName)
    {
        _client = client;
        Code = code;
        Token = token;
        PrivateKey = privateKey;
        ExpiresAt = expiresAt;
        DeviceName = deviceName;
    }

    /// <summary>What the user types on an existing device (<c>sotto add-device CODE</c>): <c>XXXXX-XXXXX:key</c>.</summary>
    public string DisplayCode => Code.ToString();

    /// <summary>When the server forgets the code.</summary>
    public DateTimeOffset ExpiresAt { get; }

    internal LinkCode Code { get; }

    internal string Token { get; }

    internal SecretBytes PrivateKey { get; }

    internal string? DeviceName { get; }

    /// <summary>
    /// Waits until an existing device approved the code (at most <paramref name="timeout"/>, and never past
    /// <see cref="ExpiresAt"/>), then creates this device with its own prekeys and stores the account.
    /// </summary>
    /// <exception cref="SottoClientException">
    /// <see cref="ClientError.LinkTimedOut"/>; <see cref="ClientError.LinkTampered"/> when the provisioning message
    /// does not decrypt or contradicts the server.
    /// </exception>
    public Task<AccountInfo> CompleteAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CompleteLinkAsync(this, timeout, cancellationToken);

    public void Dispose() => PrivateKey.Dispose();
}

/// <summary>
/// Device names are encrypted on the server with AES-256-GCM under a key derived from the account identity private
/// key (HKDF-SHA256, info "Sotto device name v1"): every device of the account can read them, the server cannot.
/// Format: nonce(12) ‖ ciphertext ‖ tag.
/// </summary>
internal static class DeviceNames
{
    public const int MaxNameBytes = 200;

    public static byte[] Encrypt(byte[] identityKeyPair, string name, IRandom random)
    {
        var utf8 = Encoding.UTF8.GetBytes(name);
        if (utf8.Length > MaxNameBytes)
        {
            throw new ArgumentException($"Device names are at most {MaxNameBytes} bytes of UTF-8.", nameof(name));
        }

        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(identityKeyPair, key);
            var result = new byte[AesGcmAead.NonceSize + utf8.Length + AesGcmAead.TagSize];
            random.Fill(result.AsSpan(0, AesGcmAead.NonceSize));
            AesGcmAead.Encrypt(key, result.AsSpan(0, AesGcmAead.NonceSize), utf8, [], result.AsSpan(AesGcmAead.NonceSize));
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static string? TryDecrypt(byte[] identityKeyPair, byte[]? blob)
    {
        if (blob is null || blob.Length < AesGcmAead.NonceSize + AesGcmAead.TagSize)
        {
            return null;
        }

        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(identityKeyPair, key);
            var plaintext = AesGcmAead.Decrypt(key, blob.AsSpan(0, AesGcmAead.NonceSize), blob.AsSpan(AesGcmAead.NonceSize), []);
            return plaintext is null ? null : Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void DeriveKey(byte[] identityKeyPair, Span<byte> key)
    {
        using var pair = IdentityKeyPair.Deserialize(identityKeyPair);
        var privateKey = pair.PrivateKey.Serialize();
        try
        {
            Hkdf.DeriveKey(privateKey, [], "Sotto device name v1"u8, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }
}
