namespace Sotto.Server.Storage;

/// <summary>
/// Pending device links (new device → code → approval by an existing device → completion). Requests past their
/// expiry are invisible to every method and purged by <see cref="DeleteExpiredAsync"/>.
/// </summary>
public interface ILinkRequestStore
{
    /// <summary>False, changing nothing, when a request with this code exists.</summary>
    ValueTask<bool> TryCreateAsync(LinkRequest request, CancellationToken cancellationToken = default);

    ValueTask<LinkRequest?> FindAsync(string code, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records the approval unless the request is missing, expired or already approved.</summary>
    ValueTask<LinkApprovalOutcome> TryApproveAsync(string code, LinkApproval approval, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes an approved request atomically: creates the device (lowest free id ≥ 2) with its first prekeys in
    /// the approving account, unless it already has <paramref name="maxDevices"/> devices, and deletes the request.
    /// </summary>
    ValueTask<LinkCompletion> TryCompleteAsync(string code, NewDevice device, PreKeyUpdate keys, int maxDevices, DateTimeOffset now, CancellationToken cancellationToken = default);

    ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

public enum LinkApprovalOutcome
{
    Approved = 1,
    NotFound = 2,
    AlreadyApproved = 3,
}

public enum LinkCompletionStatus
{
    Completed = 1,
    NotFound = 2,
    NotApproved = 3,
    DeviceLimitReached = 4,
}

/// <summary>The result of <see cref="ILinkRequestStore.TryCompleteAsync"/>; <see cref="Device"/> is set when completed.</summary>
public readonly record struct LinkCompletion(LinkCompletionStatus Status, DeviceAddress Device);
