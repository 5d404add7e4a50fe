using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sotto.Client;

namespace Sotto.Cli.Daemon;

/// <summary>
/// Fans the receive loop's events out to the connected server-sent-event subscribers. It owns the subscribers'
/// queues, not the connections. Publishing never waits: each subscriber has a bounded queue, and one that falls
/// <see cref="QueueLength"/> events behind is cut off (its stream ends; the events are in the store, and
/// <c>history</c> shows them) rather than slowing down receiving for everyone.
/// </summary>
internal sealed class EventHub
{
    public const int QueueLength = 1024;

    private readonly Lock _lock = new();
    private readonly List<Channel<DaemonEvent>> _subscribers = [];
    private readonly ILogger _logger;

    public EventHub(ILogger logger)
    {
        _logger = logger;
    }

    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    public ChannelReader<DaemonEvent> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<DaemonEvent>(new BoundedChannelOptions(QueueLength)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        unsubscribe = () =>
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    public void Publish(DaemonEvent e)
    {
        lock (_lock)
        {
            for (int i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(e))
                {
                    _subscribers[i].Writer.TryComplete();
                    _subscribers.RemoveAt(i);
                    DaemonLog.SubscriberDropped(_logger, QueueLength);
                }
            }
        }
    }

    /// <summary>Ends every stream (shutdown).</summary>
    public void CompleteAll()
    {
        lock (_lock)
        {
            foreach (var channel in _subscribers)
            {
                channel.Writer.TryComplete();
            }

            _subscribers.Clear();
        }
    }
}

/// <summary>
/// One event as a server-sent event: <c>event: TYPE</c> and <c>data: JSON</c>, the JSON being the object
/// <c>receive --json</c> prints. A received message carries what marking it seen needs; the first subscriber that
/// delivers it marks it (<see cref="TryClaimSeen"/>).
/// </summary>
internal sealed class DaemonEvent
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private int _seenClaimed;

    private DaemonEvent(byte[] frame, MessageReceived? message)
    {
        Frame = frame;
        Message = message;
    }

    /// <summary>The bytes of the whole SSE frame, blank line included.</summary>
    public byte[] Frame { get; }

    /// <summary>The message to mark seen once delivered, for <see cref="MessageReceived"/>.</summary>
    public MessageReceived? Message { get; }

    /// <summary>The event as a frame, or null when it has no JSON form (<see cref="QueueDrained"/>).</summary>
    public static DaemonEvent? From(ClientEvent e)
    {
        if (JsonShapes.EventType(e) is not { } type)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write(Encoding.ASCII.GetBytes("event: " + type + "\ndata: "));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            JsonShapes.WriteEvent(writer, e);
            writer.WriteEndObject();
        }

        // The JSON is one line (no indentation; strings escape line breaks), as one data: field needs.
        buffer.Write("\n\n"u8);
        return new DaemonEvent(buffer.WrittenSpan.ToArray(), e as MessageReceived);
    }

    /// <summary>True once, for the first subscriber that delivered this message.</summary>
    public bool TryClaimSeen() => Message is not null && Interlocked.Exchange(ref _seenClaimed, 1) == 0;
}
