using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Sotto.Client;
using Sotto.EndToEnd.Tests.Support;
using Sotto.Wire;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>The client keeps its prekeys usable: it refills one-time keys below the threshold and rotates the signed ones.</summary>
public sealed class PreKeyUpkeepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneTimeKeysAreRefilledAfterTheDrainWhenBelowTheThreshold()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var bob = server.NewClient("bob", options => { options.PreKeyBatchSize = 5; options.PreKeyRefillThreshold = 3; });
        await bob.RegisterAsync("bob", cancellationToken: Ct);
        using var aliceHttp = await HttpAsAsync(server, alice);
        using var bobHttp = await HttpAsAsync(server, bob);
        Assert.Equal((5, 5), await CountsAsync(bobHttp));

        for (int i = 0; i < 3; i++)
        {
            using var fetched = await aliceHttp.GetAsync("v1/keys/bob/1", Ct);
            fetched.EnsureSuccessStatusCode();
        }

        Assert.Equal((2, 2), await CountsAsync(bobHttp));
        await bob.ReceiveAllAsync();
        Assert.Equal((5, 5), await CountsAsync(bobHttp));
        Assert.False(await bob.RefreshPreKeysAsync(Ct));

        // Sessions started from the replaced batch and from the new one both work.
        await alice.SendTextAsync("bob", "after the refill", Ct);
        Assert.Equal("after the refill", Assert.IsType<MessageReceived>(Assert.Single(await bob.ReceiveAllAsync())).Text);
    }

    [Fact]
    public async Task SignedPreKeyIsRotatedAndTheOldOneStillAcceptsMessagesInFlight()
    {
        await using var server = await LoopbackServer.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var carol = await server.RegisterAsync("carol");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bob = await server.RegisterAsync("bob", clock);
        using var aliceHttp = await HttpAsAsync(server, alice);
        uint before = await SignedPreKeyIdAsync(aliceHttp);

        // Carol starts a session with the current signed prekey, but her message is still on its way.
        await carol.SendTextAsync("bob", "sent before the rotation", Ct);

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.True(await bob.RefreshPreKeysAsync(Ct));
        uint after = await SignedPreKeyIdAsync(aliceHttp);
        Assert.NotEqual(before, after);

        await alice.SendTextAsync("bob", "sent after the rotation", Ct);
        var texts = (await bob.ReceiveAllAsync()).Cast<MessageReceived>().Select(m => m.Text).ToHashSet();
        Assert.Equal(["sent after the rotation", "sent before the rotation"], texts.Order());
    }

    private static async Task<HttpClient> HttpAsAsync(LoopbackServer server, SottoClient client)
    {
        var account = (await client.GetLocalAccountAsync(Ct))!;
        var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", DeviceAuth.BasicHeaderValue(account.Username, account.DeviceId, account.Password));
        return http;
    }

    private static async Task<(int, int)> CountsAsync(HttpClient http)
    {
        var counts = await http.GetFromJsonAsync("v1/keys", SottoJsonContext.Default.PreKeyCountResponse, Ct);
        return (counts!.Count, counts.PqCount);
    }

    private static async Task<uint> SignedPreKeyIdAsync(HttpClient http)
    {
        var bundle = await http.GetFromJsonAsync("v1/keys/bob/1", SottoJsonContext.Default.PreKeyBundleResponse, Ct);
        return Assert.Single(bundle!.Devices).SignedPreKey.KeyId;
    }
}
