using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sotto.Server.Features.Accounts;
using Sotto.Server.Features.PreKeys;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Devices;

/// <summary>
/// Device linking. The server relays two opaque blobs between the devices and never sees the identity private key:
/// <code>
///   new device                         server                          existing device (authenticated)
///   POST /v1/devices/link {publicKey} ─► code + token
///   shows code ─────────────── user types it ──────────────────────►  GET  /v1/devices/link/{code} → publicKey
///                                       ◄── PUT /v1/devices/link/{code} {provisioningMessage encrypted to publicKey}
///   POST …/{code}/wait {token}       ─► approved: provisioningMessage, identity key
///   POST …/{code}/complete {token, registrationId, prekeys signed with the identity key} ─► device id + password
/// </code>
/// Completion checks the prekey signatures under the account's identity key, so only a device that could decrypt
/// the provisioning message can finish the link; the token additionally keeps anyone who merely saw the code out.
/// </summary>
internal sealed class LinkService(
    ILinkRequestStore links,
    IAccountStore accounts,
    PreKeyValidator keys,
    AccountService accountService,
    IOptions<DeviceOptions> options,
    TimeProvider time,
    ILogger<LinkService> logger)
{
    private const int MaxLinkPublicKeyBytes = 256;
    private readonly DeviceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _approvals = new(StringComparer.Ordinal);

    public async Task<LinkRequestCreated> CreateAsync(LinkRequestCreate request, CancellationToken cancellationToken)
    {
        if (request.PublicKey.Length is 0 or > MaxLinkPublicKeyBytes)
        {
            Fail.Invalid($"publicKey must be 1 to {MaxLinkPublicKeyBytes} bytes.");
        }

        var now = time.GetUtcNow();
        var expires = now.AddSeconds(_options.LinkCodeLifetimeSeconds);
        var (token, tokenHash) = LinkCodes.NewToken();
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var code = LinkCodes.NewCode();
            if (await links.TryCreateAsync(new LinkRequest(code, tokenHash, request.PublicKey, now, expires, null), cancellationToken).ConfigureAwait(false))
            {
                return new LinkRequestCreated { Code = LinkCodes.Display(code), Token = token, ExpiresAt = expires.ToUnixTimeMilliseconds() };
            }
        }

        throw new StorageException("Could not allocate a unique link code.", isTransient: true);
    }

    public async Task<LinkRequestInfo> GetAsync(string code, CancellationToken cancellationToken)
    {
        var request = await FindAsync(code, cancellationToken).ConfigureAwait(false);
        if (request.Approval is not null)
        {
            Fail.LinkCodeInvalid();
        }

        return new LinkRequestInfo { PublicKey = request.PublicKey, ExpiresAt = request.Expires.ToUnixTimeMilliseconds() };
    }

    public async Task ApproveAsync(AuthenticatedDevice approver, string code, Wire.LinkApproval approval, CancellationToken cancellationToken)
    {
        if (approval.ProvisioningMessage.Length is 0 || approval.ProvisioningMessage.Length > _options.MaxProvisioningMessageBytes)
        {
            Fail.Invalid($"provisioningMessage must be 1 to {_options.MaxProvisioningMessageBytes} bytes.");
        }

        var canonical = Canonical(code);
        var devices = await accounts.GetDevicesAsync(approver.Account.Id, cancellationToken).ConfigureAwait(false);
        if (devices.Count >= _options.MaxDevices)
        {
            Fail.Conflict(ProblemCodes.DeviceLimitReached, $"The account already has {_options.MaxDevices} devices; remove one first.");
        }

        var record = new Sotto.Server.Storage.LinkApproval(approver.Account.Id, approver.Address.DeviceId, approval.ProvisioningMessage, time.GetUtcNow());
        switch (await links.TryApproveAsync(canonical, record, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            case LinkApprovalOutcome.Approved:
                if (_approvals.TryRemove(canonical, out var waiter))
                {
                    waiter.TrySetResult();
                }

                return;
            case LinkApprovalOutcome.AlreadyApproved:
                Fail.Conflict(ProblemCodes.LinkAlreadyApproved, "This link code was already approved.");
                break;
            default:
                Fail.LinkCodeInvalid();
                break;
        }
    }

    public async Task<LinkWaitResponse> WaitAsync(string code, LinkWaitRequest request, CancellationToken cancellationToken)
    {
        if (request.TimeoutSeconds < 0 || request.TimeoutSeconds > _options.MaxLinkWaitSeconds)
        {
            Fail.Invalid($"timeoutSeconds must be 0 to {_options.MaxLinkWaitSeconds}.");
        }

        var canonical = Canonical(code);
        var deadline = time.GetUtcNow().AddSeconds(request.TimeoutSeconds);
        while (true)
        {
            var signal = _approvals.GetOrAdd(canonical, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                var found = await FindAsync(canonical, cancellationToken).ConfigureAwait(false);
                CheckToken(found, request.Token);
                if (found.Approval is { } approval)
                {
                    var account = await accounts.FindAsync(approval.AccountId, cancellationToken).ConfigureAwait(false);
                    if (account is null)
                    {
                        Fail.LinkCodeInvalid();
                    }

                    return new LinkWaitResponse
                    {
                        Status = LinkWaitResponse.Approved,
                        AccountId = account.Id,
                        Username = account.Username,
                        IdentityKey = account.IdentityKey,
                        ProvisioningMessage = approval.ProvisioningMessage,
                    };
                }

                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    return new LinkWaitResponse { Status = LinkWaitResponse.Pending };
                }

                // Woken by an approval on this node; re-checking the store every second covers other nodes.
                try
                {
                    await signal.Task.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
            finally
            {
                _approvals.TryRemove(new KeyValuePair<string, TaskCompletionSource>(canonical, signal));
            }
        }
    }

    public async Task<DeviceCredentials> CompleteAsync(string code, LinkCompleteRequest request, CancellationToken cancellationToken)
    {
        var canonical = Canonical(code);
        var found = await FindAsync(canonical, cancellationToken).ConfigureAwait(false);
        CheckToken(found, request.Token);
        var approval = found.Approval;
        if (approval is null)
        {
            Fail.Conflict(ProblemCodes.LinkNotApproved, "The link request has not been approved yet.");
        }

        var account = await accounts.FindAsync(approval.AccountId, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            Fail.LinkCodeInvalid();
        }

        PreKeyValidator.CheckRegistrationId(request.RegistrationId);
        accountService.CheckName(request.Name);
        var update = keys.ForNewDevice(account.IdentityKey, request.SignedPreKey, request.PqLastResortPreKey, request.PreKeys, request.PqPreKeys);

        var now = time.GetUtcNow();
        var (password, hash) = DevicePasswords.Generate();
        var result = await links.TryCompleteAsync(canonical, new NewDevice(request.RegistrationId, request.Name, hash, now), update, _options.MaxDevices, now, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case LinkCompletionStatus.Completed:
                Log.DeviceLinked(logger, result.Device.DeviceId, account.Id);
                return new DeviceCredentials { AccountId = account.Id, Username = account.Username, DeviceId = result.Device.DeviceId, Password = password };
            case LinkCompletionStatus.DeviceLimitReached:
                Fail.Conflict(ProblemCodes.DeviceLimitReached, $"The account already has {_options.MaxDevices} devices; remove one first.");
                break;
            case LinkCompletionStatus.NotApproved:
                Fail.Conflict(ProblemCodes.LinkNotApproved, "The link request has not been approved yet.");
                break;
            default:
                Fail.LinkCodeInvalid();
                break;
        }

        throw new System.Diagnostics.UnreachableException();
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        await links.DeleteExpiredAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

    private static string Canonical(string code)
    {
        if (!LinkCodes.TryCanonicalize(code, out var canonical))
        {
            Fail.LinkCodeInvalid();
        }

        return canonical;
    }

    private async Task<LinkRequest> FindAsync(string code, CancellationToken cancellationToken)
    {
        var request = await links.FindAsync(Canonical(code), time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            Fail.LinkCodeInvalid();
        }

        return request;
    }

    private static void CheckToken(LinkRequest request, string token)
    {
        if (!LinkCodes.TokenMatches(token, request.TokenHash))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, ProblemCodes.LinkTokenInvalid, "The link token does not belong to this link code.");
        }
    }
}
