using Sotto.Server.Storage;

namespace Sotto.Server.Tests.Storage;

/// <summary>The <see cref="ILinkRequestStore"/> contract.</summary>
public abstract class LinkRequestStoreContract : StoreContract
{
    private static LinkRequest Request(string code, DateTimeOffset? expires = null) =>
        new(code, Bytes(32, 1), Bytes(48, 2), T0, expires ?? T0.AddMinutes(10), null);

    [Fact]
    public async Task CreatedRequestsAreFoundUntilTheyExpire()
    {
        Assert.True(await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct));

        var found = await LinkRequests.FindAsync("AAAAA11111", T0.AddMinutes(9), Ct);
        Assert.NotNull(found);
        Assert.Equal(Bytes(32, 1), found.TokenHash);
        Assert.Equal(Bytes(48, 2), found.PublicKey);
        Assert.Equal(T0.AddMinutes(10), found.Expires);
        Assert.Null(found.Approval);
        Assert.Null(await LinkRequests.FindAsync("AAAAA11111", T0.AddMinutes(10), Ct));
        Assert.Null(await LinkRequests.FindAsync("BBBBB22222", T0, Ct));
    }

    [Fact]
    public async Task CreateWithALiveCodeReturnsFalseButAnExpiredCodeIsReplaced()
    {
        Assert.True(await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct));
        Assert.False(await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct));

        var later = new LinkRequest("AAAAA11111", Bytes(32, 9), Bytes(48, 9), T0.AddMinutes(11), T0.AddMinutes(20), null);
        Assert.True(await LinkRequests.TryCreateAsync(later, Ct));
        Assert.Equal(Bytes(32, 9), (await LinkRequests.FindAsync("AAAAA11111", T0.AddMinutes(12), Ct))!.TokenHash);
    }

    [Fact]
    public async Task ApproveRecordsTheApprovalOnceOnly()
    {
        var alice = await CreateAccountAsync("alice");
        await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct);

        var approval = new LinkApproval(alice.Id, 1, Bytes(100, 5), T0.AddMinutes(1));
        Assert.Equal(LinkApprovalOutcome.Approved, await LinkRequests.TryApproveAsync("AAAAA11111", approval, T0.AddMinutes(1), Ct));
        Assert.Equal(LinkApprovalOutcome.AlreadyApproved, await LinkRequests.TryApproveAsync("AAAAA11111", approval with { ProvisioningMessage = Bytes(3, 3) }, T0.AddMinutes(2), Ct));
        Assert.Equal(LinkApprovalOutcome.NotFound, await LinkRequests.TryApproveAsync("ZZZZZ99999", approval, T0, Ct));
        Assert.Equal(LinkApprovalOutcome.NotFound, await LinkRequests.TryApproveAsync("AAAAA11111", approval, T0.AddMinutes(10), Ct));

        var found = await LinkRequests.FindAsync("AAAAA11111", T0.AddMinutes(3), Ct);
        Assert.NotNull(found!.Approval);
        Assert.Equal(alice.Id, found.Approval.AccountId);
        Assert.Equal(1u, found.Approval.ApprovedBy);
        Assert.Equal(Bytes(100, 5), found.Approval.ProvisioningMessage);
        Assert.Equal(T0.AddMinutes(1), found.Approval.Approved);
    }

    [Fact]
    public async Task CompleteBeforeApprovalReportsNotApprovedAndKeepsTheRequest()
    {
        await CreateAccountAsync("alice");
        await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct);

        var result = await LinkRequests.TryCompleteAsync("AAAAA11111", NewDevice(5), FullKeys(), 6, T0, Ct);

        Assert.Equal(LinkCompletionStatus.NotApproved, result.Status);
        Assert.NotNull(await LinkRequests.FindAsync("AAAAA11111", T0, Ct));
    }

    [Fact]
    public async Task CompleteCreatesTheDeviceWithItsKeysAndConsumesTheRequest()
    {
        var alice = await CreateAccountAsync("alice");
        await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct);
        await LinkRequests.TryApproveAsync("AAAAA11111", new LinkApproval(alice.Id, 1, Bytes(10, 1), T0), T0, Ct);

        var result = await LinkRequests.TryCompleteAsync("AAAAA11111", NewDevice(55), FullKeys(ecCount: 4, kyberCount: 1), 6, T0, Ct);

        Assert.Equal(LinkCompletionStatus.Completed, result.Status);
        Assert.Equal(new DeviceAddress(alice.Id, 2), result.Device);
        Assert.Equal(55, (await Accounts.FindDeviceAsync("alice", 2, Ct))!.Device.RegistrationId);
        Assert.Equal(new PreKeyCounts(4, 1), await PreKeys.CountAsync(result.Device, Ct));
        Assert.Null(await LinkRequests.FindAsync("AAAAA11111", T0, Ct));
        Assert.Equal(LinkCompletionStatus.NotFound, (await LinkRequests.TryCompleteAsync("AAAAA11111", NewDevice(55), FullKeys(), 6, T0, Ct)).Status);
    }

    [Fact]
    public async Task CompleteAssignsTheLowestFreeDeviceId()
    {
        var alice = await CreateAccountAsync("alice");
        var d2 = await LinkDeviceAsync(alice, 2);
        var d3 = await LinkDeviceAsync(alice, 3);
        await Accounts.RemoveDeviceAsync(d2, Ct);

        var again = await LinkDeviceAsync(alice, 4);
        var next = await LinkDeviceAsync(alice, 5);

        Assert.Equal(3u, d3.DeviceId);
        Assert.Equal(2u, again.DeviceId);
        Assert.Equal(4u, next.DeviceId);
    }

    [Fact]
    public async Task CompleteAtTheDeviceLimitReportsItAndAddsNothing()
    {
        var alice = await CreateAccountAsync("alice");
        await LinkDeviceAsync(alice, 2, maxDevices: 2);
        await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct);
        await LinkRequests.TryApproveAsync("AAAAA11111", new LinkApproval(alice.Id, 1, Bytes(10, 1), T0), T0, Ct);

        var result = await LinkRequests.TryCompleteAsync("AAAAA11111", NewDevice(5), FullKeys(), 2, T0, Ct);

        Assert.Equal(LinkCompletionStatus.DeviceLimitReached, result.Status);
        Assert.Equal(2, (await Accounts.GetDevicesAsync(alice.Id, Ct)).Count);
    }

    [Fact]
    public async Task CompleteAfterTheApprovingAccountWasDeletedReportsNotFound()
    {
        var alice = await CreateAccountAsync("alice");
        await LinkRequests.TryCreateAsync(Request("AAAAA11111"), Ct);
        await LinkRequests.TryApproveAsync("AAAAA11111", new LinkApproval(alice.Id, 1, Bytes(10, 1), T0), T0, Ct);
        await Accounts.DeleteAsync(alice.Id, Ct);

        var result = await LinkRequests.TryCompleteAsync("AAAAA11111", NewDevice(5), FullKeys(), 6, T0, Ct);

        Assert.Equal(LinkCompletionStatus.NotFound, result.Status);
        Assert.Empty(await Accounts.GetDevicesAsync(alice.Id, Ct));
    }

    [Fact]
    public async Task DeleteExpiredRemovesOnlyExpiredRequests()
    {
        await LinkRequests.TryCreateAsync(Request("AAAAA11111", T0.AddMinutes(1)), Ct);
        await LinkRequests.TryCreateAsync(Request("BBBBB22222", T0.AddMinutes(5)), Ct);

        Assert.Equal(1, await LinkRequests.DeleteExpiredAsync(T0.AddMinutes(2), Ct));

        Assert.NotNull(await LinkRequests.FindAsync("BBBBB22222", T0.AddMinutes(2), Ct));
        Assert.Equal(0, await LinkRequests.DeleteExpiredAsync(T0.AddMinutes(2), Ct));
    }
}
