using System.Text.Json;
using Sotto.Client;
using Sotto.Client.Storage;

namespace Sotto.Cli;

/// <summary>
/// The JSON objects the CLI prints with <c>--json</c> (README "CLI"), in one place: <c>receive</c>, <c>history</c>,
/// <c>send</c>, <c>devices</c> and <c>safety-number</c> print them one per line, and the daemon returns the same objects
/// from JSON-RPC and streams them as server-sent events, so a script reads one shape whichever it talks to.
/// Each writer writes the properties of one object; the caller opens and closes it.
/// </summary>
internal static class JsonShapes
{
    /// <summary>The <c>type</c> of an event's object, or <see langword="null"/> for events that have none (<see cref="QueueDrained"/>).</summary>
    public static string? EventType(ClientEvent e) => e switch
    {
        MessageReceived => "message",
        MessageSent => "sent",
        IdentityChanged => "identity_changed",
        DecryptionFailed => "decryption_failed",
        UnknownContentSkipped => "unsupported",
        TimerChanged => "timer_changed",
        ReactionReceived => "reaction",
        MessageEdited => "edited",
        MessageDeleted => "deleted",
        ReceiptReceived => "receipt",
        TypingReceived => "typing",
        _ => null,
    };

    /// <summary>What <c>receive --json</c> prints for <paramref name="e"/> (call only when <see cref="EventType"/> is not null).</summary>
    public static void WriteEvent(Utf8JsonWriter w, ClientEvent e)
    {
        w.WriteString("type", EventType(e));
        switch (e)
        {
            case MessageReceived m:
                w.WriteString("from", m.From);
                WriteMessage(w, m.FromDevice, m.Conversation, m.Id, m.Timestamp, m.Text, m.ExpiresInSeconds, m.Attachments);
                break;

            case MessageSent s:
                w.WriteString("to", s.To);
                WriteMessage(w, s.FromDevice, s.Conversation, s.Id, s.Timestamp, s.Text, s.ExpiresInSeconds, s.Attachments);
                break;

            case IdentityChanged c:
                w.WriteString("user", c.Username);
                break;

            case DecryptionFailed f:
                w.WriteString("from", f.From);
                w.WriteNumber("device", f.FromDevice);
                w.WriteString("error", f.Error?.ToString() ?? "unknown");
                break;

            case UnknownContentSkipped u:
                w.WriteString("from", u.From);
                w.WriteNumber("device", u.FromDevice);
                break;

            case TimerChanged t:
                w.WriteString("from", t.From);
                w.WriteNumber("device", t.FromDevice);
                w.WriteString("conversation", t.Conversation);
                w.WriteNumber("expiresInSeconds", t.ExpiresInSeconds ?? 0);
                break;

            case ReactionReceived r:
                w.WriteString("from", r.From);
                w.WriteNumber("device", r.FromDevice);
                w.WriteString("conversation", r.Conversation);
                w.WriteString("messageId", r.MessageId.ToString("D"));
                w.WriteString("emoji", r.Emoji);
                w.WriteBoolean("removed", r.Removed);
                break;

            case MessageEdited ed:
                w.WriteString("from", ed.From);
                w.WriteNumber("device", ed.FromDevice);
                w.WriteString("conversation", ed.Conversation);
                w.WriteString("messageId", ed.MessageId.ToString("D"));
                w.WriteString("text", ed.Text);
                break;

            case MessageDeleted d:
                w.WriteString("from", d.From);
                w.WriteNumber("device", d.FromDevice);
                w.WriteString("conversation", d.Conversation);
                w.WriteString("messageId", d.MessageId.ToString("D"));
                break;

            case ReceiptReceived rc:
                w.WriteString("from", rc.From);
                w.WriteNumber("device", rc.FromDevice);
                w.WriteString("conversation", rc.Conversation);
                w.WriteString("kind", rc.Kind == ReceiptKind.Read ? "read" : "delivery");
                w.WriteStartArray("messageIds");
                foreach (var id in rc.MessageIds)
                {
                    w.WriteStringValue(id.ToString("D"));
                }

                w.WriteEndArray();
                break;

            case TypingReceived ty:
                w.WriteString("from", ty.From);
                w.WriteNumber("device", ty.FromDevice);
                w.WriteString("conversation", ty.Conversation);
                w.WriteBoolean("started", ty.Started);
                break;
        }
    }

    /// <summary>One entry of <c>history --json</c>.</summary>
    public static void WriteHistoryItem(Utf8JsonWriter w, HistoryItem item)
    {
        w.WriteString("type", item.Kind switch
        {
            HistoryKind.Message => "message",
            HistoryKind.IdentityChanged => "identity_changed",
            HistoryKind.DecryptionFailed => "decryption_failed",
            HistoryKind.TimerChanged => "timer_changed",
            _ => "unknown",
        });
        w.WriteString("conversation", item.Conversation);
        w.WriteString("id", item.Id.ToString("D"));
        w.WriteString("from", item.From);
        w.WriteNumber("device", item.FromDevice);
        w.WriteBoolean("outgoing", item.Outgoing);
        w.WriteNumber("timestamp", item.Timestamp);
        if (item.Text is not null)
        {
            w.WriteString("text", item.Text);
        }

        if (item.Kind == HistoryKind.Message)
        {
            w.WriteString("status", item.Status.ToString().ToLowerInvariant());
        }

        if (item.ExpiresInSeconds is { } expires)
        {
            w.WriteNumber("expiresInSeconds", expires);
        }
        else if (item.Kind == HistoryKind.TimerChanged)
        {
            w.WriteNumber("expiresInSeconds", 0);
        }

        if (item.ExpiresAt is { } at)
        {
            w.WriteNumber("expiresAt", at);
        }

        if (item.ReplyTo is { } quoted)
        {
            w.WriteString("replyTo", quoted.ToString("D"));
        }

        if (item.EditedAt is { } edited)
        {
            w.WriteNumber("editedAt", edited);
        }

        if (item.Deleted)
        {
            w.WriteBoolean("deleted", true);
        }

        WriteAttachments(w, item.Attachments);
        if (item.Reactions.Count > 0)
        {
            w.WriteStartArray("reactions");
            foreach (var (from, emoji) in item.Reactions)
            {
                w.WriteStartObject();
                w.WriteString("from", from);
                w.WriteString("emoji", emoji);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    /// <summary>What <c>send --json</c> prints.</summary>
    public static void WriteSent(Utf8JsonWriter w, string recipient, SentMessage sent)
    {
        w.WriteString("type", "sent");
        w.WriteString("to", recipient);
        w.WriteString("id", sent.Id.ToString("D"));
        w.WriteNumber("timestamp", sent.Timestamp);
        w.WriteNumber("devices", sent.Devices);
    }

    /// <summary>One line of <c>devices --json</c>.</summary>
    public static void WriteDevice(Utf8JsonWriter w, DeviceSummary d)
    {
        w.WriteString("type", "device");
        w.WriteNumber("deviceId", d.DeviceId);
        if (d.Name is null)
        {
            w.WriteNull("name");
        }
        else
        {
            w.WriteString("name", d.Name);
        }

        w.WriteNumber("created", d.Created.ToUnixTimeMilliseconds());
        w.WriteBoolean("thisDevice", d.IsThisDevice);
    }

    /// <summary>What <c>safety-number --json</c> prints.</summary>
    public static void WriteSafetyNumber(Utf8JsonWriter w, SafetyNumber number)
    {
        w.WriteString("type", "safety_number");
        w.WriteString("user", number.Username);
        w.WriteString("safetyNumber", number.Digits);
        w.WriteBoolean("trusted", number.Trusted);
    }

    /// <summary>What <c>timer --json</c> prints.</summary>
    public static void WriteTimerSet(Utf8JsonWriter w, string conversation, uint seconds)
    {
        w.WriteString("type", "timer_set");
        w.WriteString("conversation", conversation);
        w.WriteNumber("expiresInSeconds", seconds);
    }

    /// <summary>The fields a received message and a sync transcript of a sent one share, in the order both print them.</summary>
    private static void WriteMessage(Utf8JsonWriter w, uint device, string conversation, Guid id, long timestamp, string text, uint? expiresInSeconds, IReadOnlyList<AttachmentInfo> attachments)
    {
        w.WriteNumber("device", device);
        w.WriteString("conversation", conversation);
        w.WriteString("id", id.ToString("D"));
        w.WriteNumber("timestamp", timestamp);
        w.WriteString("text", text);
        if (expiresInSeconds is { } expires)
        {
            w.WriteNumber("expiresInSeconds", expires);
        }

        WriteAttachments(w, attachments);
    }

    private static void WriteAttachments(Utf8JsonWriter w, IReadOnlyList<AttachmentInfo> attachments)
    {
        if (attachments.Count == 0)
        {
            return;
        }

        w.WriteStartArray("attachments");
        foreach (var a in attachments)
        {
            w.WriteStartObject();
            w.WriteString("fileName", a.FileName);
            w.WriteString("contentType", a.ContentType);
            w.WriteNumber("size", a.Size);
            if (a.Path is not null)
            {
                w.WriteString("path", a.Path);
            }

            if (a.Error is not null)
            {
                w.WriteString("error", a.Error);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
