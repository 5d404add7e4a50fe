using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sotto.Server.Features.Messages;
using Sotto.Server.Features.PreKeys;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Accounts;

/// <summary>Registration, lookup, re-registration and deletion of accounts (DESIGN.md §4).</summary>
internal sealed class AccountService(
    IAccountStore accounts,
    IMessageBus bus,
    PreKeyValidator keys,
    IOptions<AccountOptions> options,
    TimeProvider time,
    ILogger<AccountService> logger)
{
    private readonly AccountOptions _options = options.Value;

    public async Task<DeviceCredentials> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
    {
        var username = Usernames.Canonicalize(request.Username);
        CheckInviteCode(request.InviteCode);
        PreKeyValidator.CheckIdentityKey(request.IdentityKey);
        PreKeyValidator.CheckRegistrationId(request.RegistrationId);
        CheckName(request.Name);
        var update = keys.ForNewDevice(request.IdentityKey, request.SignedPreKey, request.PqLastResortPreKey, request.PreKeys, request.PqPreKeys);

        var now = time.GetUtcNow();
        var (password, hash) = DevicePasswords.Generate();
        var account = new Account(Guid.CreateVersion7(now), username, request.IdentityKey, now);
        var device = new NewDevice(request.RegistrationId, request.Name, hash, now);
        if (!await accounts.TryCreateAsync(account, device, update, cancellationToken).ConfigureAwait(false))
        {
            Fail.Conflict(ProblemCodes.UsernameTaken, "This username is taken.");
        }

        Log.AccountRegistered(logger, account.Id);
        return new DeviceCredentials { AccountId = account.Id, Username = username, DeviceId = 1, Password = password };
    }

    public static WhoAmIResponse WhoAmI(AuthenticatedDevice device) => new()
    {
        AccountId = device.Account.Id,
        Username = device.Account.Username,
        DeviceId = device.Address.DeviceId,
        IdentityKey = device.Account.IdentityKey,
    };

    public async Task<AccountResponse> GetAsync(string username, CancellationToken cancellationToken)
    {
        var account = await Usernames.FindAccountAsync(accounts, username, cancellationToken).ConfigureAwait(false);
        var devices = await accounts.GetDevicesAsync(account.Id, cancellationToken).ConfigureAwait(false);
        return new AccountResponse
        {
            AccountId = account.Id,
            Username = account.Username,
            IdentityKey = account.IdentityKey,
            DeviceIds = devices.Select(d => d.Address.DeviceId).ToArray(),
        };
    }

    public async Task ReRegisterAsync(AuthenticatedDevice device, ReRegisterRequest request, CancellationToken cancellationToken)
    {
        RequirePrimary(device, "Only device 1 can re-register the account.");
        PreKeyValidator.CheckIdentityKey(request.IdentityKey);
        PreKeyValidator.CheckRegistrationId(request.RegistrationId);
        var update = keys.ForNewDevice(request.IdentityKey, request.SignedPreKey, request.PqLastResortPreKey, request.PreKeys, request.PqPreKeys);

        var before = await accounts.GetDevicesAsync(device.Account.Id, cancellationToken).ConfigureAwait(false);
        if (!await accounts.ReRegisterAsync(device.Address, request.IdentityKey, request.RegistrationId, update, cancellationToken).ConfigureAwait(false))
        {
            Fail.NotFound("This device no longer exists.");
        }

        int removed = 0;
        foreach (var other in before.Where(d => d.Address != device.Address))
        {
            await bus.DisconnectAsync(other.Address, DisconnectReason.DeviceRemoved, cancellationToken).ConfigureAwait(false);
            removed++;
        }

        Log.AccountReRegistered(logger, device.Account.Id, removed);
    }

    public async Task DeleteAsync(AuthenticatedDevice device, CancellationToken cancellationToken)
    {
        RequirePrimary(device, "Only device 1 can delete the account.");
        var before = await accounts.GetDevicesAsync(device.Account.Id, cancellationToken).ConfigureAwait(false);
        if (!await accounts.DeleteAsync(device.Account.Id, cancellationToken).ConfigureAwait(false))
        {
            Fail.NotFound("The account no longer exists.");
        }

        foreach (var other in before)
        {
            await bus.DisconnectAsync(other.Address, DisconnectReason.DeviceRemoved, cancellationToken).ConfigureAwait(false);
        }

        Log.AccountDeleted(logger, device.Account.Id);
    }

    internal void CheckName(byte[]? name)
    {
        if (name is not null && name.Length > _options.MaxDeviceNameBytes)
        {
            Fail.Invalid($"name is {name.Length} bytes; at most {_options.MaxDeviceNameBytes} are accepted.");
        }
    }

    private static void RequirePrimary(AuthenticatedDevice device, string detail)
    {
        if (device.Address.DeviceId != 1)
        {
            Fail.Forbidden(detail);
        }
    }

    private void CheckInviteCode(string? inviteCode)
    {
        if (_options.InviteCodes.Count == 0)
        {
            return;
        }

        bool match = false;
        if (inviteCode is not null && inviteCode.Length <= 128)
        {
            var given = Encoding.UTF8.GetBytes(inviteCode);
            foreach (var code in _options.InviteCodes)
            {
                match |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(code));
            }
        }

        if (!match)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, ProblemCodes.InviteCodeInvalid, "Registration on this server needs a valid invite code.");
        }
    }
}
