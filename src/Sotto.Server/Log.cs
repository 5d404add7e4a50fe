namespace Sotto.Server;

/// <summary>
/// Every event id the server logs, in one place (npgsql <c>NpgsqlEventId.cs</c>). Ids are stable: operators filter
/// on them. Ranges: 1xxx host, 2xxx request pipeline, 3xxx accounts and devices, 5xxx messages, 6xxx delivery.
/// </summary>
internal static class LogEvents
{
    public const int PlaintextHttpOnNetwork = 1001;
    public const int Listening = 1002;
    public const int StorageOpened = 1003;

    public const int UnhandledException = 2001;
    public const int StorageFailed = 2002;
    public const int RequestRejected = 2003;
    public const int RateLimited = 2004;
    public const int AuthenticationFailed = 2005;

    public const int AccountRegistered = 3001;
    public const int AccountReRegistered = 3002;
    public const int AccountDeleted = 3003;
    public const int DeviceLinked = 3004;
    public const int DeviceRemoved = 3005;
    public const int LinkRequestsPurged = 3006;

    public const int EnvelopesPurged = 5001;
    public const int SweepFailed = 5002;

    public const int ConnectionOpened = 6001;
    public const int ConnectionClosed = 6002;
    public const int ClientProtocolViolation = 6003;
    public const int AckFailed = 6004;
    public const int DeliveryFailed = 6005;

    public const int AttachmentsPurged = 7001;
    public const int AttachmentSweepFailed = 7002;
}

/// <summary>
/// All log messages of the server (npgsql <c>LogMessages.cs</c>). Rules: never log payloads, keys, passwords,
/// tokens, link codes or usernames; account ids only at Debug. Error is for server bugs only; success paths log at
/// Debug.
/// </summary>
internal static partial class Log
{
    // ---- host ----

    [LoggerMessage(EventId = LogEvents.PlaintextHttpOnNetwork, Level = LogLevel.Warning,
        Message = "Listening on {Address} with plain HTTP on a non-loopback address: passwords and metadata cross the network unencrypted. Use https with a certificate (Kestrel:Certificates:Default) or bind 127.0.0.1 behind a TLS proxy.")]
    public static partial void PlaintextHttpOnNetwork(ILogger logger, string address);

    [LoggerMessage(EventId = LogEvents.Listening, Level = LogLevel.Information, Message = "Sotto server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = LogEvents.StorageOpened, Level = LogLevel.Information, Message = "Storage: {Provider} at {Location} (schema version {Version})")]
    public static partial void StorageOpened(ILogger logger, string provider, string location, int version);

    // ---- request pipeline ----

    [LoggerMessage(EventId = LogEvents.UnhandledException, Level = LogLevel.Error, Message = "Unhandled exception in {Method} {Endpoint}")]
    public static partial void UnhandledException(ILogger logger, string method, string? endpoint, Exception exception);

    [LoggerMessage(EventId = LogEvents.StorageFailed, Level = LogLevel.Warning, Message = "Storage failure (transient: {IsTransient})")]
    public static partial void StorageFailed(ILogger logger, bool isTransient, Exception exception);

    [LoggerMessage(EventId = LogEvents.RequestRejected, Level = LogLevel.Debug, Message = "Request rejected with {Status} {Code}")]
    public static partial void RequestRejected(ILogger logger, int status, string code);

    [LoggerMessage(EventId = LogEvents.RateLimited, Level = LogLevel.Information, Message = "Rate limit {Policy} hit; retry after {RetryAfterSeconds} s")]
    public static partial void RateLimited(ILogger logger, string policy, int retryAfterSeconds);

    [LoggerMessage(EventId = LogEvents.AuthenticationFailed, Level = LogLevel.Debug, Message = "Device authentication failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string reason);

    // ---- accounts and devices ----

    [LoggerMessage(EventId = LogEvents.AccountRegistered, Level = LogLevel.Debug, Message = "Account {AccountId} registered")]
    public static partial void AccountRegistered(ILogger logger, Guid accountId);

    [LoggerMessage(EventId = LogEvents.AccountReRegistered, Level = LogLevel.Debug, Message = "Account {AccountId} re-registered; {RemovedDevices} devices unlinked")]
    public static partial void AccountReRegistered(ILogger logger, Guid accountId, int removedDevices);

    [LoggerMessage(EventId = LogEvents.AccountDeleted, Level = LogLevel.Debug, Message = "Account {AccountId} deleted")]
    public static partial void AccountDeleted(ILogger logger, Guid accountId);

    [LoggerMessage(EventId = LogEvents.DeviceLinked, Level = LogLevel.Debug, Message = "Device {DeviceId} linked to account {AccountId}")]
    public static partial void DeviceLinked(ILogger logger, uint deviceId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.DeviceRemoved, Level = LogLevel.Debug, Message = "Device {DeviceId} removed from account {AccountId}")]
    public static partial void DeviceRemoved(ILogger logger, uint deviceId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.LinkRequestsPurged, Level = LogLevel.Debug, Message = "Purged {Count} expired link requests")]
    public static partial void LinkRequestsPurged(ILogger logger, int count);

    // ---- messages ----

    [LoggerMessage(EventId = LogEvents.EnvelopesPurged, Level = LogLevel.Information, Message = "Purged {Count} envelopes past their deadline")]
    public static partial void EnvelopesPurged(ILogger logger, int count);

    [LoggerMessage(EventId = LogEvents.SweepFailed, Level = LogLevel.Warning, Message = "Expiry sweep failed; retrying at the next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    // ---- delivery ----

    [LoggerMessage(EventId = LogEvents.ConnectionOpened, Level = LogLevel.Debug, Message = "Delivery connection opened for device {DeviceId} of account {AccountId}")]
    public static partial void ConnectionOpened(ILogger logger, uint deviceId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.ConnectionClosed, Level = LogLevel.Debug, Message = "Delivery connection closed ({Reason}) after {Pushed} envelopes pushed, {Acked} acknowledged")]
    public static partial void ConnectionClosed(ILogger logger, string reason, long pushed, long acked);

    [LoggerMessage(EventId = LogEvents.ClientProtocolViolation, Level = LogLevel.Debug, Message = "Delivery connection closed with {CloseStatus}: {Reason}")]
    public static partial void ClientProtocolViolation(ILogger logger, int closeStatus, string reason);

    [LoggerMessage(EventId = LogEvents.AckFailed, Level = LogLevel.Warning, Message = "Deleting acknowledged envelopes failed; they will be delivered again")]
    public static partial void AckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.DeliveryFailed, Level = LogLevel.Warning, Message = "Delivery connection failed")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception);

    // ---- attachments (ids are capabilities: never logged) ----

    [LoggerMessage(EventId = LogEvents.AttachmentsPurged, Level = LogLevel.Information, Message = "Deleted {Count} attachments past their deadline")]
    public static partial void AttachmentsPurged(ILogger logger, int count);

    [LoggerMessage(EventId = LogEvents.AttachmentSweepFailed, Level = LogLevel.Warning, Message = "Attachment sweep failed; retrying at the next interval")]
    public static partial void AttachmentSweepFailed(ILogger logger, Exception exception);
}
