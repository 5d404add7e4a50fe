using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sotto.Server.Infrastructure;
using Sotto.Server.Storage;
using Sotto.Wire;

namespace Sotto.Server.Features.Attachments;

/// <summary>
/// Attachment blobs (docs/server-api.md, "Attachments"): opaque bytes a client uploads once and any device that
/// learns the id downloads until the deadline. An upload is acknowledged only when it is durable:
/// <code>
///   check headers (type, declared length ≤ limit, ttl) ──► stream body to tmp/…part (64 KiB at a time)
///   ──► received == declared? ──► fsync file ──► commit record (id, uploader, size, deadline)
///   ──► rename to {id[0..2]}/{id}, fsync directory ──► 201
/// </code>
/// A refused or broken upload leaves nothing: the temporary file is discarded and no record exists. Deletion (the
/// uploader's, or the sweeper's at the deadline) removes the file first and the record second, so a crash between the
/// two leaves a record whose blob reads as gone, never a blob that nothing will delete.
/// </summary>
internal sealed class AttachmentService(IAttachmentStore store, AttachmentFiles files, IOptions<AttachmentOptions> options, TimeProvider time)
{
    public const string ContentType = "application/octet-stream";
    private const int CopyBufferBytes = 64 * 1024;
    private const int SweepBatch = 500;

    private readonly AttachmentOptions _options = options.Value;

    public async Task<AttachmentUploaded> UploadAsync(AuthenticatedDevice uploader, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !string.Equals(type.MediaType, ContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "An attachment upload must be sent as application/octet-stream.");
        }

        if (request.ContentLength is not { } declared)
        {
            throw new ApiException(StatusCodes.Status411LengthRequired, ProblemCodes.LengthRequired, "Declare the attachment's size with Content-Length; chunked uploads are not accepted.");
        }

        if (declared == 0)
        {
            Fail.Invalid("An attachment must not be empty.");
        }

        if (declared > _options.MaxBytes)
        {
            Fail.TooLarge($"The attachment is {declared} bytes; the limit is {_options.MaxBytes}.");
        }

        var ttl = Ttl(request.Query["ttlSeconds"]);
        var temporary = files.CreateTemporary();
        var temporaryPath = temporary.Name;
        bool committed = false;
        try
        {
            long received;
            await using (temporary.ConfigureAwait(false))
            {
                received = await CopyAsync(request.Body, temporary, declared, cancellationToken).ConfigureAwait(false);
                if (received != declared)
                {
                    Fail.Invalid($"The body ended after {received} of the {declared} bytes declared in Content-Length.");
                }

                StorageStep(() => temporary.Flush(flushToDisk: true));
            }

            var now = time.GetUtcNow();
            var record = new AttachmentRecord(NewId(), uploader.Account.Id, declared, now, now + ttl);
            if (!await store.TryCreateAsync(record, cancellationToken).ConfigureAwait(false))
            {
                throw new System.Diagnostics.UnreachableException("A fresh 128-bit random attachment id already exists.");
            }

            try
            {
                StorageStep(() => files.Commit(temporaryPath, record.Id));
            }
            catch (StorageException)
            {
                await store.DeleteAsync([record.Id], CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            committed = true;
            return new AttachmentUploaded { Id = record.Id, Size = record.Size, Deadline = record.Deadline.ToUnixTimeMilliseconds() };
        }
        finally
        {
            if (!committed)
            {
                AttachmentFiles.Discard(temporaryPath);
            }
        }
    }

    /// <summary>The blob's record and an open stream over its bytes; 404 when unknown, past its deadline or deleted.</summary>
    public async Task<(AttachmentRecord Record, FileStream Content)> OpenAsync(string id, CancellationToken cancellationToken)
    {
        CheckId(id);
        var record = await store.FindAsync(id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false) ?? throw NotFound();
        var content = files.OpenRead(id) ?? throw NotFound();
        return (record, content);
    }

    /// <summary>The uploader deletes its blob before the deadline; anybody else gets the same 404 as for an unknown id.</summary>
    public async Task DeleteAsync(AuthenticatedDevice device, string id, CancellationToken cancellationToken)
    {
        CheckId(id);
        var record = await store.FindAsync(id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (record is null || record.AccountId != device.Account.Id)
        {
            throw NotFound();
        }

        StorageStep(() => files.Delete(id));
        await store.DeleteAsync([id], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every blob whose deadline has passed, fetched or not; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        int total = 0;
        while (true)
        {
            var expired = await store.FindExpiredAsync(time.GetUtcNow(), SweepBatch, cancellationToken).ConfigureAwait(false);
            if (expired.Count == 0)
            {
                return total;
            }

            var ids = expired.Select(r => r.Id).ToArray();
            StorageStep(() =>
            {
                foreach (var id in ids)
                {
                    files.Delete(id);
                }
            });
            total += await store.DeleteAsync(ids, cancellationToken).ConfigureAwait(false);
            if (expired.Count < SweepBatch)
            {
                return total;
            }
        }
    }

    private static async Task<long> CopyAsync(Stream body, FileStream destination, long declared, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            long received = 0;
            while (true)
            {
                int read = await body.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return received;
                }

                received += read;
                if (received > declared)
                {
                    Fail.Invalid($"The body is longer than the {declared} bytes declared in Content-Length.");
                }

                try
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw Unavailable(ex);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private TimeSpan Ttl(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0)
        {
            return TimeSpan.FromSeconds(_options.MaxTtlSeconds);
        }

        if (values.Count == 1
            && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
            && seconds >= 1 && seconds <= _options.MaxTtlSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw new ApiException(StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, $"ttlSeconds must be one whole number from 1 to {_options.MaxTtlSeconds}.");
    }

    private static void CheckId(string id)
    {
        if (!AttachmentIds.IsValid(id))
        {
            Fail.Invalid($"An attachment id is {AttachmentIds.Length} lowercase hexadecimal characters.");
        }
    }

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[AttachmentIds.Length / 2];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static ApiException NotFound() =>
        new(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such attachment: unknown, deleted or past its deadline.");

    /// <summary>File-system failures of the server's own data (disk full, I/O error) are storage failures: 503, nothing kept.</summary>
    private static void StorageStep(Action step)
    {
        try
        {
            step();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(ex);
        }
    }

    private static StorageException Unavailable(Exception ex) => new("Attachment storage failed.", isTransient: true, ex);
}
