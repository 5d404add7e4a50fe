using System.Text.Json;
using Sotto.Wire;

namespace Sotto.Server.Tests.WireContract;

/// <summary>
/// The client–server contract is append-only (Garnet <c>PersistedEnumStabilityTests</c>): enum values, frame field
/// numbers, problem codes and JSON member names may be added, never changed. A failing test here means a wire break.
/// </summary>
public sealed class WireContractTests
{
    [Fact]
    public void EnvelopeTypeValuesNeverChange()
    {
        var values = Enum.GetValues<EnvelopeType>().ToDictionary(v => v.ToString(), v => (int)v);

        Assert.Equal(new Dictionary<string, int> { ["Unspecified"] = 0, ["Whisper"] = 2, ["PreKey"] = 3 }, values);
    }

    [Fact]
    public void FrameFieldNumbersNeverChange()
    {
        Assert.Equal(1, ServerFrame.EnvelopeFieldNumber);
        Assert.Equal(2, ServerFrame.QueueEmptyFieldNumber);
        Assert.Equal(3, ServerFrame.PongFieldNumber);
        Assert.Equal(4, ServerFrame.SendResultFieldNumber);
        Assert.Equal(1, ClientFrame.AckFieldNumber);
        Assert.Equal(2, ClientFrame.PingFieldNumber);
        Assert.Equal(3, ClientFrame.SendFieldNumber);
        Assert.Equal(
            [1, 2, 3, 4, 5],
            new[] { Send.RequestIdFieldNumber, Send.DestinationFieldNumber, Send.TimestampFieldNumber, Send.TtlSecondsFieldNumber, Send.MessagesFieldNumber });
        Assert.Equal(
            [1, 2, 3, 4],
            new[] { OutgoingEnvelope.TypeFieldNumber, OutgoingEnvelope.DestinationDeviceIdFieldNumber, OutgoingEnvelope.DestinationRegistrationIdFieldNumber, OutgoingEnvelope.ContentFieldNumber });
        Assert.Equal(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            new[]
            {
                SendResult.RequestIdFieldNumber, SendResult.StatusFieldNumber, SendResult.CodeFieldNumber, SendResult.DetailFieldNumber,
                SendResult.ServerTimestampFieldNumber, SendResult.EnvelopesFieldNumber, SendResult.MissingDevicesFieldNumber,
                SendResult.ExtraDevicesFieldNumber, SendResult.StaleDevicesFieldNumber, SendResult.RetryAfterSecondsFieldNumber,
            });
        Assert.Equal([1, 2], new[] { SentEnvelopeId.DestinationDeviceIdFieldNumber, SentEnvelopeId.IdFieldNumber });
        Assert.Equal(1, Ack.EnvelopeIdsFieldNumber);
        Assert.Equal(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            new[]
            {
                Envelope.IdFieldNumber, Envelope.TypeFieldNumber, Envelope.SourceUsernameFieldNumber, Envelope.SourceAccountIdFieldNumber,
                Envelope.SourceDeviceIdFieldNumber, Envelope.DestinationDeviceIdFieldNumber, Envelope.ClientTimestampFieldNumber,
                Envelope.ServerTimestampFieldNumber, Envelope.DeadlineFieldNumber, Envelope.ContentFieldNumber,
            });
    }

    [Fact]
    public void AnEnvelopeHasAStableEncoding()
    {
        var envelope = new Envelope
        {
            Id = "01234567-89ab-cdef-0123-456789abcdef",
            Type = EnvelopeType.PreKey,
            SourceUsername = "alice",
            SourceAccountId = "00000000-0000-0000-0000-000000000001",
            SourceDeviceId = 2,
            DestinationDeviceId = 3,
            ClientTimestamp = 4,
            ServerTimestamp = 5,
            Deadline = 6,
            Content = Google.Protobuf.ByteString.CopyFrom(7, 8),
        };

        Assert.Equal(
            // Computed independently from the proto3 encoding rules (tag = field << 3 | wire type).
            "0a2430313233343536372d383961622d636465662d303132332d3435363738396162636465661003" +
            "1a05616c696365222430303030303030302d303030302d303030302d303030302d303030303030303030303031" +
            "2802300338044005480652020708",
            Convert.ToHexStringLower(Google.Protobuf.MessageExtensions.ToByteArray(envelope)));
    }

    [Fact]
    public void ProblemCodesNeverChange()
    {
        var codes = typeof(ProblemCodes).GetFields().ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["MalformedRequest"] = "malformed_request",
                ["InvalidRequest"] = "invalid_request",
                ["InvalidUsername"] = "invalid_username",
                ["InvalidKey"] = "invalid_key",
                ["InvalidSignature"] = "invalid_signature",
                ["WebSocketRequired"] = "websocket_required",
                ["Unauthorized"] = "unauthorized",
                ["Forbidden"] = "forbidden",
                ["InviteCodeInvalid"] = "invite_code_invalid",
                ["LinkTokenInvalid"] = "link_token_invalid",
                ["NotFound"] = "not_found",
                ["LinkCodeInvalid"] = "link_code_invalid",
                ["MethodNotAllowed"] = "method_not_allowed",
                ["UsernameTaken"] = "username_taken",
                ["DeviceLimitReached"] = "device_limit_reached",
                ["LinkAlreadyApproved"] = "link_already_approved",
                ["LinkNotApproved"] = "link_not_approved",
                ["MismatchedDevices"] = "mismatched_devices",
                ["StaleDevices"] = "stale_devices",
                ["LengthRequired"] = "length_required",
                ["PayloadTooLarge"] = "payload_too_large",
                ["UnsupportedMediaType"] = "unsupported_media_type",
                ["RangeNotSatisfiable"] = "range_not_satisfiable",
                ["RateLimited"] = "rate_limited",
                ["InternalError"] = "internal_error",
                ["Unavailable"] = "unavailable",
            },
            codes);
    }

    [Fact]
    public void RestBodiesUseTheDocumentedMemberNames()
    {
        var send = new SendMessagesRequest
        {
            Timestamp = 1,
            TtlSeconds = 60,
            Messages = [new OutgoingMessage { Type = EnvelopeType.Whisper, DestinationDeviceId = 2, DestinationRegistrationId = 3, Content = [4] }],
        };
        var bundle = new DevicePreKeyBundle
        {
            DeviceId = 1,
            RegistrationId = 2,
            SignedPreKey = new SignedEcPreKey { KeyId = 3, PublicKey = [4], Signature = [5] },
            PqPreKey = new KyberPreKey { KeyId = 6, PublicKey = [7], Signature = [8] },
            PqPreKeyIsLastResort = true,
        };

        Assert.Equal(
            """{"timestamp":1,"ttlSeconds":60,"messages":[{"type":2,"destinationDeviceId":2,"destinationRegistrationId":3,"content":"BA=="}]}""",
            JsonSerializer.Serialize(send, SottoJsonContext.Default.SendMessagesRequest));
        Assert.Equal(
            """{"deviceId":1,"registrationId":2,"signedPreKey":{"keyId":3,"publicKey":"BA==","signature":"BQ=="},"pqPreKey":{"keyId":6,"publicKey":"Bw==","signature":"CA=="},"pqPreKeyIsLastResort":true}""",
            JsonSerializer.Serialize(bundle, SottoJsonContext.Default.DevicePreKeyBundle));
    }

    [Fact]
    public void EnvelopeIdsParseOnlyTheCanonicalForm()
    {
        var id = Guid.NewGuid();

        Assert.True(EnvelopeIds.TryParse(EnvelopeIds.Format(id), out var parsed));
        Assert.Equal(id, parsed);
        Assert.False(EnvelopeIds.TryParse(id.ToString("N"), out _));
        Assert.False(EnvelopeIds.TryParse(id.ToString("B"), out _));
        Assert.False(EnvelopeIds.TryParse(null, out _));
    }
}
