using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.Hosting;

/// <summary>DESIGN.md §4: the server never logs payloads, keys, passwords, tokens or usernames — at any level.</summary>
public sealed class LoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFullSessionAtTraceLevelLogsNoSecretsUsernamesPayloadsOrAttachmentIds()
    {
        var sink = new CapturingLoggerProvider();
        using var factory = new SottoServerFactory(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        });
        using var server = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(sink)));
        using var anonymous = server.CreateClient();
        var aliceIdentity = new TestIdentity("alice");
        var alice = await Api.RegisterAsync(anonymous, aliceIdentity, "zorgalice", registrationId: 10);
        var bob = await Api.RegisterAsync(anonymous, new TestIdentity("bob"), "zorgbobby", registrationId: 20);
        var payload = "PAYLOAD-MARKER-0123456789"u8.ToArray();
        using var aliceClient = server.CreateClient();
        aliceClient.DefaultRequestHeaders.Authorization = System.Net.Http.Headers.AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(alice.Username, 1, alice.Password));
        (await aliceClient.GetAsync("/v1/keys/zorgbobby/1", Ct)).Dispose();
        (await Api.SendAsync(aliceClient, "zorgbobby", Api.Message(1, 20, payload))).Dispose();
        var link = await Api.ReadAsync<LinkRequestCreated>(await anonymous.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = [1] }, Api.Json, Ct), System.Net.HttpStatusCode.Created);
        (await aliceClient.PutAsJsonAsync($"/v1/devices/link/{link.Code}", new LinkApproval { ProvisioningMessage = [1] }, Api.Json, Ct)).Dispose();
        var blob = new ByteArrayContent("ATTACHMENT-MARKER-0123456789"u8.ToArray());
        blob.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var attachment = await Api.ReadAsync<AttachmentUploaded>(await aliceClient.PostAsync("/v1/attachments", blob, Ct), System.Net.HttpStatusCode.Created);
        (await aliceClient.GetAsync($"/v1/attachments/{attachment.Id}", Ct)).Dispose();
        (await aliceClient.DeleteAsync($"/v1/attachments/{attachment.Id}", Ct)).Dispose();
        using (var wrong = server.CreateClient())
        {
            wrong.DefaultRequestHeaders.Authorization = System.Net.Http.Headers.AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(bob.Username, 1, alice.Password));
            (await wrong.GetAsync("/v1/accounts/me", Ct)).Dispose();
        }

        var bobSocket = server.Server.CreateWebSocketClient();
        bobSocket.ConfigureRequest = r => r.Headers.Authorization = DeviceAuth.BasicHeaderValue(bob.Username, 1, bob.Password);
        using (var socket = await bobSocket.ConnectAsync(new Uri(server.Server.BaseAddress, "/v1/websocket"), Ct))
        {
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, Ct);
            await socket.SendAsync(new byte[] { 0xFF, 0x01 }, System.Net.WebSockets.WebSocketMessageType.Binary, true, Ct);
            await socket.ReceiveAsync(buffer, Ct);
        }

        var log = sink.Text;
        Assert.NotEmpty(log);
        string[] forbidden =
        [
            "zorgalice", "zorgbobby", alice.Password, bob.Password, link.Token, link.Code, link.Code.Replace("-", "", StringComparison.Ordinal),
            "PAYLOAD-MARKER", Convert.ToBase64String(payload), Convert.ToBase64String(aliceIdentity.PublicKey),
            "ATTACHMENT-MARKER", attachment.Id,
        ];
        for (int i = 0; i < forbidden.Length; i++)
        {
            Assert.False(log.Contains(forbidden[i], StringComparison.OrdinalIgnoreCase), $"the log contains forbidden value #{i}");
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                owner._lines.Enqueue("scope " + state);
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                owner._lines.Enqueue($"{category} {eventId} {formatter(state, exception)} {exception}");
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values)
                    {
                        owner._lines.Enqueue($"  {key}={value}");
                    }
                }
            }
        }
    }
}
