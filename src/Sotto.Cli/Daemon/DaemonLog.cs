using Microsoft.Extensions.Logging;

namespace Sotto.Cli.Daemon;

/// <summary>
/// The daemon's log messages (event ids 3000–3999, never reused). Nothing here logs tokens, keys, plaintext or
/// usernames: codes and exception type names only. Success paths do not log.
/// </summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "JSON-RPC method {Method} failed unexpectedly ({ExceptionType})")]
    public static partial void RpcFailed(ILogger logger, string method, string exceptionType);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Receiving stopped ({Code}); retrying in {Seconds} s")]
    public static partial void ReceiveRetrying(ILogger logger, string code, double seconds);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Marking a delivered message seen failed ({ExceptionType})")]
    public static partial void MarkSeenFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Prekey upkeep failed ({ExceptionType}); retried later")]
    public static partial void PreKeyUpkeepFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "An event stream fell {Count} events behind and was closed")]
    public static partial void SubscriberDropped(ILogger logger, int count);
}
