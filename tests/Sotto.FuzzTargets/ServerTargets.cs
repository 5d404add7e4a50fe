using Google.Protobuf;
using Sotto.Server.Features.Messages;
using Sotto.Server.Infrastructure;
using Sotto.TestSupport.Fuzzing;
using Sotto.Wire;

namespace Sotto.FuzzTargets;

/// <summary>
/// Binary decoding on the server (Sotto.Server; its JSON bodies have their own bad-request battery): the
/// WebSocket client frames, and the Basic credentials of every authenticated request. Neither may throw: a bad
/// frame is a protocol violation that closes the connection, bad credentials a failed authentication.
/// </summary>
public static class ServerTargets
{
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new FuzzTarget(
            "server-client-frame",
            "DeliveryConnection.DecodeFrame of a WebSocket ClientFrame (ack with envelope ids, ping, send)",
            ClientFrames,
            input =>
            {
                var decoded = DeliveryConnection.DecodeFrame(input);
                if (decoded.Violation is not null)
                {
                    FuzzCheckException.Check(decoded.Frame is null, "a violation came with a frame");
                    return;
                }

                FuzzCheckException.Check(decoded.Frame is not null, "neither a frame nor a violation");
                if (decoded.Frame!.FrameCase == ClientFrame.FrameOneofCase.Ack)
                {
                    FuzzCheckException.Check(decoded.AckIds is { Length: > 0 and <= DeliveryConnection.MaxIdsPerAck }, "an ack's ids escaped their bounds");
                }

                var again = DeliveryConnection.DecodeFrame(decoded.Frame.ToByteArray());
                FuzzCheckException.Check(again.Violation is null && again.Frame!.Equals(decoded.Frame), "a re-encoded frame decodes differently");
            },
            _ => false)
        {
            LengthFields = ProtobufScan.Lengths,
        };

        yield return new FuzzTarget(
            "server-basic-auth",
            "DeviceAuthenticationHandler.TryDecode of the Basic credentials base64(\"{username}.{deviceId}:{password}\")",
            () => [System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String("alice.01.2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"u8))],
            input =>
            {
                var chars = System.Text.Encoding.Latin1.GetString(input);
                if (DeviceAuthenticationHandler.TryDecode(chars, out var username, out uint deviceId, out var password))
                {
                    FuzzCheckException.Check(deviceId != 0 && username.Length > 0 && password.Length > 0, "accepted credentials lack a part");
                }
            },
            _ => false);
    }

    private static IReadOnlyList<byte[]> ClientFrames()
    {
        var ack = new ClientFrame { Ack = new Ack { EnvelopeIds = { Guid.Parse("018f3c1e-0000-7000-8000-000000000001").ToString("D"), Guid.Parse("018f3c1e-0000-7000-8000-000000000002").ToString("D") } } };
        var ping = new ClientFrame { Ping = new Ping { Nonce = 42 } };
        var send = new ClientFrame
        {
            Send = new Send
            {
                RequestId = 7,
                Destination = "bob.42",
                Timestamp = 1_780_000_000_000,
                TtlSeconds = 3600,
                Messages = { new OutgoingEnvelope { DestinationDeviceId = 1, DestinationRegistrationId = 77, Content = ByteString.CopyFrom(new byte[40]) } },
            },
        };
        return [ack.ToByteArray(), ping.ToByteArray(), send.ToByteArray()];
    }
}
