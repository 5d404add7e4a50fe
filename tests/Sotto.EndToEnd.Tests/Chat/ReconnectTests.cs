using Sotto.Client;
using Sotto.EndToEnd.Tests.Support;

namespace Sotto.EndToEnd.Tests.Chat;

/// <summary>A receiving client with <see cref="ReceiveOptions.Reconnect"/> rides out a server restart.</summary>
public sealed class ReconnectTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReceiveReconnectsAfterTheServerRestartsAndMissesNothing()
    {
        int port = FreePort();
        await using var first = await LoopbackServer.StartAsync("--urls", $"http://127.0.0.1:{port}");
        var alice = await first.RegisterAsync("alice");
        var bob = await first.RegisterAsync("bob");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        var received = new List<string>();
        var gotTwo = new TaskCompletionSource();
        var receiving = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var e in bob.ReceiveAsync(new ReceiveOptions { Reconnect = true }, stop.Token))
                    {
                        if (e is MessageReceived m)
                        {
                            lock (received)
                            {
                                received.Add(m.Text);
                                if (received.Count == 2)
                                {
                                    gotTwo.TrySetResult();
                                }
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            },
            Ct);

        await alice.SendTextAsync("bob", "before the restart", Ct);
        for (int i = 0; i < 100 && received.Count == 0; i++)
        {
            await Task.Delay(50, Ct);
        }

        await first.StopServerAsync();
        await using var second = await LoopbackServer.StartAsync("--urls", $"http://127.0.0.1:{port}", "--data", first.DataDirectory);
        await alice.SendTextAsync("bob", "after the restart", Ct);

        await gotTwo.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await stop.CancelAsync();
        await receiving;
        Assert.Equal(["before the restart", "after the restart"], received);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
