using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using Sotto.Client;
using Sotto.Client.Storage;

namespace Sotto.Cli.Daemon;

/// <summary>
/// The daemon's JSON-RPC methods: one per CLI command, with the CLI's argument names as parameters and the object
/// its <c>--json</c> output prints as the result (<see cref="JsonShapes"/>). README "Daemon" lists them.
/// Every parameter is checked before the SDK is called, and the SDK changes nothing when it refuses, so a failing
/// call changes no state.
/// </summary>
internal sealed class RpcMethods
{
    private delegate Task<Action<Utf8JsonWriter>> Method(RpcParams args, CancellationToken cancellationToken);

    private readonly SottoClient _client;
    private readonly FrozenDictionary<string, Method> _methods;

    public RpcMethods(SottoClient client)
    {
        _client = client;
        _methods = new Dictionary<string, Method>(StringComparer.Ordinal)
        {
            ["send"] = SendAsync,
            ["react"] = ReactAsync,
            ["edit"] = EditAsync,
            ["delete"] = DeleteAsync,
            ["timer"] = TimerAsync,
            ["receipts"] = ReceiptsAsync,
            ["typing"] = TypingAsync,
            ["markSeen"] = MarkSeenAsync,
            ["history"] = HistoryAsync,
            ["devices"] = DevicesAsync,
            ["safetyNumber"] = SafetyNumberAsync,
            ["trust"] = TrustAsync,
            ["version"] = (args, _) => Task.FromResult(Version(args)),
            ["ping"] = (args, _) => Task.FromResult(Ping(args)),
        }.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The program's version (the assembly's informational version).</summary>
    public static string ProgramVersion { get; } =
        typeof(RpcMethods).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public Task<Action<Utf8JsonWriter>> InvokeAsync(string method, RpcParams args, CancellationToken cancellationToken) =>
        _methods.TryGetValue(method, out var call)
            ? call(args, cancellationToken)
            : throw new RpcException(JsonRpc.MethodNotFound, "Method not found: '" + JsonRpc.Clip(method) + "'.");

    private async Task<Action<Utf8JsonWriter>> SendAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "text", "replyTo", "attachment");
        string to = args.RequiredString("to");
        string? text = args.OptionalString("text");
        Guid? replyTo = args.OptionalGuid("replyTo");
        string? attachment = args.OptionalString("attachment");
        SentMessage sent;
        if (attachment is not null)
        {
            if (replyTo is not null)
            {
                throw Invalid("'replyTo' and 'attachment' cannot be combined yet");
            }

            if (!Path.IsPathFullyQualified(attachment))
            {
                throw Invalid("'attachment' must be an absolute path");
            }

            if (!File.Exists(attachment))
            {
                throw Invalid("'attachment' names no file");
            }

            sent = await _client.SendAttachmentAsync(to, text, attachment, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (text is null)
            {
                throw Invalid("'text' is required (or 'attachment')");
            }

            sent = replyTo is { } quoted
                ? await _client.SendReplyAsync(to, quoted, text, cancellationToken).ConfigureAwait(false)
                : await _client.SendTextAsync(to, text, cancellationToken).ConfigureAwait(false);
        }

        return Object(w => JsonShapes.WriteSent(w, to.ToLowerInvariant(), sent));
    }

    private async Task<Action<Utf8JsonWriter>> ReactAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "messageId", "emoji", "remove");
        string to = args.RequiredString("to");
        Guid id = args.RequiredGuid("messageId");
        string emoji = args.RequiredString("emoji");
        bool remove = args.OptionalBool("remove", false);
        await _client.ReactAsync(to, id, emoji, remove, cancellationToken).ConfigureAwait(false);
        return Done("reacted");
    }

    private async Task<Action<Utf8JsonWriter>> EditAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "messageId", "text");
        string to = args.RequiredString("to");
        Guid id = args.RequiredGuid("messageId");
        string text = args.RequiredString("text");
        await _client.EditAsync(to, id, text, cancellationToken).ConfigureAwait(false);
        return Done("edited");
    }

    private async Task<Action<Utf8JsonWriter>> DeleteAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "messageId");
        string to = args.RequiredString("to");
        Guid id = args.RequiredGuid("messageId");
        await _client.DeleteForEveryoneAsync(to, id, cancellationToken).ConfigureAwait(false);
        return Done("deleted");
    }

    private async Task<Action<Utf8JsonWriter>> TimerAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "duration");
        string to = args.RequiredString("to").ToLowerInvariant();
        uint seconds = DisappearingTimer.Parse(args.RequiredStringOrInteger("duration"));
        await _client.SetTimerAsync(to, seconds, cancellationToken).ConfigureAwait(false);
        return Object(w => JsonShapes.WriteTimerSet(w, to, seconds));
    }

    private async Task<Action<Utf8JsonWriter>> ReceiptsAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("enabled");
        bool on = args.RequiredBool("enabled");
        await _client.SetReadReceiptsAsync(on, cancellationToken).ConfigureAwait(false);
        return Done(on ? "receipts_on" : "receipts_off");
    }

    private async Task<Action<Utf8JsonWriter>> TypingAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "stop");
        string to = args.RequiredString("to");
        bool stop = args.OptionalBool("stop", false);
        await _client.SendTypingAsync(to, !stop, cancellationToken).ConfigureAwait(false);
        return Done("typing_sent");
    }

    private async Task<Action<Utf8JsonWriter>> MarkSeenAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to", "messageIds");
        string to = args.RequiredString("to").ToLowerInvariant();
        var ids = args.RequiredGuids("messageIds");
        int count = await _client.MarkSeenAsync(to, ids, cancellationToken).ConfigureAwait(false);
        return Object(w =>
        {
            w.WriteString("type", "marked_seen");
            w.WriteString("conversation", to);
            w.WriteNumber("count", count);
        });
    }

    private async Task<Action<Utf8JsonWriter>> HistoryAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("to");
        string to = args.RequiredString("to");
        var items = await _client.GetHistoryAsync(to, cancellationToken).ConfigureAwait(false);

        // Fetched is seen, as 'sotto history' shows it: unseen received messages start their countdown.
        await _client.MarkSeenAsync(to, items.Where(i => !i.Outgoing && i.Kind == HistoryKind.Message).Select(i => i.Id), cancellationToken).ConfigureAwait(false);
        return w =>
        {
            w.WriteStartArray();
            foreach (var item in items)
            {
                w.WriteStartObject();
                JsonShapes.WriteHistoryItem(w, item);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    private async Task<Action<Utf8JsonWriter>> DevicesAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly();
        var devices = await _client.GetDevicesAsync(cancellationToken).ConfigureAwait(false);
        return w =>
        {
            w.WriteStartArray();
            foreach (var device in devices)
            {
                w.WriteStartObject();
                JsonShapes.WriteDevice(w, device);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    private async Task<Action<Utf8JsonWriter>> SafetyNumberAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("user");
        var number = await _client.GetSafetyNumberAsync(args.RequiredString("user"), cancellationToken).ConfigureAwait(false);
        return Object(w => JsonShapes.WriteSafetyNumber(w, number));
    }

    private async Task<Action<Utf8JsonWriter>> TrustAsync(RpcParams args, CancellationToken cancellationToken)
    {
        args.AllowOnly("user");
        string user = args.RequiredString("user").ToLowerInvariant();
        await _client.TrustAsync(user, cancellationToken).ConfigureAwait(false);
        return Object(w =>
        {
            w.WriteString("type", "trusted");
            w.WriteString("user", user);
        });
    }

    private static Action<Utf8JsonWriter> Version(RpcParams args)
    {
        args.AllowOnly();
        return Object(w =>
        {
            w.WriteString("type", "version");
            w.WriteString("version", ProgramVersion);
        });
    }

    private static Action<Utf8JsonWriter> Ping(RpcParams args)
    {
        args.AllowOnly();
        return Done("pong");
    }

    private static Action<Utf8JsonWriter> Done(string type) => Object(w => w.WriteString("type", type));

    private static Action<Utf8JsonWriter> Object(Action<Utf8JsonWriter> members) => w =>
    {
        w.WriteStartObject();
        members(w);
        w.WriteEndObject();
    };

    private static RpcException Invalid(string what) => new(JsonRpc.InvalidParams, "Invalid params: " + what + ".");
}
