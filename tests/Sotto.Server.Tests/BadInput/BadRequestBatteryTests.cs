using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.BadInput;

/// <summary>
/// The server, its accounts and a pending link request, shared by every case of the battery. Served by real Kestrel
/// so that request-size limits and header parsing are the production ones.
/// </summary>
public sealed class BatteryFixture : IAsyncLifetime
{
    public SottoServerFactory Server { get; } = new(kestrel: true);

    public TestIdentity AliceIdentity { get; } = new("alice");

    public DeviceCredentials Alice { get; private set; } = null!;

    public DeviceCredentials Bob { get; private set; } = null!;

    public LinkRequestCreated PendingLink { get; private set; } = null!;

    /// <summary>An attachment Alice uploaded.</summary>
    public AttachmentUploaded Attachment { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Anonymous = Server.CreateClient();
        Alice = await Api.RegisterAsync(Anonymous, AliceIdentity, "alice", registrationId: 10);
        Bob = await Api.RegisterAsync(Anonymous, new TestIdentity("bob"), "bob", registrationId: 20);
        using (var response = await Api.SendAsync(Server.ClientFor(Alice), "bob", Api.Message(1, 20, [1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var link = await Anonymous.PostAsJsonAsync("/v1/devices/link", new LinkRequestCreate { PublicKey = [1, 2] }, Api.Json);
        PendingLink = await Api.ReadAsync<LinkRequestCreated>(link, HttpStatusCode.Created);
        Attachment = await Api.ReadAsync<AttachmentUploaded>(await Api.UploadAsync(Server.ClientFor(Alice), [1, 2, 3, 4]), HttpStatusCode.Created);
    }

    public ValueTask DisposeAsync()
    {
        Server.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Issue 3: at least 50 distinct bad requests, each answered with a 4xx RFC 7807 problem with a stable code and a
/// clear message, and none of them changing anything in storage. The server stays healthy throughout.
/// </summary>
public sealed class BadRequestBatteryTests(BatteryFixture fixture) : IClassFixture<BatteryFixture>
{
    private sealed record Case(string Method, string Path, Auth Auth, Func<BatteryFixture, HttpContent?> Body, HttpStatusCode Status, string Code);

    private enum Auth
    {
        None,
        Alice,
        Bob,
        WrongPassword,
        Raw,
    }

    private static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static HttpContent Json(JsonNode node) => Json(node.ToJsonString());

    private static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value, typeof(T), SottoJsonContext.Default)!;

    private static JsonNode Registration(BatteryFixture f, string username = "carol") => Node(new TestIdentity("carol").Registration(username));

    private static JsonNode With(JsonNode node, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var target = node;
        foreach (var part in parts[..^1])
        {
            target = int.TryParse(part, out var index) ? target[index]! : target[part]!;
        }

        if (int.TryParse(parts[^1], out var last))
        {
            target[last] = value;
        }
        else
        {
            target[parts[^1]] = value;
        }

        return node;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 1;
        return copy;
    }

    private static HttpContent Blob(string contentType = "application/octet-stream", int length = 16)
    {
        var content = new ByteArrayContent(new byte[length]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>A body that declares <paramref name="length"/> bytes; it is only produced if the server asks for it.</summary>
    private sealed class DeclaredContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            for (long left = length; left > 0; left -= chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(left, chunk.Length)));
            }
        }

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }

    private static HttpContent Declared(long length)
    {
        var content = new DeclaredContent(length);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        return content;
    }

    private static JsonNode Send(params object[] messages) => new JsonObject
    {
        ["timestamp"] = 1,
        ["messages"] = new JsonArray(messages.Select(m => (JsonNode)JsonSerializer.SerializeToNode(m)!).ToArray()),
    };

    private static object Message(int type = 2, uint device = 1, int registrationId = 20, byte[]? content = null) => new
    {
        type,
        destinationDeviceId = device,
        destinationRegistrationId = registrationId,
        content = B64(content ?? [1]),
    };

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // ---- registration: JSON syntax and types ----
        ["register: malformed JSON"] = new("POST", "/v1/accounts", Auth.None, _ => Json("{bad"), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: empty body"] = new("POST", "/v1/accounts", Auth.None, _ => Json(""), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: JSON array"] = new("POST", "/v1/accounts", Auth.None, _ => Json("[]"), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: JSON null"] = new("POST", "/v1/accounts", Auth.None, _ => Json("null"), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: text/plain"] = new("POST", "/v1/accounts", Auth.None, f => new StringContent(Registration(f).ToJsonString(), Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ["register: missing members"] = new("POST", "/v1/accounts", Auth.None, _ => Json("""{"username":"carol"}"""), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: username is a number"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "username", 42)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: registrationId is a string"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "registrationId", "1")), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: identityKey null"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "identityKey", null)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: identityKey not base64"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "identityKey", "!!!not-base64!!!")), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: keyId negative"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey.keyId", -1)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: keyId above 2^32"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey.keyId", 4294967296L)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: duplicate member"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f).ToJsonString().Replace("{\"username\":\"carol\"", "{\"username\":\"carol\",\"username\":\"dave\"", StringComparison.Ordinal)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: nested 100 deep"] = new("POST", "/v1/accounts", Auth.None, _ => Json(new string('[', 100) + new string(']', 100)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["register: body over 512 KiB"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "name", B64(new byte[600 * 1024]))), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge),

        // ---- registration: values ----
        ["register: registrationId 0"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "registrationId", 0)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["register: registrationId 16384"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "registrationId", 16384)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["register: username too short"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, "ab")), HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),
        ["register: username too long"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, new string('c', 33))), HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),
        ["register: username with a space"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, "car ol")), HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),
        ["register: username starting with a digit"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, "1carol")), HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),
        ["register: username non-ASCII"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, "carölina")), HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),
        ["register: username taken"] = new("POST", "/v1/accounts", Auth.None, f => Json(Registration(f, "Alice")), HttpStatusCode.Conflict, ProblemCodes.UsernameTaken),
        ["register: identityKey 32 bytes"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "identityKey", B64(new byte[32]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: identityKey type 0x06"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "identityKey", B64([0x06, .. new byte[32]]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: signed prekey 34 bytes"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey.publicKey", B64([0x05, .. new byte[33]]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: signature 63 bytes"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey.signature", B64(new byte[63]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["register: signed prekey signature forged"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey.signature", B64(Flip(new TestIdentity("carol").Registration("carol").SignedPreKey.Signature, 5)))), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["register: signed prekey signed by another identity"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "signedPreKey", Node(new TestIdentity("mallory").SignedPreKey(1)))), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["register: last-resort Kyber key with EC type"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "pqLastResortPreKey.publicKey", B64([0x05, .. new byte[1568]]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: last-resort Kyber key truncated"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "pqLastResortPreKey.publicKey", B64(TestIdentity.KyberPublicKey()[..1000]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: last-resort Kyber signature forged"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "pqLastResortPreKey.signature", B64(new byte[64]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["register: 101 one-time prekeys"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "preKeys", Node(new TestIdentity("carol").EcPreKeys(1, 101)))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["register: duplicate one-time key ids"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "preKeys.1.keyId", 100)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["register: one-time prekey wrong length"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "preKeys.0.publicKey", B64([0x05, 1, 2]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["register: one-time Kyber key signed by another identity"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "pqPreKeys.1", Node(new TestIdentity("mallory").KyberPreKey(201)))), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["register: device name over 256 bytes"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "name", B64(new byte[257]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["register: null list element"] = new("POST", "/v1/accounts", Auth.None, f => Json(With(Registration(f), "preKeys.0", null)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),

        // ---- authentication ----
        ["auth: none"] = new("GET", "/v1/accounts/me", Auth.None, _ => null, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["auth: wrong password"] = new("GET", "/v1/accounts/me", Auth.WrongPassword, _ => null, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["auth: Basic garbage"] = new("GET", "/v1/accounts/me", Auth.Raw, _ => null, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),

        // ---- keys ----
        ["keys: empty upload"] = new("PUT", "/v1/keys", Auth.Alice, _ => Json("{}"), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["keys: upload with forged signed prekey"] = new("PUT", "/v1/keys", Auth.Alice, f => Json(Node(new KeyUploadRequest { SignedPreKey = f.AliceIdentity.SignedPreKey(9) with { Signature = new byte[64] } })), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["keys: upload with signed prekey of another identity"] = new("PUT", "/v1/keys", Auth.Alice, _ => Json(Node(new KeyUploadRequest { SignedPreKey = new TestIdentity("mallory").SignedPreKey(9) })), HttpStatusCode.BadRequest, ProblemCodes.InvalidSignature),
        ["keys: upload with 1568-byte Kyber key"] = new("PUT", "/v1/keys", Auth.Alice, f => Json(Node(new KeyUploadRequest { PqPreKeys = [f.AliceIdentity.KyberPreKey(9) with { PublicKey = new byte[1568] }] })), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["keys: upload unauthenticated"] = new("PUT", "/v1/keys", Auth.None, f => Json(Node(new KeyUploadRequest { PreKeys = f.AliceIdentity.EcPreKeys(1, 1) })), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["keys: device id not a number"] = new("GET", "/v1/keys/bob/abc", Auth.Alice, _ => null, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["keys: device id 0"] = new("GET", "/v1/keys/bob/0", Auth.Alice, _ => null, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["keys: unknown account"] = new("GET", "/v1/keys/nobody/1", Auth.Alice, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["keys: invalid username"] = new("GET", "/v1/keys/b%21b/1", Auth.Alice, _ => null, HttpStatusCode.BadRequest, ProblemCodes.InvalidUsername),

        // ---- messages ----
        ["send: messages missing"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json("""{"timestamp":1}"""), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["send: type 1"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(type: 1))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: type 0"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(type: 0))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: empty content"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(content: []))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: content over 256 KiB"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(content: new byte[256 * 1024 + 1]))), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge),
        ["send: body over the request limit"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(content: new byte[3 * 1024 * 1024]))), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge),
        ["send: same device twice"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(), Message())), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: device 0"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(device: 0))), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: seven messages"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Enumerable.Range(1, 7).Select(i => Message(device: (uint)i)).ToArray())), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: ttl 0"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(With(Send(Message()), "ttlSeconds", 0)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: ttl over 14 days"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(With(Send(Message()), "ttlSeconds", 1_209_601)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: negative timestamp"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(With(Send(Message()), "timestamp", -5)), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["send: timestamp as float"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(With(Send(Message()), "timestamp", 1.5)), HttpStatusCode.BadRequest, ProblemCodes.MalformedRequest),
        ["send: unknown recipient"] = new("PUT", "/v1/messages/nobody", Auth.Alice, _ => Json(Send(Message())), HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["send: missing device"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send()), HttpStatusCode.Conflict, ProblemCodes.MismatchedDevices),
        ["send: extra device"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(), Message(device: 2))), HttpStatusCode.Conflict, ProblemCodes.MismatchedDevices),
        ["send: stale registration id"] = new("PUT", "/v1/messages/bob", Auth.Alice, _ => Json(Send(Message(registrationId: 21))), HttpStatusCode.Gone, ProblemCodes.StaleDevices),
        ["send: to own device"] = new("PUT", "/v1/messages/alice", Auth.Alice, _ => Json(Send(Message(registrationId: 10))), HttpStatusCode.Conflict, ProblemCodes.MismatchedDevices),

        // ---- devices and linking ----
        ["link: empty public key"] = new("POST", "/v1/devices/link", Auth.None, _ => Json("""{"publicKey":""}"""), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["link: public key over 256 bytes"] = new("POST", "/v1/devices/link", Auth.None, _ => Json(Node(new LinkRequestCreate { PublicKey = new byte[257] })), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["link: malformed code"] = new("GET", "/v1/devices/link/not-a-code", Auth.Alice, _ => null, HttpStatusCode.NotFound, ProblemCodes.LinkCodeInvalid),
        ["link: unknown code"] = new("PUT", "/v1/devices/link/ZZZZZ-ZZZZZ", Auth.Alice, _ => Json("""{"provisioningMessage":"AQ=="}"""), HttpStatusCode.NotFound, ProblemCodes.LinkCodeInvalid),
        ["link: empty provisioning message"] = new("PUT", "/v1/devices/link/{code}", Auth.Alice, _ => Json("""{"provisioningMessage":""}"""), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["link: provisioning message over 64 KiB"] = new("PUT", "/v1/devices/link/{code}", Auth.Alice, _ => Json(Node(new LinkApproval { ProvisioningMessage = new byte[65 * 1024] })), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["link: approve unauthenticated"] = new("PUT", "/v1/devices/link/{code}", Auth.None, _ => Json("""{"provisioningMessage":"AQ=="}"""), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["link: wait 61 seconds"] = new("POST", "/v1/devices/link/{code}/wait", Auth.None, f => Json(Node(new LinkWaitRequest { Token = f.PendingLink.Token, TimeoutSeconds = 61 })), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["link: wait with a wrong token"] = new("POST", "/v1/devices/link/{code}/wait", Auth.None, _ => Json(Node(new LinkWaitRequest { Token = new string('A', 43) })), HttpStatusCode.Forbidden, ProblemCodes.LinkTokenInvalid),
        ["link: complete with a garbage token"] = new("POST", "/v1/devices/link/{code}/complete", Auth.None, f => Json(With(Node(new LinkCompleteRequest { Token = "x", RegistrationId = 5, SignedPreKey = f.AliceIdentity.SignedPreKey(1), PqLastResortPreKey = f.AliceIdentity.KyberPreKey(2) }), "token", "garbage")), HttpStatusCode.Forbidden, ProblemCodes.LinkTokenInvalid),
        ["link: complete before approval"] = new("POST", "/v1/devices/link/{code}/complete", Auth.None, f => Json(Node(new LinkCompleteRequest { Token = f.PendingLink.Token, RegistrationId = 5, SignedPreKey = f.AliceIdentity.SignedPreKey(1), PqLastResortPreKey = f.AliceIdentity.KyberPreKey(2) })), HttpStatusCode.Conflict, ProblemCodes.LinkNotApproved),
        ["devices: remove device 1"] = new("DELETE", "/v1/devices/1", Auth.Alice, _ => null, HttpStatusCode.Forbidden, ProblemCodes.Forbidden),
        ["devices: remove unknown device"] = new("DELETE", "/v1/devices/9", Auth.Alice, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["devices: remove device 0"] = new("DELETE", "/v1/devices/0", Auth.Alice, _ => null, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),

        // ---- accounts ----
        ["accounts: re-register with a bad identity key"] = new("PUT", "/v1/accounts/me/identity", Auth.Alice, f => Json(With(Node(new ReRegisterRequest { IdentityKey = [1], RegistrationId = 5, SignedPreKey = f.AliceIdentity.SignedPreKey(1), PqLastResortPreKey = f.AliceIdentity.KyberPreKey(2) }), "identityKey", B64([0x05, 1]))), HttpStatusCode.BadRequest, ProblemCodes.InvalidKey),
        ["accounts: unknown username"] = new("GET", "/v1/accounts/nobody", Auth.Alice, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),

        // ---- attachments ----
        ["attachments: upload unauthenticated"] = new("POST", "/v1/attachments", Auth.None, _ => Blob(), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["attachments: upload with a wrong password"] = new("POST", "/v1/attachments", Auth.WrongPassword, _ => Blob(), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["attachments: upload as text/plain"] = new("POST", "/v1/attachments", Auth.Alice, _ => Blob("text/plain"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ["attachments: upload as JSON"] = new("POST", "/v1/attachments", Auth.Alice, _ => Json("{}"), HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType),
        ["attachments: empty upload"] = new("POST", "/v1/attachments", Auth.Alice, _ => Blob(length: 0), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["attachments: 100 MiB + 1 declared"] = new("POST", "/v1/attachments", Auth.Alice, _ => Declared(100L * 1024 * 1024 + 1), HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge),
        ["attachments: ttl 0"] = new("POST", "/v1/attachments?ttlSeconds=0", Auth.Alice, _ => Blob(), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["attachments: ttl over 14 days"] = new("POST", "/v1/attachments?ttlSeconds=1209601", Auth.Alice, _ => Blob(), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["attachments: ttl twice"] = new("POST", "/v1/attachments?ttlSeconds=5&ttlSeconds=6", Auth.Alice, _ => Blob(), HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["attachments: upload with PUT"] = new("PUT", "/v1/attachments", Auth.Alice, _ => Blob(), HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed),
        ["attachments: download unauthenticated"] = new("GET", "/v1/attachments/{attachment}", Auth.None, _ => null, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
        ["attachments: download an unknown id"] = new("GET", "/v1/attachments/0123456789abcdef0123456789abcdef", Auth.Bob, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["attachments: download a malformed id"] = new("GET", "/v1/attachments/not-an-id", Auth.Bob, _ => null, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest),
        ["attachments: delete someone else's"] = new("DELETE", "/v1/attachments/{attachment}", Auth.Bob, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["attachments: delete an unknown id"] = new("DELETE", "/v1/attachments/0123456789abcdef0123456789abcdef", Auth.Alice, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),

        // ---- routing ----
        ["route: unknown path"] = new("GET", "/v1/nothing-here", Auth.None, _ => null, HttpStatusCode.NotFound, ProblemCodes.NotFound),
        ["route: wrong method"] = new("DELETE", "/v1/keys", Auth.Alice, _ => null, HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed),
        ["websocket: plain GET"] = new("GET", "/v1/websocket", Auth.Bob, _ => null, HttpStatusCode.BadRequest, ProblemCodes.WebSocketRequired),
        ["websocket: unauthenticated"] = new("GET", "/v1/websocket", Auth.None, _ => null, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Fact]
    public void TheBatteryHoldsAtLeastFiftyDistinctBadRequests()
    {
        Assert.True(Cases.Count >= 50, $"{Cases.Count} cases");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadRequestGetsAProblemAndChangesNothing(string name)
    {
        var c = Cases[name];
        var f = fixture;
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{code}", f.PendingLink.Code, StringComparison.Ordinal).Replace("{attachment}", f.Attachment.Id, StringComparison.Ordinal)) { Content = c.Body(f) };
        request.Headers.Authorization = c.Auth switch
        {
            Auth.Alice => AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(f.Alice.Username, 1, f.Alice.Password)),
            Auth.Bob => AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(f.Bob.Username, 1, f.Bob.Password)),
            Auth.WrongPassword => AuthenticationHeaderValue.Parse(DeviceAuth.BasicHeaderValue(f.Alice.Username, 1, f.Bob.Password)),
            Auth.Raw => new AuthenticationHeaderValue("Basic", "!!!!garbage"),
            _ => null,
        };
        if (request.Content is not null)
        {
            // As well-behaved clients do for large bodies: a refusal arrives before the body is sent, so an early
            // 413 is read as a response instead of racing a connection reset.
            request.Headers.ExpectContinue = true;
        }

        var before = DatabaseSnapshot.Take(f.Server.DataDirectory);

        using var response = await f.Anonymous.SendAsync(request, TestContext.Current.CancellationToken);

        var problem = await Api.ProblemAsync(response, c.Status, c.Code);
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.True(problem.Detail!.Length >= 10, "detail too terse: " + problem.Detail);
        Assert.Equal(before, DatabaseSnapshot.Take(f.Server.DataDirectory));
        using var health = await f.Anonymous.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
