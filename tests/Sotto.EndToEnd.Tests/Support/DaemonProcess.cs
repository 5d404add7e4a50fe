using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sotto.EndToEnd.Tests.Support;

/// <summary>
/// A real <c>sotto daemon</c> child process on a free loopback port (<c>--http 127.0.0.1:0</c>), found through the
/// <c>daemon_started</c> line it prints, with an <see cref="HttpClient"/> that sends its bearer token.
/// Disposing kills it if it still runs.
/// </summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    private DaemonProcess(Process process, StringBuilder stderr, Uri url, string tokenFile, string token)
    {
        _process = process;
        _stderr = stderr;
        Url = url;
        TokenFile = tokenFile;
        Token = token;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Uri Url { get; }

    public string TokenFile { get; }

    public string Token { get; }

    /// <summary>Sends the daemon's token with every request.</summary>
    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<DaemonProcess> StartAsync(string profile, params string[] extraArgs)
    {
        var process = Cli.Start(["--profile", profile, "daemon", "--http", "127.0.0.1:0", "--json", .. extraArgs]);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        string? line = await process.StandardOutput.ReadLineAsync(cts.Token);
        if (line is null)
        {
            await process.WaitForExitAsync(cts.Token);
            throw new InvalidOperationException($"the daemon exited with {process.ExitCode}: {stderr}");
        }

        var started = JsonDocument.Parse(line).RootElement;
        Assert.Equal("daemon_started", started.GetProperty("type").GetString());
        string tokenFile = started.GetProperty("tokenFile").GetString()!;
        return new DaemonProcess(process, stderr, new Uri(started.GetProperty("url").GetString()!), tokenFile, await File.ReadAllTextAsync(tokenFile, cts.Token));
    }

    /// <summary>POSTs <paramref name="body"/> to /api/v1/rpc as JSON.</summary>
    public Task<HttpResponseMessage> PostRpcAsync(string body, HttpClient? client = null) =>
        (client ?? Http).PostAsync("api/v1/rpc", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

    /// <summary>Calls <paramref name="method"/> and returns the whole response object.</summary>
    public async Task<JsonElement> CallAsync(string method, object? parameters = null)
    {
        var request = new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 1 };
        if (parameters is not null)
        {
            request["params"] = parameters;
        }

        using var response = await PostRpcAsync(JsonSerializer.Serialize(request));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    /// <summary>Calls <paramref name="method"/>, asserts it succeeded and returns its result.</summary>
    public async Task<JsonElement> ResultAsync(string method, object? parameters = null)
    {
        var response = await CallAsync(method, parameters);
        Assert.False(response.TryGetProperty("error", out var error), $"{method} failed: {error}");
        return response.GetProperty("result");
    }

    /// <summary>Opens GET /api/v1/events and waits until the daemon confirmed the subscription.</summary>
    public Task<EventStream> OpenEventsAsync() => EventStream.OpenAsync(Http);

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }
}

/// <summary>A server-sent-event stream, read frame by frame.</summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>Every comment line read so far (keep-alives), without the leading colon.</summary>
    public List<string> Comments { get; } = [];

    public static async Task<EventStream> OpenAsync(HttpClient http)
    {
        var response = await http.GetAsync("api/v1/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken), Encoding.UTF8);
        var stream = new EventStream(response, reader);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.Equal(": connected", await reader.ReadLineAsync(cts.Token));
        Assert.Equal(string.Empty, await reader.ReadLineAsync(cts.Token));
        return stream;
    }

    /// <summary>The next event (comments are collected, not returned).</summary>
    public async Task<(string Event, JsonElement Data)> NextAsync(TimeSpan? within = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(within ?? TimeSpan.FromSeconds(30));
        string? name = null, data = null;
        while (true)
        {
            string line = await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (name is not null && data is not null)
                {
                    return (name, JsonDocument.Parse(data).RootElement.Clone());
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                Comments.Add(line[1..].Trim());
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                Assert.Null(data);
                data = line["data: ".Length..];
            }
        }
    }

    /// <summary>Skips events until one of type <paramref name="type"/> (optionally matching) arrives.</summary>
    public async Task<JsonElement> NextOfTypeAsync(string type, Func<JsonElement, bool>? match = null)
    {
        while (true)
        {
            var (name, data) = await NextAsync();
            Assert.Equal(name, data.GetProperty("type").GetString());
            if (name == type && (match is null || match(data)))
            {
                return data;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
