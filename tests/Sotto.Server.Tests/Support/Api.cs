using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sotto.Wire;

namespace Sotto.Server.Tests.Support;

/// <summary>Thin typed calls over HttpClient using the wire JSON context, and problem assertions.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = SottoJsonContext.Default.Options;

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Json) ?? throw new InvalidOperationException("null body");
    }

    public static async Task<Problem> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string code)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize(body, SottoJsonContext.Default.Problem)!;
        Assert.Equal((int)expected, problem.Status);
        Assert.Equal(code, problem.Code);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), "problem without a detail: " + body);
        return problem;
    }

    public static async Task<DeviceCredentials> RegisterAsync(HttpClient client, TestIdentity identity, string username, int registrationId = 1, int oneTimeKeys = 2)
    {
        using var response = await client.PostAsJsonAsync("/v1/accounts", identity.Registration(username, registrationId, oneTimeKeys), Json, TestContext.Current.CancellationToken);
        return await ReadAsync<DeviceCredentials>(response, HttpStatusCode.Created);
    }

    public static Task<HttpResponseMessage> SendAsync(HttpClient client, string to, params OutgoingMessage[] messages) =>
        client.PutAsJsonAsync($"/v1/messages/{to}", new SendMessagesRequest { Timestamp = 1_764_190_000_000, Messages = messages }, Json, TestContext.Current.CancellationToken);

    /// <summary>Uploads <paramref name="bytes"/> as an attachment (application/octet-stream with Content-Length).</summary>
    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, int? ttlSeconds = null)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return client.PostAsync(ttlSeconds is null ? "/v1/attachments" : $"/v1/attachments?ttlSeconds={ttlSeconds}", content, TestContext.Current.CancellationToken);
    }

    public static OutgoingMessage Message(uint device, int registrationId, byte[] content, EnvelopeType type = EnvelopeType.Whisper) => new()
    {
        Type = type,
        DestinationDeviceId = device,
        DestinationRegistrationId = registrationId,
        Content = content,
    };
}
