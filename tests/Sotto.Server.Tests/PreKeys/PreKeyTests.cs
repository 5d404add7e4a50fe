using System.Net;
using System.Net.Http.Json;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.PreKeys;

public sealed class PreKeyTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly SottoServerFactory _server = new();
    private readonly HttpClient _anonymous;

    public PreKeyTests()
    {
        _anonymous = _server.CreateClient();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task FetchingABundleConsumesOneTimeKeysUntilOnlyTheLastResortKyberKeyIsLeft()
    {
        var bobIdentity = new TestIdentity("bob");
        var bob = await Api.RegisterAsync(_anonymous, bobIdentity, "bob", registrationId: 77, oneTimeKeys: 2);
        var alice = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");
        using var client = _server.ClientFor(alice);

        var bundles = new List<PreKeyBundleResponse>();
        for (int i = 0; i < 3; i++)
        {
            bundles.Add(await Api.ReadAsync<PreKeyBundleResponse>(await client.GetAsync("/v1/keys/bob/1", Ct)));
        }

        Assert.All(bundles, b => Assert.Equal(bobIdentity.PublicKey, b.IdentityKey));
        Assert.All(bundles, b => Assert.Equal(77, Assert.Single(b.Devices).RegistrationId));
        Assert.Equal([100u, 101u], bundles.Take(2).Select(b => b.Devices[0].PreKey!.KeyId));
        Assert.Equal([200u, 201u], bundles.Take(2).Select(b => b.Devices[0].PqPreKey.KeyId));
        Assert.Null(bundles[2].Devices[0].PreKey);
        Assert.True(bundles[2].Devices[0].PqPreKeyIsLastResort);
        Assert.Equal(1000u, bundles[2].Devices[0].PqPreKey.KeyId);
        var counts = await Api.ReadAsync<PreKeyCountResponse>(await _server.ClientFor(bob).GetAsync("/v1/keys", Ct));
        Assert.Equal(0, counts.Count);
        Assert.Equal(0, counts.PqCount);
    }

    [Fact]
    public async Task UploadRefillsOneTimeKeysAndTheCountShowsThem()
    {
        var identity = new TestIdentity("bob");
        var bob = await Api.RegisterAsync(_anonymous, identity, "bob");
        using var client = _server.ClientFor(bob);

        using var response = await client.PutAsJsonAsync("/v1/keys", new KeyUploadRequest { PreKeys = identity.EcPreKeys(500, 100), PqPreKeys = identity.KyberPreKeys(600, 40) }, Api.Json, Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var counts = await Api.ReadAsync<PreKeyCountResponse>(await client.GetAsync("/v1/keys", Ct));
        Assert.Equal(100, counts.Count);
        Assert.Equal(40, counts.PqCount);
    }

    [Fact]
    public async Task UploadWithOneBadSignatureStoresNothing()
    {
        var identity = new TestIdentity("bob");
        var bob = await Api.RegisterAsync(_anonymous, identity, "bob");
        using var client = _server.ClientFor(bob);
        var keys = identity.KyberPreKeys(600, 5).ToList();
        var signature = (byte[])keys[3].Signature.Clone();
        signature[10] ^= 1;
        keys[3] = keys[3] with { Signature = signature };

        using var response = await client.PutAsJsonAsync("/v1/keys", new KeyUploadRequest { PreKeys = identity.EcPreKeys(500, 10), PqPreKeys = keys }, Api.Json, Ct);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature);
        Assert.Contains("pqPreKeys[3]", problem.Detail, StringComparison.Ordinal);
        var counts = await Api.ReadAsync<PreKeyCountResponse>(await client.GetAsync("/v1/keys", Ct));
        Assert.Equal(2, counts.Count);
        Assert.Equal(2, counts.PqCount);
    }

    [Fact]
    public async Task FetchingEveryDeviceReturnsABundlePerDevice()
    {
        var identity = new TestIdentity("bob");
        var bob = await Api.RegisterAsync(_anonymous, identity, "bob");
        var link = await Api.ReadAsync<LinkRequestCreated>(await _anonymous.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = [1] }, Api.Json, Ct), HttpStatusCode.Created);
        await _server.ClientFor(bob).PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct);
        await _anonymous.PostAsJsonAsync($"/v1/devices/link/{link.Code}/complete", new LinkCompleteRequest
        {
            Token = link.Token,
            RegistrationId = 88,
            SignedPreKey = identity.SignedPreKey(2),
            PqLastResortPreKey = identity.KyberPreKey(3),
        }, Api.Json, Ct);
        var alice = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");

        var bundle = await Api.ReadAsync<PreKeyBundleResponse>(await _server.ClientFor(alice).GetAsync("/v1/keys/bob/*", Ct));

        Assert.Equal([1u, 2u], bundle.Devices.Select(d => d.DeviceId));
        Assert.Equal([1, 88], bundle.Devices.Select(d => d.RegistrationId));
        Assert.Null(bundle.Devices[1].PreKey);
        Assert.True(bundle.Devices[1].PqPreKeyIsLastResort);
    }

    [Fact]
    public async Task FetchingAnUnknownDeviceOrAccountIsNotFound()
    {
        var alice = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");
        using var client = _server.ClientFor(alice);

        using var device = await client.GetAsync("/v1/keys/alice/7", Ct);
        using var account = await client.GetAsync("/v1/keys/nobody/1", Ct);

        await Api.ProblemAsync(device, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await Api.ProblemAsync(account, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }
}
