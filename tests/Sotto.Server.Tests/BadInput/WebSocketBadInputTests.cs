using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Sotto.Server.Tests.Support;
using Sotto.Wire;

namespace Sotto.Server.Tests.BadInput;

/// <summary>
/// Garbage, truncated and oversized frames on the delivery WebSocket: the server closes that connection with the
/// documented close status and a reason, deletes nothing, stays healthy, and the device's next connection gets
/// its queue as before. Served by real Kestrel, because raw TCP cases need a socket.
/// </summary>
public sealed class WebSocketBadInputTests(BatteryFixture fixture) : IClassFixture<BatteryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Frame(ClientFrame frame) => frame.ToByteArray();

    private static byte[] Ack(params string[] ids)
    {
        var frame = new ClientFrame { Ack = new Ack() };
        frame.Ack.EnvelopeIds.Add(ids);
        return Frame(frame);
    }

    private static readonly Dictionary<string, (byte[] Bytes, WebSocketMessageType Type, WebSocketCloseStatus Status)> FrameCases = new()
    {
        ["text frame"] = (Encoding.UTF8.GetBytes("{\"ack\":1}"), WebSocketMessageType.Text, WebSocketCloseStatus.InvalidMessageType),
        ["random garbage"] = ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x99], WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["truncated ack"] = (Ack("01234567-89ab-cdef-0123-456789abcdef")[..20], WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["empty frame"] = ([], WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["unknown frame kind"] = ([0x7A, 0x02, 0x08, 0x01], WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["ack without ids"] = (Frame(new ClientFrame { Ack = new Ack() }), WebSocketMessageType.Binary, WebSocketCloseStatus.PolicyViolation),
        ["ack with 101 ids"] = (Ack(Enumerable.Range(0, 101).Select(_ => Guid.NewGuid().ToString("D")).ToArray()), WebSocketMessageType.Binary, WebSocketCloseStatus.PolicyViolation),
        ["ack with a malformed id"] = (Ack("not-a-guid"), WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["ack with a braced id"] = (Ack("{01234567-89ab-cdef-0123-456789abcdef}"), WebSocketMessageType.Binary, WebSocketCloseStatus.InvalidPayloadData),
        ["frame over 16 KiB"] = (new byte[20 * 1024], WebSocketMessageType.Binary, WebSocketCloseStatus.MessageTooBig),
    };

    public static TheoryData<string> FrameCaseNames => new(FrameCases.Keys);

    [Theory]
    [MemberData(nameof(FrameCaseNames))]
    public async Task ABadFrameClosesTheConnectionWithAReasonAndDeletesNothing(string name)
    {
        var (bytes, type, status) = FrameCases[name];
        var before = DatabaseSnapshot.Take(fixture.Server.DataDirectory);
        await using (var socket = await DeliveryClient.ConnectAsync(fixture.Server.ClientOptions.BaseAddress, fixture.Bob, Ct))
        {
            Assert.Single(await socket.DrainAsync());

            await socket.SendRawAsync(bytes, type);

            var (closeStatus, reason) = await socket.ReceiveCloseAsync();
            Assert.Equal(status, closeStatus);
            Assert.False(string.IsNullOrWhiteSpace(reason));
        }

        await AssertUnharmedAsync(before);
    }

    [Fact]
    public async Task AnOversizedMessageInManySmallFragmentsIsRefused()
    {
        var before = DatabaseSnapshot.Take(fixture.Server.DataDirectory);
        await using (var socket = await DeliveryClient.ConnectAsync(fixture.Server.ClientOptions.BaseAddress, fixture.Bob, Ct))
        {
            await socket.DrainAsync();
            for (int i = 0; i < 40; i++)
            {
                await socket.SendRawAsync(new byte[1024], WebSocketMessageType.Binary, endOfMessage: false);
            }

            var (closeStatus, _) = await socket.ReceiveCloseAsync();
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, closeStatus);
        }

        await AssertUnharmedAsync(before);
    }

    [Fact]
    public async Task AWebSocketFrameCutOffMidHeaderThenDisconnectHarmsNothing()
    {
        var before = DatabaseSnapshot.Take(fixture.Server.DataDirectory);
        using (var tcp = await UpgradeAsync())
        {
            var stream = tcp.GetStream();
            await stream.WriteAsync(new byte[] { 0x82, 0xFE }, Ct);
            await stream.FlushAsync(Ct);
        }

        await AssertUnharmedAsync(before);
    }

    [Fact]
    public async Task AFramePayloadCutOffThenDisconnectHarmsNothing()
    {
        var before = DatabaseSnapshot.Take(fixture.Server.DataDirectory);
        using (var tcp = await UpgradeAsync())
        {
            // Masked binary frame announcing 100 bytes, carrying 10.
            byte[] frame = [0x82, 0x80 | 100, 1, 2, 3, 4, .. new byte[10]];
            await tcp.GetStream().WriteAsync(frame, Ct);
        }

        await AssertUnharmedAsync(before);
    }

    [Fact]
    public async Task RawGarbageAfterTheUpgradeEndsTheConnectionAndHarmsNothing()
    {
        var before = DatabaseSnapshot.Take(fixture.Server.DataDirectory);
        using (var tcp = await UpgradeAsync())
        {
            var stream = tcp.GetStream();
            // An unmasked client frame is a protocol error (RFC 6455 §5.1), then plain junk.
            await stream.WriteAsync(new byte[] { 0x82, 0x03, 1, 2, 3 }.Concat(Enumerable.Repeat((byte)0xAB, 64)).ToArray(), Ct);
            var buffer = new byte[4096];
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(Eventually.Patience);
            try
            {
                while (await stream.ReadAsync(buffer, cts.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }

        await AssertUnharmedAsync(before);
    }

    /// <summary>Opens a TCP connection and performs the WebSocket upgrade by hand, as bob; returns after the 101.</summary>
    private async Task<TcpClient> UpgradeAsync()
    {
        var address = fixture.Server.ClientOptions.BaseAddress;
        var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, Ct);
        var stream = tcp.GetStream();
        var request =
            "GET /v1/websocket HTTP/1.1\r\n" +
            $"Host: {address.Host}:{address.Port}\r\n" +
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            $"Authorization: {DeviceAuth.BasicHeaderValue("bob", 1, fixture.Bob.Password)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        var response = new StringBuilder();
        var one = new byte[1];
        while (!response.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one, Ct));
            response.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", response.ToString(), StringComparison.Ordinal);
        return tcp;
    }

    private async Task AssertUnharmedAsync(string before)
    {
        Assert.Equal(before, DatabaseSnapshot.Take(fixture.Server.DataDirectory));
        using var health = await fixture.Anonymous.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await using var again = await DeliveryClient.ConnectAsync(fixture.Server.ClientOptions.BaseAddress, fixture.Bob, Ct);
        var envelope = Assert.Single(await again.DrainAsync());
        Assert.Equal([1, 2, 3], envelope.Content.ToByteArray());
    }
}
