using System.Net;
using System.Net.Http.Json;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.RateLimiting;

public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SottoServerFactory Server(params (string Key, string Value)[] limits)
    {
        var settings = new Dictionary<string, string?> { ["RateLimits:Enabled"] = "true" };
        foreach (var (key, value) in limits)
        {
            settings["RateLimits:" + key] = value;
        }

        return new SottoServerFactory(settings);
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response)
    {
        await Api.ProblemAsync(response, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task RegistrationsPerIpAreLimitedWith429AndRetryAfter()
    {
        using var server = Server(("Registration:PermitLimit", "2"), ("Registration:WindowSeconds", "3600"));
        using var client = server.CreateClient();
        await Api.RegisterAsync(client, new TestIdentity("a"), "alice");
        await Api.RegisterAsync(client, new TestIdentity("b"), "bob");

        using var third = await client.PostAsJsonAsync("/v1/accounts", new TestIdentity("c").Registration("carol"), Api.Json, Ct);

        await AssertLimitedAsync(third);
        Assert.Null(await server.Service<Sotto.Server.Storage.IAccountStore>().FindByUsernameAsync("carol", Ct));
    }

    [Fact]
    public async Task SendsAreLimitedPerAccountNotAcrossAccounts()
    {
        using var server = Server(("Messages:PermitLimit", "3"), ("Messages:WindowSeconds", "600"));
        using var anonymous = server.CreateClient();
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("a"), "alice", registrationId: 10);
        var bob = await Api.RegisterAsync(anonymous, new TestIdentity("b"), "bob", registrationId: 20);
        using var aliceClient = server.ClientFor(alice);
        for (int i = 0; i < 3; i++)
        {
            using var ok = await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, [1]));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await Api.SendAsync(aliceClient, "bob", Api.Message(1, 20, [1]));
        using var other = await Api.SendAsync(server.ClientFor(bob), "alice", Api.Message(1, 10, [1]));

        await AssertLimitedAsync(limited);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(3, await server.Service<Sotto.Server.Storage.IMessageStore>().CountAsync(new(bob.AccountId, 1), Ct));
    }

    [Fact]
    public async Task PrekeyFetchesAreLimitedPerAccount()
    {
        using var server = Server(("KeyFetch:PermitLimit", "2"), ("KeyFetch:WindowSeconds", "600"));
        using var anonymous = server.CreateClient();
        var alice = await Api.RegisterAsync(anonymous, new TestIdentity("a"), "alice");
        await Api.RegisterAsync(anonymous, new TestIdentity("b"), "bob", oneTimeKeys: 10);
        using var client = server.ClientFor(alice);
        (await client.GetAsync("/v1/keys/bob/1", Ct)).Dispose();
        (await client.GetAsync("/v1/keys/bob/1", Ct)).Dispose();

        using var third = await client.GetAsync("/v1/keys/bob/1", Ct);

        await AssertLimitedAsync(third);
    }

    [Fact]
    public async Task AnonymousRequestsArePerIpLimitedByTheGlobalLimit()
    {
        using var server = Server(("Global:PermitLimit", "3"), ("Global:WindowSeconds", "600"));
        using var client = server.CreateClient();
        for (int i = 0; i < 3; i++)
        {
            (await client.GetAsync("/v1/accounts/me", Ct)).Dispose();
        }

        using var limited = await client.GetAsync("/v1/accounts/me", Ct);

        await AssertLimitedAsync(limited);
        using var health = await client.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
