using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Accounts;

public sealed class RegistrationTests : IDisposable
{
    private readonly SottoServerFactory _server = new();
    private readonly HttpClient _anonymous;

    public RegistrationTests()
    {
        _anonymous = _server.CreateClient();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task RegisterReturnsCredentialsForDeviceOneThatAuthenticate()
    {
        var identity = new TestIdentity("alice");

        var credentials = await Api.RegisterAsync(_anonymous, identity, "Alice");

        Assert.Equal("alice", credentials.Username);
        Assert.Equal(1u, credentials.DeviceId);
        Assert.Equal(43, credentials.Password.Length);
        var me = await Api.ReadAsync<WhoAmIResponse>(await _server.ClientFor(credentials).GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken));
        Assert.Equal(credentials.AccountId, me.AccountId);
        Assert.Equal("alice", me.Username);
        Assert.Equal(1u, me.DeviceId);
        Assert.Equal(identity.PublicKey, me.IdentityKey);
    }

    [Fact]
    public async Task RegisterWithATakenUsernameInAnyCaseIsAConflict()
    {
        await Api.RegisterAsync(_anonymous, new TestIdentity("a1"), "alice");

        using var response = await _anonymous.PostAsJsonAsync("/v1/accounts", new TestIdentity("a2").Registration("ALICE"), Api.Json, TestContext.Current.CancellationToken);

        await Api.ProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.UsernameTaken);
    }

    [Fact]
    public async Task WrongPasswordIsUnauthorizedWithAChallenge()
    {
        var credentials = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");
        using var client = _server.ClientFor(credentials with { Password = new string('A', 43) });

        using var response = await client.GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken);

        await Api.ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task PasswordsAreStoredOnlyAsSaltedHashes()
    {
        var credentials = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");

        var device = await _server.Service<Sotto.Server.Storage.IAccountStore>().FindDeviceAsync("alice", 1, TestContext.Current.CancellationToken);

        Assert.Equal(16, device!.Device.Password.Salt.Length);
        Assert.Equal(32, device.Device.Password.Hash.Length);
        var raw = System.Text.Encoding.ASCII.GetBytes(credentials.Password);
        var file = await File.ReadAllBytesAsync(Path.Combine(_server.DataDirectory, "sotto.db-wal"), TestContext.Current.CancellationToken);
        Assert.Equal(-1, file.AsSpan().IndexOf(raw));
    }

    [Fact]
    public async Task InviteCodeIsRequiredWhenTheOperatorSetsOne()
    {
        using var server = new SottoServerFactory(new Dictionary<string, string?> { ["Accounts:InviteCodes:0"] = "let-me-in" });
        using var client = server.CreateClient();
        var identity = new TestIdentity("alice");

        using var without = await client.PostAsJsonAsync("/v1/accounts", identity.Registration("alice"), Api.Json, TestContext.Current.CancellationToken);
        using var wrong = await client.PostAsJsonAsync("/v1/accounts", identity.Registration("alice", inviteCode: "let-me-out"), Api.Json, TestContext.Current.CancellationToken);
        using var right = await client.PostAsJsonAsync("/v1/accounts", identity.Registration("alice", inviteCode: "let-me-in"), Api.Json, TestContext.Current.CancellationToken);

        await Api.ProblemAsync(without, HttpStatusCode.Forbidden, ProblemCodes.InviteCodeInvalid);
        await Api.ProblemAsync(wrong, HttpStatusCode.Forbidden, ProblemCodes.InviteCodeInvalid);
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
    }

    [Fact]
    public async Task GetAccountShowsIdentityAndDevicesWithoutConsumingKeys()
    {
        var alice = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");
        var bobIdentity = new TestIdentity("bob");
        await Api.RegisterAsync(_anonymous, bobIdentity, "bob");
        using var client = _server.ClientFor(alice);

        var account = await Api.ReadAsync<AccountResponse>(await client.GetAsync("/v1/accounts/BOB", TestContext.Current.CancellationToken));

        Assert.Equal("bob", account.Username);
        Assert.Equal(bobIdentity.PublicKey, account.IdentityKey);
        Assert.Equal([1u], account.DeviceIds);
        var counts = await _server.Service<Sotto.Server.Storage.IPreKeyStore>().CountAsync(new(account.AccountId, 1), TestContext.Current.CancellationToken);
        Assert.Equal(new Sotto.Server.Storage.PreKeyCounts(2, 2), counts);
    }

    [Fact]
    public async Task ReRegisterByDeviceOneChangesTheIdentityAndKeepsThePassword()
    {
        var bob = await Api.RegisterAsync(_anonymous, new TestIdentity("bob"), "bob");
        using var client = _server.ClientFor(bob);
        var fresh = new TestIdentity("bob-new");
        var registration = fresh.Registration("bob", registrationId: 4321);

        using var response = await client.PutAsJsonAsync("/v1/accounts/me/identity", new ReRegisterRequest
        {
            IdentityKey = fresh.PublicKey,
            RegistrationId = 4321,
            SignedPreKey = registration.SignedPreKey,
            PqLastResortPreKey = registration.PqLastResortPreKey,
        }, Api.Json, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var me = await Api.ReadAsync<WhoAmIResponse>(await client.GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken));
        Assert.Equal(fresh.PublicKey, me.IdentityKey);
    }

    [Fact]
    public async Task ReRegisterWithKeysSignedByTheOldIdentityIsRefused()
    {
        var oldIdentity = new TestIdentity("bob");
        var bob = await Api.RegisterAsync(_anonymous, oldIdentity, "bob");
        using var client = _server.ClientFor(bob);

        using var response = await client.PutAsJsonAsync("/v1/accounts/me/identity", new ReRegisterRequest
        {
            IdentityKey = new TestIdentity("bob-new").PublicKey,
            RegistrationId = 4321,
            SignedPreKey = oldIdentity.SignedPreKey(2),
            PqLastResortPreKey = oldIdentity.KyberPreKey(3),
        }, Api.Json, TestContext.Current.CancellationToken);

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature);
        var me = await Api.ReadAsync<WhoAmIResponse>(await client.GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken));
        Assert.Equal(oldIdentity.PublicKey, me.IdentityKey);
    }

    [Fact]
    public async Task DeleteFreesTheUsernameAndRevokesTheCredentials()
    {
        var bob = await Api.RegisterAsync(_anonymous, new TestIdentity("bob"), "bob");
        using var client = _server.ClientFor(bob);

        using var deleted = await client.DeleteAsync("/v1/accounts/me", TestContext.Current.CancellationToken);
        using var after = await client.GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Api.ProblemAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        await Api.RegisterAsync(_anonymous, new TestIdentity("bob2"), "bob");
    }

    [Fact]
    public async Task TheAuthorizationHeaderIsCaseInsensitiveInTheUsername()
    {
        var alice = await Api.RegisterAsync(_anonymous, new TestIdentity("alice"), "alice");
        using var client = _server.CreateClient();
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue("ALICE", 1, alice.Password));

        using var response = await client.GetAsync("/v1/accounts/me", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
