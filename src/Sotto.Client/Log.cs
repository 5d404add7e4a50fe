using Microsoft.Extensions.Logging;
using Sotto.Protocol;

namespace Sotto.Client;

/// <summary>
/// The SDK's log messages (npgsql <c>LogMessages.cs</c>): event ids 1000–1999, never reused. Nothing here logs keys,
/// plaintext, passwords, usernames or link codes; success paths log at Debug at most.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Registered this profile as device {DeviceId}")]
    public static partial void Registered(ILogger logger, uint deviceId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Linked this profile as device {DeviceId}")]
    public static partial void Linked(ILogger logger, uint deviceId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Uploaded prekeys: {EcCount} one-time EC, {KyberCount} one-time Kyber, signed rotated: {Rotated}")]
    public static partial void PreKeysUploaded(ILogger logger, int ecCount, int kyberCount, bool rotated);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "The server corrected the device list: {Missing} missing, {Extra} extra, {Stale} stale")]
    public static partial void DeviceListCorrected(ILogger logger, int missing, int extra, int stale);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "A received envelope could not be decrypted ({Error}); it was dropped")]
    public static partial void DecryptionFailed(ILogger logger, ProtocolError? error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "The server sent an envelope with a malformed id; it was ignored")]
    public static partial void MalformedEnvelopeId(ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Prekey upkeep failed ({Code}, HTTP {Status}); it is retried after the next drain")]
    public static partial void MaintenanceFailed(ILogger logger, ClientError code, int? status);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Sending a receipt failed ({Code}); it is dropped")]
    public static partial void ReceiptFailed(ILogger logger, ClientError code);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Deleting expired messages failed ({Error}); retrying")]
    public static partial void ExpiryFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Received {Kind} content was refused (unknown target, not the author, or out of time)")]
    public static partial void ContentRefused(ILogger logger, string kind);
}
