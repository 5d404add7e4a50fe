using Sotto.Client;
using Sotto.Client.Storage.Sqlite;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Examples;

/// <summary>The code sample of docs/client.md ("At a glance"), compiled and run against the real server.</summary>
public sealed class Teaser
{
    [Fact]
    public async Task Run()
    {
        await using var server = await LoopbackServer.StartAsync();
        Uri serverUrl = server.Address;
        string aliceProfile = server.ProfilePath("alice"), bobProfile = server.ProfilePath("bob");
        var cancellationToken = TestContext.Current.CancellationToken;
        var received = new List<string>();

        #region teaser
        // One SottoClient per device; its state lives in the profile directory (SQLite).
        await using var alice = new SottoClientBuilder()
            .UseServer(serverUrl)
            .UseProfileDirectory(aliceProfile)
            .UseSqliteStore()
            .Build();
        await using var bob = new SottoClientBuilder()
            .UseServer(serverUrl)
            .UseProfileDirectory(bobProfile)
            .UseSqliteStore()
            .Build();

        // Each registers an account; its device is device 1 (identity key and prekeys are made and uploaded).
        await alice.RegisterAsync("alice", cancellationToken: cancellationToken);
        await bob.RegisterAsync("bob", cancellationToken: cancellationToken);

        // Alice sends: encrypted for every device of bob, and synced to her own other devices.
        SentMessage sent = await alice.SendTextAsync("bob", "Hello Bob", cancellationToken);

        // Bob receives: everything queued, then live messages; here until the queue is drained.
        await foreach (ClientEvent e in bob.ReceiveAsync(new ReceiveOptions { IdleTimeout = TimeSpan.Zero }, cancellationToken))
        {
            switch (e)
            {
                case MessageReceived m:
                    received.Add($"{m.From}: {m.Text}");   // already stored in bob's history
                    break;
                case IdentityChanged c:
                    // c.Username re-registered (or someone is in the middle): sending to them is blocked
                    // until bob compares safety numbers and calls TrustAsync.
                    break;
            }
        }

        // Both can compare safety numbers out of band.
        SafetyNumber number = await alice.GetSafetyNumberAsync("bob", cancellationToken);
        Console.WriteLine(number.Formatted);   // "12345 67890 … " (60 digits), the same on bob's side
        #endregion

        Assert.Equal(["alice: Hello Bob"], received);
        Assert.Equal(number.Digits, (await bob.GetSafetyNumberAsync("alice", cancellationToken)).Digits);
        Assert.Equal(sent.Id, Assert.Single(await bob.GetHistoryAsync("alice", cancellationToken)).Id);
    }
}
