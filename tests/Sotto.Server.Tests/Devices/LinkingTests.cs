using System.Net;
using System.Net.Http.Json;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Devices;

public sealed class LinkingTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly SottoServerFactory _server = new();
    private readonly HttpClient _anonymous;
    private readonly TestIdentity _aliceIdentity = new("alice");

    public LinkingTests()
    {
        _anonymous = _server.CreateClient();
    }

    public void Dispose() => _server.Dispose();

    private async Task<LinkRequestCreated> OpenAsync(byte[]? publicKey = null)
    {
        using var response = await _anonymous.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = publicKey ?? [1, 2, 3, 4] }, Api.Json, Ct);
        return await Api.ReadAsync<LinkRequestCreated>(response, HttpStatusCode.Created);
    }

    private LinkCompleteRequest Completion(string token, int registrationId = 2, TestIdentity? signer = null)
    {
        var identity = signer ?? _aliceIdentity;
        return new LinkCompleteRequest
        {
            Token = token,
            RegistrationId = registrationId,
            Name = [9, 9],
            SignedPreKey = identity.SignedPreKey(10),
            PqLastResortPreKey = identity.KyberPreKey(11),
            PreKeys = identity.EcPreKeys(20, 3),
        };
    }

    private async Task<DeviceCredentials> LinkAsync(HttpClient approver, int registrationId)
    {
        var link = await OpenAsync();
        using (var approve = await approver.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [7] }, Api.Json, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, approve.StatusCode);
        }

        using var complete = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token, registrationId), Api.Json, Ct);
        return await Api.ReadAsync<DeviceCredentials>(complete, HttpStatusCode.Created);
    }

    [Fact]
    public async Task TheFullLinkFlowRelaysTheBlobsAndCreatesDeviceTwo()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        using var phone = _server.ClientFor(alice);
        var link = await OpenAsync([5, 6, 7]);
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$", link.Code);

        var waiting = _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code.ToLowerInvariant()}/wait", new LinkWaitRequest { Token = link.Token, TimeoutSeconds = 20 }, Api.Json, Ct);
        var info = await Api.ReadAsync<LinkRequestInfo>(await phone.GetAsync($"/v1/devices/link/{link.Code}", Ct));
        Assert.Equal([5, 6, 7], info.PublicKey);
        using (var approve = await phone.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [42, 43] }, Api.Json, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, approve.StatusCode);
        }

        var approved = await Api.ReadAsync<LinkWaitResponse>(await waiting);
        Assert.Equal(LinkWaitResponse.Approved, approved.Status);
        Assert.Equal([42, 43], approved.ProvisioningMessage);
        Assert.Equal(_aliceIdentity.PublicKey, approved.IdentityKey);
        Assert.Equal("alice", approved.Username);

        using var complete = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token), Api.Json, Ct);
        var laptop = await Api.ReadAsync<DeviceCredentials>(complete, HttpStatusCode.Created);
        Assert.Equal(2u, laptop.DeviceId);
        Assert.Equal(alice.AccountId, laptop.AccountId);

        var devices = await Api.ReadAsync<DeviceListResponse>(await _server.ClientFor(laptop).GetAsync("/v1/devices", Ct));
        Assert.Equal([1u, 2u], devices.Devices.Select(d => d.DeviceId));
        Assert.Equal([9, 9], devices.Devices[1].Name);
    }

    [Fact]
    public async Task WaitReturnsPendingWhenNotApprovedInTime()
    {
        var link = await OpenAsync();

        var response = await Api.ReadAsync<LinkWaitResponse>(await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/wait", new LinkWaitRequest { Token = link.Token }, Api.Json, Ct));

        Assert.Equal(LinkWaitResponse.Pending, response.Status);
        Assert.Null(response.ProvisioningMessage);
    }

    [Fact]
    public async Task WaitAndCompleteWithTheWrongTokenAreForbidden()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        var link = await OpenAsync();
        var other = await OpenAsync();
        await _server.ClientFor(alice).PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);

        using var wait = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/wait", new LinkWaitRequest { Token = other.Token }, Api.Json, Ct);
        using var complete = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(other.Token), Api.Json, Ct);

        await Api.ProblemAsync(wait, HttpStatusCode.Forbidden, ProblemCodes.LinkTokenInvalid);
        await Api.ProblemAsync(complete, HttpStatusCode.Forbidden, ProblemCodes.LinkTokenInvalid);
        Assert.Single((await Api.ReadAsync<DeviceListResponse>(await _server.ClientFor(alice).GetAsync("/v1/devices", Ct))).Devices);
    }

    [Fact]
    public async Task CompleteWithKeysNotSignedByTheAccountIdentityIsRefused()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        var link = await OpenAsync();
        await _server.ClientFor(alice).PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);

        using var response = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token, signer: new TestIdentity("mallory")), Api.Json, Ct);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature);
        Assert.Single((await Api.ReadAsync<DeviceListResponse>(await _server.ClientFor(alice).GetAsync("/v1/devices", Ct))).Devices);
    }

    [Fact]
    public async Task CompleteBeforeApprovalIsAConflict()
    {
        var link = await OpenAsync();

        using var response = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token), Api.Json, Ct);

        await Api.ProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.LinkNotApproved);
    }

    [Fact]
    public async Task ACodeCanBeApprovedOnceAndUsedOnce()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        using var phone = _server.ClientFor(alice);
        var link = await OpenAsync();
        await phone.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);

        using var again = await phone.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [2] }, Api.Json, Ct);
        using var first = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token), Api.Json, Ct);
        using var second = await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", Completion(link.Token), Api.Json, Ct);

        await Api.ProblemAsync(again, HttpStatusCode.Conflict, ProblemCodes.LinkAlreadyApproved);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await Api.ProblemAsync(second, HttpStatusCode.NotFound, ProblemCodes.LinkCodeInvalid);
    }

    [Fact]
    public async Task AnAccountHasAtMostSixDevices()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        using var phone = _server.ClientFor(alice);
        for (int i = 2; i <= 6; i++)
        {
            Assert.Equal((uint)i, (await LinkAsync(phone, i)).DeviceId);
        }

        var link = await OpenAsync();
        using var response = await phone.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);

        await Api.ProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.DeviceLimitReached);
        Assert.Equal(6, (await Api.ReadAsync<DeviceListResponse>(await phone.GetAsync("/v1/devices", Ct))).Devices.Count);
    }

    [Fact]
    public async Task DeviceOneRemovesAnotherDeviceWhoseCredentialsStopWorking()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        using var phone = _server.ClientFor(alice);
        var laptop = await LinkAsync(phone, 2);
        using var laptopClient = _server.ClientFor(laptop);

        using var removed = await phone.DeleteAsync("/v1/devices/2", Ct);
        using var after = await laptopClient.GetAsync("/v1/accounts/me", Ct);

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await Api.ProblemAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task ALinkedDeviceMayRemoveOnlyItself()
    {
        var alice = await Api.RegisterAsync(_anonymous, _aliceIdentity, "alice");
        using var phone = _server.ClientFor(alice);
        var laptop = await LinkAsync(phone, 2);
        var tablet = await LinkAsync(phone, 3);
        using var laptopClient = _server.ClientFor(laptop);

        using var other = await laptopClient.DeleteAsync($"/v1/devices/{tablet.DeviceId}", Ct);
        using var primary = await laptopClient.DeleteAsync("/v1/devices/1", Ct);
        using var self = await laptopClient.DeleteAsync($"/v1/devices/{laptop.DeviceId}", Ct);

        await Api.ProblemAsync(other, HttpStatusCode.Forbidden, ProblemCodes.Forbidden);
        await Api.ProblemAsync(primary, HttpStatusCode.Forbidden, ProblemCodes.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, self.StatusCode);
        Assert.Equal([1u, 3u], (await Api.ReadAsync<DeviceListResponse>(await phone.GetAsync("/v1/devices", Ct))).Devices.Select(d => d.DeviceId));
    }

    [Fact]
    public async Task LinkCodesExpire()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new SottoServerFactory(time: time);
        using var client = server.CreateClient();
        var alice = await Api.RegisterAsync(client, _aliceIdentity, "alice");
        var link = await Api.ReadAsync<LinkRequestCreated>(await client.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = [1] }, Api.Json, Ct), HttpStatusCode.Created);

        time.Advance(TimeSpan.FromSeconds(601));
        using var response = await server.ClientFor(alice).PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);

        await Api.ProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.LinkCodeInvalid);
    }
}
