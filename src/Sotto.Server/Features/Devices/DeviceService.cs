using Sotto.Server.Features.Messages;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Devices;

/// <summary>Listing and removing an account's devices.</summary>
internal sealed class DeviceService(IAccountStore accounts, IMessageBus bus, ILogger<DeviceService> logger)
{
    public async Task<DeviceListResponse> ListAsync(AuthenticatedDevice device, CancellationToken cancellationToken)
    {
        var devices = await accounts.GetDevicesAsync(device.Account.Id, cancellationToken).ConfigureAwait(false);
        return new DeviceListResponse
        {
            Devices = devices.Select(d => new DeviceInfo
            {
                DeviceId = d.Address.DeviceId,
                Name = d.Name,
                RegistrationId = d.RegistrationId,
                Created = d.Created.ToUnixTimeMilliseconds(),
            }).ToArray(),
        };
    }

    /// <summary>Device 1 may remove any other device; any other device may remove itself. Device 1 is never removed.</summary>
    public async Task RemoveAsync(AuthenticatedDevice caller, uint deviceId, CancellationToken cancellationToken)
    {
        if (deviceId == 1)
        {
            Fail.Forbidden("Device 1 cannot be removed; delete the account instead (DELETE /v1/accounts/me).");
        }

        if (caller.Address.DeviceId != 1 && caller.Address.DeviceId != deviceId)
        {
            Fail.Forbidden("Only device 1 can remove other devices.");
        }

        var target = new DeviceAddress(caller.Account.Id, deviceId);
        if (!await accounts.RemoveDeviceAsync(target, cancellationToken).ConfigureAwait(false))
        {
            Fail.NotFound("No such device.");
        }

        await bus.DisconnectAsync(target, DisconnectReason.DeviceRemoved, cancellationToken).ConfigureAwait(false);
        Log.DeviceRemoved(logger, deviceId, caller.Account.Id);
    }
}
