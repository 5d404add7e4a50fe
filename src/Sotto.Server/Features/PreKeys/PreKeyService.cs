using System.Globalization;
using Sotto.Server.Features.Accounts;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.PreKeys;

/// <summary>Prekey upload, count and bundle fetch (DESIGN.md §4). Fetching consumes one-time keys atomically.</summary>
internal sealed class PreKeyService(IAccountStore accounts, IPreKeyStore preKeys, PreKeyValidator validator)
{
    public async Task UploadAsync(AuthenticatedDevice device, KeyUploadRequest request, CancellationToken cancellationToken)
    {
        var update = validator.ForUpload(device.Account.IdentityKey, request);
        if (!await preKeys.UpdateAsync(device.Address, update, cancellationToken).ConfigureAwait(false))
        {
            Fail.NotFound("This device no longer exists.");
        }
    }

    public async Task<PreKeyCountResponse> CountAsync(AuthenticatedDevice device, CancellationToken cancellationToken)
    {
        var counts = await preKeys.CountAsync(device.Address, cancellationToken).ConfigureAwait(false);
        return new PreKeyCountResponse { Count = counts.Ec, PqCount = counts.Kyber };
    }

    /// <summary>Bundles of one device (<paramref name="deviceSelector"/> = its id) or of every device (<c>*</c>).</summary>
    public async Task<PreKeyBundleResponse> FetchAsync(string username, string deviceSelector, CancellationToken cancellationToken)
    {
        uint? deviceId = null;
        if (deviceSelector != "*")
        {
            if (!uint.TryParse(deviceSelector, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed == 0)
            {
                Fail.Invalid("The device must be a positive device id or '*'.");
            }

            deviceId = parsed;
        }

        var account = await Usernames.FindAccountAsync(accounts, username, cancellationToken).ConfigureAwait(false);
        var bundles = await preKeys.TakeBundlesAsync(account.Id, deviceId, cancellationToken).ConfigureAwait(false);
        if (bundles.Count == 0)
        {
            Fail.NotFound(deviceId is null ? "The account has no devices with keys." : "No such device.");
        }

        return new PreKeyBundleResponse
        {
            AccountId = account.Id,
            Username = account.Username,
            IdentityKey = account.IdentityKey,
            Devices = bundles.Select(b => new DevicePreKeyBundle
            {
                DeviceId = b.DeviceId,
                RegistrationId = b.RegistrationId,
                SignedPreKey = new SignedEcPreKey { KeyId = b.SignedPreKey.KeyId, PublicKey = b.SignedPreKey.PublicKey, Signature = b.SignedPreKey.Signature },
                PreKey = b.OneTimeEcPreKey is { } ec ? new EcPreKey { KeyId = ec.KeyId, PublicKey = ec.PublicKey } : null,
                PqPreKey = new KyberPreKey { KeyId = b.KyberPreKey.KeyId, PublicKey = b.KyberPreKey.PublicKey, Signature = b.KyberPreKey.Signature },
                PqPreKeyIsLastResort = b.KyberIsLastResort,
            }).ToArray(),
        };
    }
}
