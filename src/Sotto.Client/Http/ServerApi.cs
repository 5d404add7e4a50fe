using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sotto.Wire;

namespace Sotto.Client.Http;

/// <summary>
/// The relay server's REST API (docs/server-api.md) as typed calls. Owns the HTTP conversation and the mapping of
/// failures: every refused request becomes a <see cref="SottoClientException"/> with the server's status and stable
/// problem code; transport failures become <see cref="ClientError.Network"/>. Knows nothing of keys or sessions.
/// </summary>
internal sealed class ServerApi : IDisposable
{
    /// <summary>Largest response body read (the biggest legitimate one, six bundles, is ~25 KiB).</summary>
    private const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeSpan _timeout;
    private AuthenticationHeaderValue? _auth;

    public ServerApi(Uri server, HttpMessageHandler? handler, TimeSpan timeout)
    {
        Server = server;
        _ownsHttp = true;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;

        // REST calls get `timeout` each (ExchangeAsync); attachment transfers take as long as they take.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _timeout = timeout;
        _http.MaxResponseContentBufferSize = MaxResponseBytes;
    }

    public Uri Server { get; }

    /// <summary>Authenticates later requests as this device.</summary>
    public void UseCredentials(string username, uint deviceId, string password) =>
        _auth = AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(username, deviceId, password));

    public Task<DeviceCredentials> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/accounts", request, SottoJsonContext.Default.RegisterRequest, SottoJsonContext.Default.DeviceCredentials, authenticated: false, cancellationToken);

    public Task ReRegisterAsync(ReRegisterRequest request, CancellationToken cancellationToken) =>
        SendNoContentAsync(HttpMethod.Put, "v1/accounts/me/identity", request, SottoJsonContext.Default.ReRegisterRequest, authenticated: true, cancellationToken);

    public Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken) =>
        SendAsync<object, WhoAmIResponse>(HttpMethod.Get, "v1/accounts/me", null, null, SottoJsonContext.Default.WhoAmIResponse, authenticated: true, cancellationToken);

    public Task<AccountResponse> GetAccountAsync(string username, CancellationToken cancellationToken) =>
        SendAsync<object, AccountResponse>(HttpMethod.Get, "v1/accounts/" + Uri.EscapeDataString(username), null, null, SottoJsonContext.Default.AccountResponse, authenticated: true, cancellationToken);

    public Task<DeviceListResponse> GetDevicesAsync(CancellationToken cancellationToken) =>
        SendAsync<object, DeviceListResponse>(HttpMethod.Get, "v1/devices", null, null, SottoJsonContext.Default.DeviceListResponse, authenticated: true, cancellationToken);

    public Task<LinkRequestCreated> CreateLinkAsync(LinkRequestCreate request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/devices/link", request, SottoJsonContext.Default.LinkRequestCreate, SottoJsonContext.Default.LinkRequestCreated, authenticated: false, cancellationToken);

    public Task<LinkRequestInfo> GetLinkAsync(string code, CancellationToken cancellationToken) =>
        SendAsync<object, LinkRequestInfo>(HttpMethod.Get, "v1/devices/link/" + Uri.EscapeDataString(code), null, null, SottoJsonContext.Default.LinkRequestInfo, authenticated: true, cancellationToken);

    public Task ApproveLinkAsync(string code, LinkApproval approval, CancellationToken cancellationToken) =>
        SendNoContentAsync(HttpMethod.Put, "v1/devices/link/" + Uri.EscapeDataString(code), approval, SottoJsonContext.Default.LinkApproval, authenticated: true, cancellationToken);

    public Task<LinkWaitResponse> WaitLinkAsync(string code, LinkWaitRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/devices/link/" + Uri.EscapeDataString(code) + "/wait", request, SottoJsonContext.Default.LinkWaitRequest, SottoJsonContext.Default.LinkWaitResponse, authenticated: false, cancellationToken);

    public Task<DeviceCredentials> CompleteLinkAsync(string code, LinkCompleteRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/devices/link/" + Uri.EscapeDataString(code) + "/complete", request, SottoJsonContext.Default.LinkCompleteRequest, SottoJsonContext.Default.DeviceCredentials, authenticated: false, cancellationToken);

    public Task UploadKeysAsync(KeyUploadRequest request, CancellationToken cancellationToken) =>
        SendNoContentAsync(HttpMethod.Put, "v1/keys", request, SottoJsonContext.Default.KeyUploadRequest, authenticated: true, cancellationToken);

    public Task<PreKeyCountResponse> GetKeyCountAsync(CancellationToken cancellationToken) =>
        SendAsync<object, PreKeyCountResponse>(HttpMethod.Get, "v1/keys", null, null, SottoJsonContext.Default.PreKeyCountResponse, authenticated: true, cancellationToken);

    /// <summary>Bundles of one device, or of every device when <paramref name="deviceId"/> is null. Consumes one-time keys.</summary>
    public Task<PreKeyBundleResponse> GetBundlesAsync(string username, uint? deviceId, CancellationToken cancellationToken) =>
        SendAsync<object, PreKeyBundleResponse>(
            HttpMethod.Get,
            "v1/keys/" + Uri.EscapeDataString(username) + "/" + (deviceId is { } d ? d.ToString(CultureInfo.InvariantCulture) : "*"),
            null,
            null,
            SottoJsonContext.Default.PreKeyBundleResponse,
            authenticated: true,
            cancellationToken);

    public Task<SendMessagesResponse> SendMessagesAsync(string username, SendMessagesRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "v1/messages/" + Uri.EscapeDataString(username), request, SottoJsonContext.Default.SendMessagesRequest, SottoJsonContext.Default.SendMessagesResponse, authenticated: true, cancellationToken);

    /// <summary>Uploads an encrypted attachment blob of exactly <paramref name="length"/> bytes (streamed).</summary>
    public async Task<AttachmentUploaded> UploadAttachmentAsync(Stream blob, long length, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/attachments");
        request.Headers.Authorization = _auth ?? throw new InvalidOperationException("The client has no device credentials yet.");
        request.Headers.ExpectContinue = true;
        request.Content = new StreamContent(blob, 64 * 1024);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = length;
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync(SottoJsonContext.Default.AttachmentUploaded, cancellationToken).ConfigureAwait(false)
                ?? throw BadResponse(null);
        }
        catch (JsonException ex)
        {
            throw BadResponse(ex);
        }
    }

    /// <summary>Downloads an attachment blob into <paramref name="destination"/> (streamed), at most <paramref name="maxBytes"/>.</summary>
    public async Task DownloadAttachmentAsync(string id, Stream destination, long maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/attachments/" + Uri.EscapeDataString(id));
        request.Headers.Authorization = _auth ?? throw new InvalidOperationException("The client has no device credentials yet.");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
        {
            throw new SottoClientException(ClientError.InvalidAttachment, "The attachment on the server is larger than its message says.");
        }

        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var bodyScope = body.ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new SottoClientException(ClientError.InvalidAttachment, "The attachment on the server is larger than its message says.");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException ex)
        {
            throw new SottoClientException(ClientError.Network, "The download broke off.", ex) { IsTransient = true };
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SottoClientException(ClientError.Network, "Cannot reach the server.", ex) { IsTransient = true };
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await RefusedAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>The value of the Authorization header of this device (for the WebSocket upgrade).</summary>
    public string? AuthorizationHeader => _auth?.ToString();

    private async Task SendNoContentAsync<TRequest>(HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> requestType, bool authenticated, CancellationToken cancellationToken)
    {
        using var response = await ExchangeAsync(method, path, body, requestType, authenticated, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest? body,
        JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType,
        bool authenticated,
        CancellationToken cancellationToken)
    {
        using var response = await ExchangeAsync(method, path, body, requestType, authenticated, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
                ?? throw BadResponse(null);
        }
        catch (JsonException ex)
        {
            throw BadResponse(ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SottoClientException(ClientError.Network, "The connection to the server broke.", ex) { IsTransient = true };
        }
    }

    private async Task<HttpResponseMessage> ExchangeAsync<TRequest>(HttpMethod method, string path, TRequest? body, JsonTypeInfo<TRequest>? requestType, bool authenticated, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (authenticated)
        {
            request.Headers.Authorization = _auth ?? throw new InvalidOperationException("The client has no device credentials yet.");
        }

        if (body is not null && requestType is not null)
        {
            request.Content = JsonContent.Create(body, requestType);
        }

        HttpResponseMessage response;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SottoClientException(ClientError.Network, "Cannot reach the server.", ex) { IsTransient = true };
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SottoClientException(ClientError.Network, "The server did not answer in time.", ex) { IsTransient = true };
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await RefusedAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<SottoClientException> RefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Problem? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(SottoJsonContext.Default.Problem, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or NotSupportedException or InvalidOperationException)
        {
            // Not a problem document (a proxy's error page, say): the status alone is reported.
        }

        int status = (int)response.StatusCode;
        bool transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;
        string code = problem?.Code ?? "none";
        string message = response.StatusCode == HttpStatusCode.TooManyRequests
            ? "The server is rate limiting this device; try again later."
            : string.Create(CultureInfo.InvariantCulture, $"The server refused the request ({status} {code}).");
        return new SottoClientException(ClientError.ServerRejected, message)
        {
            HttpStatus = status,
            ServerCode = problem?.Code,
            IsTransient = transient,
            Problem = problem,
        };
    }

    private static SottoClientException BadResponse(Exception? inner) =>
        new(ClientError.BadServerResponse, "The server's answer is not the documented API.", inner);
}
