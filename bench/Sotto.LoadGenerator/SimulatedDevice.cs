using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Google.Protobuf;
using Sotto.Crypto;
using Sotto.Wire;

namespace Sotto.LoadGenerator;

/// <summary>Key material shared by every simulated account (the server checks shape and signatures only).</summary>
internal sealed class SharedKeys
{
    public SharedKeys()
    {
        var random = SystemRandom.Instance;
        var identityPrivate = new byte[32];
        X25519.GeneratePrivateKey(random, identityPrivate);
        var identityPublic = new byte[32];
        X25519.DerivePublicKey(identityPrivate, identityPublic);
        IdentityKey = [KeyFormats.DjbType, .. identityPublic];

        var ecPrivate = new byte[32];
        var ecPublic = new byte[32];
        X25519.GeneratePrivateKey(random, ecPrivate);
        X25519.DerivePublicKey(ecPrivate, ecPublic);
        byte[] signedKey = [KeyFormats.DjbType, .. ecPublic];
        var kyberPublic = new byte[Kyber1024.PublicKeySize];
        Kyber1024.GenerateKeyPair(random, kyberPublic, new byte[Kyber1024.SecretKeySize]);
        byte[] kyberKey = [KeyFormats.Kyber1024Type, .. kyberPublic];
        SignedPreKey = new SignedEcPreKey { KeyId = 1, PublicKey = signedKey, Signature = Sign(identityPrivate, signedKey) };
        LastResort = new KyberPreKey { KeyId = 2, PublicKey = kyberKey, Signature = Sign(identityPrivate, kyberKey) };
        random.Fill(MessageKey);
    }

    public byte[] IdentityKey { get; }

    public SignedEcPreKey SignedPreKey { get; }

    public KyberPreKey LastResort { get; }

    /// <summary>The AES-256-GCM key the simulated devices encrypt message bodies with.</summary>
    public byte[] MessageKey { get; } = new byte[32];

    private static byte[] Sign(byte[] privateKey, byte[] message)
    {
        var signature = new byte[64];
        XEdDsa.Sign(privateKey, message, SystemRandom.Instance, signature);
        return signature;
    }
}

/// <summary>
/// One simulated device: an account with one device, its credentials, and (when connected) its delivery WebSocket,
/// which decrypts every envelope, records the send→receive latency carried inside, and acknowledges it.
/// </summary>
internal sealed class SimulatedDevice(string username, DeviceCredentials credentials, int registrationId)
{
    public const int PlaintextSize = 160;

    public string Username { get; } = username;

    public int RegistrationId { get; } = registrationId;

    public AuthenticationHeaderValue Authorization { get; } = AuthenticationHeaderValue.Parse(
        DeviceAuth.BasicHeaderValue(credentials.Username, credentials.DeviceId, credentials.Password));

    public ClientWebSocket? Socket { get; private set; }

    private readonly SemaphoreSlim _socketSend = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, TaskCompletionSource<SendResult>> _pending = new();
    private long _nextRequest;

    public static async Task<SimulatedDevice> RegisterAsync(HttpClient client, SharedKeys keys, string username, int registrationId)
    {
        using var response = await client.PostAsJsonAsync("/v1/accounts", new RegisterRequest
        {
            Username = username,
            IdentityKey = keys.IdentityKey,
            RegistrationId = registrationId,
            SignedPreKey = keys.SignedPreKey,
            PqLastResortPreKey = keys.LastResort,
        }, SottoJsonContext.Default.RegisterRequest);
        response.EnsureSuccessStatusCode();
        var credentials = await response.Content.ReadFromJsonAsync(SottoJsonContext.Default.DeviceCredentials) ?? throw new InvalidOperationException();
        return new SimulatedDevice(username, credentials, registrationId);
    }

    /// <summary>Connects and waits for QueueEmpty.</summary>
    public async Task ConnectAsync(Uri server, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", Authorization.ToString());
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(new UriBuilder(server) { Scheme = "ws", Path = "/v1/websocket" }.Uri, cancellationToken);
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("closed during connect");
            }

            if (result.EndOfMessage && ServerFrame.Parser.ParseFrom(buffer, 0, result.Count).FrameCase == ServerFrame.FrameOneofCase.QueueEmpty)
            {
                break;
            }
        }

        Socket = socket;
    }

    /// <summary>Encrypts a body carrying the send time (Stopwatch ticks) and a sequence number.</summary>
    public static byte[] Seal(byte[] key, long sentTicks, long sequence)
    {
        Span<byte> plaintext = stackalloc byte[PlaintextSize];
        plaintext.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(plaintext, sentTicks);
        BinaryPrimitives.WriteInt64LittleEndian(plaintext[8..], sequence);
        var nonce = new byte[AesGcmAead.NonceSize];
        BinaryPrimitives.WriteInt64LittleEndian(nonce, sequence);
        var sealedBytes = new byte[AesGcmAead.NonceSize + PlaintextSize + AesGcmAead.TagSize];
        nonce.CopyTo(sealedBytes, 0);
        AesGcmAead.Encrypt(key, nonce, plaintext, [], sealedBytes.AsSpan(AesGcmAead.NonceSize));
        return sealedBytes;
    }

    /// <summary>Receives until the socket closes or <paramref name="stop"/> fires; reports each decrypted send time.</summary>
    public async Task ReceiveLoopAsync(byte[] key, Action<long> onDelivered, CancellationToken stop)
    {
        var socket = Socket ?? throw new InvalidOperationException("not connected");
        var buffer = new byte[8192];
        var plaintext = new byte[PlaintextSize];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var frame = ServerFrame.Parser.ParseFrom(buffer, 0, length);
                if (frame.FrameCase == ServerFrame.FrameOneofCase.SendResult)
                {
                    if (_pending.TryRemove(frame.SendResult.RequestId, out var waiter))
                    {
                        waiter.TrySetResult(frame.SendResult);
                    }

                    continue;
                }

                if (frame.FrameCase != ServerFrame.FrameOneofCase.Envelope)
                {
                    continue;
                }

                var content = frame.Envelope.Content.Span;
                if (!AesGcmAead.TryDecrypt(key, content[..AesGcmAead.NonceSize], content[AesGcmAead.NonceSize..], [], plaintext))
                {
                    throw new InvalidOperationException("an envelope failed to decrypt");
                }

                onDelivered(BinaryPrimitives.ReadInt64LittleEndian(plaintext));
                var ack = new ClientFrame { Ack = new Ack() };
                ack.Ack.EnvelopeIds.Add(frame.Envelope.Id);
                await SendFrameAsync(ack, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            foreach (var waiter in _pending.Values)
            {
                waiter.TrySetCanceled(CancellationToken.None);
            }
        }
    }

    /// <summary>Sends one message to <paramref name="to"/> with a <see cref="Send"/> frame on this device's WebSocket.</summary>
    public async Task<SendResult> SendOverSocketAsync(SimulatedDevice to, byte[] content, CancellationToken cancellationToken)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextRequest);
        var waiter = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = waiter;
        var send = new Send { RequestId = id, Destination = to.Username, Timestamp = (ulong)Stopwatch.GetTimestamp() };
        send.Messages.Add(new OutgoingEnvelope
        {
            Type = EnvelopeType.Whisper,
            DestinationDeviceId = 1,
            DestinationRegistrationId = (uint)to.RegistrationId,
            Content = UnsafeByteOperations.UnsafeWrap(content),
        });
        await SendFrameAsync(new ClientFrame { Send = send }, cancellationToken);
        return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    private async Task SendFrameAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var bytes = frame.ToByteArray();
        await _socketSend.WaitAsync(cancellationToken);
        try
        {
            await Socket!.SendAsync(bytes, WebSocketMessageType.Binary, true, cancellationToken);
        }
        finally
        {
            _socketSend.Release();
        }
    }

    public static HttpRequestMessage SendRequest(SimulatedDevice from, SimulatedDevice to, byte[] content) => new(HttpMethod.Put, $"/v1/messages/{to.Username}")
    {
        Headers = { Authorization = from.Authorization },
        // A sized body (not chunked), as a client that serialises before sending would send it.
        Content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new SendMessagesRequest
        {
            Timestamp = Stopwatch.GetTimestamp(),
            Messages = [new OutgoingMessage { Type = EnvelopeType.Whisper, DestinationDeviceId = 1, DestinationRegistrationId = to.RegistrationId, Content = content }],
        }, SottoJsonContext.Default.SendMessagesRequest))
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
        },
    };
}
