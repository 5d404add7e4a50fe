using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Sotto.Server.Features.Accounts;
using Sotto.Server.Features.Devices;
using Sotto.Server.Features.RateLimiting;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Messages;

/// <summary>
/// Sending (DESIGN.md §4): one envelope per device of the destination (per other device when it is the sender's own
/// account), checked against the current device list — 409 with missing/extra devices, 410 with stale ones — and
/// committed all-or-nothing before the response. Then the destination devices' connections are woken. REST
/// (<c>PUT /v1/messages/{username}</c>) and the WebSocket <see cref="Send"/> frame both come here, and share one
/// per-account rate limit.
/// </summary>
internal sealed class MessageService(
    IAccountStore accounts,
    IMessageStore messages,
    IMessageBus bus,
    SendRateLimiter limiter,
    IOptions<MessageOptions> messageOptions,
    IOptions<DeviceOptions> deviceOptions,
    TimeProvider time)
{
    private readonly MessageOptions _options = messageOptions.Value;
    private readonly int _maxDevices = deviceOptions.Value.MaxDevices;

    /// <summary>A WebSocket <see cref="Send"/> frame: the same send, answered as a <see cref="SendResult"/>.</summary>
    public async Task<SendResult> SendAsync(AuthenticatedDevice sender, Send send, CancellationToken cancellationToken)
    {
        if (send.Timestamp > long.MaxValue)
        {
            Fail.Invalid("timestamp must be milliseconds since the Unix epoch.");
        }

        var outgoing = new OutgoingMessage[send.Messages.Count];
        for (int i = 0; i < outgoing.Length; i++)
        {
            var m = send.Messages[i];
            if (m.DestinationRegistrationId > int.MaxValue)
            {
                Fail.Invalid($"messages[{i}].destinationRegistrationId is out of range.");
            }

            outgoing[i] = new OutgoingMessage
            {
                Type = m.Type,
                DestinationDeviceId = m.DestinationDeviceId,
                DestinationRegistrationId = (int)m.DestinationRegistrationId,
                Content = Bytes(m.Content),
            };
        }

        var (now, stored) = await SendCoreAsync(sender, send.Destination, new SendMessagesRequest
        {
            Timestamp = (long)send.Timestamp,
            TtlSeconds = send.HasTtlSeconds ? (int)Math.Min(send.TtlSeconds, int.MaxValue) : null,
            Messages = outgoing,
        }, cancellationToken).ConfigureAwait(false);

        var result = new SendResult { RequestId = send.RequestId, Status = StatusCodes.Status200OK, ServerTimestamp = (ulong)now.ToUnixTimeMilliseconds() };
        foreach (var envelope in stored)
        {
            result.Envelopes.Add(new SentEnvelopeId { DestinationDeviceId = envelope.Destination.DeviceId, Id = EnvelopeIds.Format(envelope.Id) });
        }

        return result;
    }

    /// <summary>The <see cref="SendResult"/> of a send refused with <paramref name="refusal"/> (the REST problem, as a frame).</summary>
    public static SendResult Refused(ulong requestId, ApiException refusal)
    {
        var result = new SendResult { RequestId = requestId, Status = (uint)refusal.Status, Code = refusal.Code, Detail = refusal.Message };
        if (refusal.Extensions is { } extensions)
        {
            Add(result.MissingDevices, extensions, "missingDevices");
            Add(result.ExtraDevices, extensions, "extraDevices");
            Add(result.StaleDevices, extensions, "staleDevices");
        }

        if (refusal.RetryAfterSeconds is { } retryAfter)
        {
            result.RetryAfterSeconds = (uint)retryAfter;
        }

        return result;

        static void Add(Google.Protobuf.Collections.RepeatedField<uint> target, IReadOnlyDictionary<string, object?> extensions, string key)
        {
            if (extensions.TryGetValue(key, out var value) && value is uint[] devices)
            {
                target.Add(devices);
            }
        }
    }

    public async Task<SendMessagesResponse> SendAsync(AuthenticatedDevice sender, string username, SendMessagesRequest request, CancellationToken cancellationToken)
    {
        var (now, stored) = await SendCoreAsync(sender, username, request, cancellationToken).ConfigureAwait(false);
        var envelopes = new SentEnvelope[stored.Count];
        for (int i = 0; i < envelopes.Length; i++)
        {
            envelopes[i] = new SentEnvelope { DestinationDeviceId = stored[i].Destination.DeviceId, Id = stored[i].Id };
        }

        return new SendMessagesResponse { ServerTimestamp = now.ToUnixTimeMilliseconds(), Envelopes = envelopes };
    }

    /// <summary>
    /// Checks, commits and publishes one send; returns the server time and the committed envelopes (in the order of
    /// <see cref="SendMessagesRequest.Messages"/>). Every send of either transport runs this, so the success path
    /// avoids LINQ and per-send collections: the device check compares the request against the device list directly
    /// (a destination has at most <see cref="DeviceOptions.MaxDevices"/> devices) and builds the 409/410 details only
    /// when it fails.
    /// </summary>
    private async Task<(DateTimeOffset Now, IReadOnlyList<StoredEnvelope> Stored)> SendCoreAsync(
        AuthenticatedDevice sender, string username, SendMessagesRequest request, CancellationToken cancellationToken)
    {
        limiter.Acquire(sender.Account.Id);
        var ttl = Validate(request);
        var destination = await Usernames.FindAccountAsync(accounts, username, cancellationToken).ConfigureAwait(false);
        uint? excluded = destination.Id == sender.Account.Id ? sender.Address.DeviceId : null;
        var outgoing = request.Messages;

        for (int attempt = 0; attempt < 3; attempt++)
        {
            var devices = await accounts.GetDevicesAsync(destination.Id, cancellationToken).ConfigureAwait(false);
            if (!Matches(devices, excluded, outgoing))
            {
                ThrowMismatch(devices, excluded, outgoing);
            }

            var now = time.GetUtcNow();
            var deadline = now + ttl;
            var envelopes = new NewEnvelope[outgoing.Count];
            for (int i = 0; i < envelopes.Length; i++)
            {
                var m = outgoing[i];
                envelopes[i] = new NewEnvelope(
                    Guid.CreateVersion7(now),
                    new DeviceAddress(destination.Id, m.DestinationDeviceId),
                    m.DestinationRegistrationId,
                    (int)m.Type,
                    sender.Account.Id,
                    sender.Account.Username,
                    sender.Address.DeviceId,
                    request.Timestamp,
                    now,
                    deadline,
                    m.Content);
            }

            var stored = await messages.InsertAsync(envelopes, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                // A device changed between the check and the commit: check again.
                continue;
            }

            for (int i = 0; i < stored.Count; i++)
            {
                await bus.PublishAsync(stored[i].Destination, stored[i], CancellationToken.None).ConfigureAwait(false);
            }

            return (now, stored);
        }

        throw new StorageException("The destination's devices kept changing during the send; retry.", isTransient: true);
    }

    /// <summary>The bytes of a parsed protobuf field without another copy (a parsed ByteString owns an exact array).</summary>
    private static byte[] Bytes(Google.Protobuf.ByteString bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToByteArray();

    private TimeSpan Validate(SendMessagesRequest request)
    {
        if (request.Timestamp < 0)
        {
            Fail.Invalid("timestamp must be milliseconds since the Unix epoch.");
        }

        if (request.TtlSeconds is { } ttl && (ttl < 1 || ttl > _options.MaxTtlSeconds))
        {
            Fail.Invalid($"ttlSeconds must be 1 to {_options.MaxTtlSeconds}.");
        }

        if (request.Messages.Count > _maxDevices)
        {
            Fail.Invalid($"A send carries at most {_maxDevices} messages, one per device.");
        }

        for (int i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.MalformedRequest, $"messages[{i}] is null.");
            }

            if (message.Type is not (EnvelopeType.Whisper or EnvelopeType.PreKey))
            {
                Fail.Invalid($"messages[{i}].type must be 2 (Whisper) or 3 (PreKey).");
            }

            if (message.DestinationDeviceId == 0 || AppearsBefore(request.Messages, i))
            {
                Fail.Invalid($"messages[{i}].destinationDeviceId must be a positive device id, once per send.");
            }

            if (message.Content.Length == 0)
            {
                Fail.Invalid($"messages[{i}].content is empty.");
            }

            if (message.Content.Length > _options.MaxEnvelopeBytes)
            {
                Fail.TooLarge($"messages[{i}].content is {message.Content.Length} bytes; the limit is {_options.MaxEnvelopeBytes}.");
            }
        }

        return TimeSpan.FromSeconds(request.TtlSeconds ?? _options.MaxTtlSeconds);
    }

    /// <summary>True when an earlier message has the same destination device (at most MaxDevices messages: no set needed).</summary>
    private static bool AppearsBefore(IReadOnlyList<OutgoingMessage> messages, int index)
    {
        uint device = messages[index].DestinationDeviceId;
        for (int j = 0; j < index; j++)
        {
            if (messages[j]?.DestinationDeviceId == device)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the messages (distinct device ids, checked by <see cref="Validate"/>) address exactly the destination's
    /// devices other than <paramref name="excluded"/>, each with its current registration id.
    /// </summary>
    private static bool Matches(IReadOnlyList<Device> devices, uint? excluded, IReadOnlyList<OutgoingMessage> messages)
    {
        int expected = 0;
        foreach (var device in devices)
        {
            if (device.Address.DeviceId != excluded)
            {
                expected++;
            }
        }

        if (expected != messages.Count)
        {
            return false;
        }

        foreach (var message in messages)
        {
            if (message.DestinationDeviceId == excluded || Find(devices, message.DestinationDeviceId) is not { } device || device.RegistrationId != message.DestinationRegistrationId)
            {
                return false;
            }
        }

        return true;
    }

    private static Device? Find(IReadOnlyList<Device> devices, uint deviceId)
    {
        foreach (var device in devices)
        {
            if (device.Address.DeviceId == deviceId)
            {
                return device;
            }
        }

        return null;
    }

    /// <summary>Throws the 409 (missing or extra devices) or 410 (stale devices) problem for a send that does not match.</summary>
    [DoesNotReturn]
    private static void ThrowMismatch(IReadOnlyList<Device> devices, uint? excluded, IReadOnlyList<OutgoingMessage> messages)
    {
        var expected = devices
            .Where(d => d.Address.DeviceId != excluded)
            .ToDictionary(d => d.Address.DeviceId, d => d.RegistrationId);
        var given = messages.Select(m => m.DestinationDeviceId).ToHashSet();
        var missing = expected.Keys.Where(id => !given.Contains(id)).Order().ToArray();
        var extra = given.Where(id => !expected.ContainsKey(id)).Order().ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            throw new ApiException(
                StatusCodes.Status409Conflict,
                ProblemCodes.MismatchedDevices,
                "The send does not cover exactly the destination's devices; see missingDevices and extraDevices.",
                new Dictionary<string, object?> { ["missingDevices"] = missing, ["extraDevices"] = extra });
        }

        var stale = messages
            .Where(m => expected[m.DestinationDeviceId] != m.DestinationRegistrationId)
            .Select(m => m.DestinationDeviceId)
            .Order()
            .ToArray();
        throw new ApiException(
            StatusCodes.Status410Gone,
            ProblemCodes.StaleDevices,
            "Some destination devices were re-created; fetch their prekey bundles again. See staleDevices.",
            new Dictionary<string, object?> { ["staleDevices"] = stale });
    }
}
