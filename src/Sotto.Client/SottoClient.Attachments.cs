using System.Collections.Concurrent;
using Google.Protobuf;
using Sotto.Client.Attachments;
using Sotto.Client.Content;
using Sotto.Client.Storage;
using Sotto.Wire;

namespace Sotto.Client;

// Attachments (DESIGN.md §3, issue 4): the file is encrypted on this device as a stream with a fresh key and padded
// to a size bucket (AttachmentCipher), uploaded as an opaque blob (POST /v1/attachments), and the blob id, key and
// digest travel inside the E2EE message. A receiving device downloads the blob to a temporary file, checks digest
// and MAC, decrypts it into the profile's attachments/ folder, and deletes it with the message.
public sealed partial class SottoClient
{
    /// <summary>The largest file that can be attached: 100 MiB less 64 bytes of encryption overhead.</summary>
    public const long MaxAttachmentBytes = AttachmentCipher.MaxPlaintextBytes;

    private readonly ConcurrentQueue<string> _filesToDelete = new();

    /// <summary>
    /// Sends <paramref name="filePath"/> (with an optional <paramref name="text"/>) to every device of
    /// <paramref name="username"/>: encrypted while streaming, padded, uploaded (<paramref name="progress"/> reports
    /// the bytes uploaded), then announced in an end-to-end encrypted message.
    /// </summary>
    /// <exception cref="SottoClientException"><see cref="ClientError.InvalidAttachment"/> for a file over <see cref="MaxAttachmentBytes"/> (nothing is uploaded).</exception>
    public async Task<SentMessage> SendAttachmentAsync(string username, string? text, string filePath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var file = new FileInfo(filePath);
        if (!file.Exists)
        {
            throw new ArgumentException("There is no such file.", nameof(filePath));
        }

        if (file.Length > MaxAttachmentBytes)
        {
            throw new SottoClientException(ClientError.InvalidAttachment, "Attachments are at most 100 MiB.");
        }

        username = NormalizeUsername(username);
        var (account, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        var key = new byte[AttachmentCipher.KeySize];
        var iv = new byte[16];
        _random.Fill(key);
        _random.Fill(iv);
        var temp = TempPath();
        AttachmentUploaded uploaded;
        byte[] digest;
        long size = file.Length;
        try
        {
            var input = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            await using (input.ConfigureAwait(false))
            {
                var output = NewPrivateFile(temp);
                await using (output.ConfigureAwait(false))
                {
                    digest = await AttachmentCipher.EncryptAsync(input, size, output, key, iv, cancellationToken).ConfigureAwait(false);
                }
            }

            var blob = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            await using (blob.ConfigureAwait(false))
            {
                uploaded = await api.UploadAttachmentAsync(new ProgressStream(blob, progress), blob.Length, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(temp);
        }

        var content = NewContent();
        content.Message = new Message { Text = text ?? string.Empty };
        content.Message.Attachments.Add(new AttachmentPointer
        {
            BlobId = uploaded.Id,
            Key = ByteString.CopyFrom(key),
            Digest = ByteString.CopyFrom(digest),
            Size = (ulong)size,
            FileName = file.Name,
            ContentType = ContentTypes.Guess(file.Name),
        });
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        var sent = await SendContentAsync(username, content, sync: true, cancellationToken).ConfigureAwait(false);

        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            var recipient = await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false);
            var pointer = content.Message.Attachments[0];
            await tx.SaveAttachmentAsync(
                new AttachmentEntry(recipient!.AccountId, sent.Id, 0, pointer.BlobId, pointer.Key.ToByteArray(), digest, size, file.Name, pointer.ContentType, file.FullName, Owned: false, Error: null),
                cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _ = account;
        return sent;
    }

    /// <summary>Stores the pointers of a received (or synced) message's attachments, inside its unit of work.</summary>
    private static async Task SaveAttachmentPointersAsync(IClientTransaction tx, string conversation, Guid messageId, Message message, CancellationToken cancellationToken)
    {
        for (int i = 0; i < message.Attachments.Count && i < 32; i++)
        {
            await tx.SaveAttachmentAsync(AttachmentEntryFor(conversation, messageId, i, message.Attachments[i]), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The stored entry for a peer's attachment pointer: a malformed pointer (blob id, key, digest or size) is kept
    /// as a refused attachment, never trusted. Pure, so that it can be fuzzed.
    /// </summary>
    internal static AttachmentEntry AttachmentEntryFor(string conversation, Guid messageId, int position, AttachmentPointer p)
    {
        bool valid = AttachmentIds.IsValid(p.BlobId) && p.Key.Length == AttachmentCipher.KeySize && p.Digest.Length == AttachmentCipher.DigestSize
            && p.Size <= (ulong)AttachmentCipher.MaxPlaintextBytes;
        return new AttachmentEntry(
            conversation,
            messageId,
            position,
            valid ? p.BlobId : "invalid",
            p.Key.ToByteArray(),
            p.Digest.ToByteArray(),
            valid ? (long)p.Size : 0,
            SafeFileName(p.FileName, position),
            p.ContentType.Length is > 0 and <= 255 ? p.ContentType : "application/octet-stream",
            LocalPath: null,
            Owned: false,
            Error: valid ? null : "malformed attachment pointer");
    }

    /// <summary>
    /// Downloads, checks and decrypts the attachments of a stored message that have no local file yet. Returns them
    /// all, each with its path or the reason it was refused.
    /// </summary>
    private async Task<IReadOnlyList<AttachmentInfo>> DownloadAttachmentsAsync(string username, Guid messageId, CancellationToken cancellationToken)
    {
        var (_, api) = await RequireAccountAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<AttachmentEntry> entries;
        string conversation;
        using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            var recipient = await tx.FindRecipientByUsernameAsync(username, cancellationToken).ConfigureAwait(false);
            if (recipient is null)
            {
                return [];
            }

            conversation = recipient.AccountId;
            entries = await tx.GetAttachmentsAsync(conversation, messageId, cancellationToken).ConfigureAwait(false);
        }

        var result = new List<AttachmentInfo>();
        foreach (var entry in entries)
        {
            if (entry.LocalPath is not null || entry.Error is not null)
            {
                result.Add(ToInfo(entry));
                continue;
            }

            var updated = entry;
            var temp = TempPath();
            var folder = Path.Combine(ProfileDirectory, "attachments", messageId.ToString("N") + "-" + entry.Position.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var target = Path.Combine(folder, entry.FileName);
            try
            {
                var blob = NewPrivateFile(temp);
                await using (blob.ConfigureAwait(false))
                {
                    await api.DownloadAttachmentAsync(entry.BlobId, blob, AttachmentCipher.BlobSize(entry.Size), cancellationToken).ConfigureAwait(false);
                    await blob.FlushAsync(cancellationToken).ConfigureAwait(false);
                    Directory.CreateDirectory(folder);
                    var partial = target + ".part";
                    try
                    {
                        var output = NewPrivateFile(partial);
                        await using (output.ConfigureAwait(false))
                        {
                            await AttachmentCipher.DecryptAsync(blob, entry.Key, entry.Digest, entry.Size, output, cancellationToken).ConfigureAwait(false);
                        }

                        File.Move(partial, target, overwrite: true);
                    }
                    finally
                    {
                        File.Delete(partial);
                    }
                }

                updated = entry with { LocalPath = target, Owned = true };
            }
            catch (SottoClientException ex) when (ex.Code == ClientError.InvalidAttachment || (ex.Code == ClientError.ServerRejected && ex.HttpStatus == 404))
            {
                updated = entry with { Error = ex.HttpStatus == 404 ? "the attachment is no longer on the server" : ex.Message };
                TryDeleteFolder(folder);
            }
            catch (SottoClientException ex) when (ex.IsTransient)
            {
                // The message is stored and acknowledged; the attachment stays pending (no error recorded) and is
                // reported as not downloaded this time.
                TryDeleteFolder(folder);
                result.Add(ToInfo(entry) with { Error = "not downloaded: " + ex.Message });
                File.Delete(temp);
                continue;
            }
            finally
            {
                File.Delete(temp);
            }

            using (var tx = await _store.BeginAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await tx.FindHistoryEntryAsync(conversation, messageId, cancellationToken).ConfigureAwait(false) is null)
                {
                    // The message expired or was deleted meanwhile: the file goes too.
                    _filesToDelete.Enqueue(target);
                    WakeExpiry();
                }
                else
                {
                    await tx.SaveAttachmentAsync(updated, cancellationToken).ConfigureAwait(false);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            result.Add(ToInfo(updated));
        }

        return result;
    }

    /// <summary>Queues the files this profile owns for a message that is being deleted.</summary>
    private static async Task ForgetAttachmentsAsync(IClientTransaction tx, string conversation, Guid messageId, ConcurrentQueue<string> filesToDelete, CancellationToken cancellationToken)
    {
        foreach (var attachment in await tx.GetAttachmentsAsync(conversation, messageId, cancellationToken).ConfigureAwait(false))
        {
            if (attachment.Owned && attachment.LocalPath is { } path)
            {
                filesToDelete.Enqueue(path);
            }
        }

        await tx.DeleteAttachmentsAsync(conversation, messageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes queued attachment files (and their folders) that belong to this profile.</summary>
    private void DeleteQueuedFiles()
    {
        var root = Path.GetFullPath(Path.Combine(ProfileDirectory, "attachments")) + Path.DirectorySeparatorChar;
        while (_filesToDelete.TryDequeue(out var path))
        {
            var full = Path.GetFullPath(path);
            if (!full.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                File.Delete(full);
                TryDeleteFolder(Path.GetDirectoryName(full)!);
            }
            catch (IOException)
            {
                _filesToDelete.Enqueue(path);
                return;
            }
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (IOException)
        {
        }
    }

    private static AttachmentInfo ToInfo(AttachmentEntry e) => new(e.FileName, e.ContentType, e.Size, e.LocalPath, e.Error);

    private string TempPath()
    {
        var folder = Path.Combine(ProfileDirectory, "tmp");
        Directory.CreateDirectory(folder);
        Span<byte> name = stackalloc byte[12];
        _random.Fill(name);
        return Path.Combine(folder, Convert.ToHexStringLower(name) + ".tmp");
    }

    private static FileStream NewPrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>A name safe to create inside the profile: no directories, no control characters, not empty.</summary>
    internal static string SafeFileName(string? name, int position)
    {
        var clean = new string((Path.GetFileName(name ?? string.Empty)).Where(c => !char.IsControl(c) && c is not ('/' or '\\' or ':')).ToArray()).Trim();
        if (clean.Length == 0 || clean is "." or "..")
        {
            clean = "attachment-" + position.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return clean.Length > 120 ? clean[..120] : clean;
    }

    /// <summary>Counts the bytes read from a stream (upload progress).</summary>
    private sealed class ProgressStream(Stream inner, IProgress<long>? progress) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _position += read;
            progress?.Report(_position);
            return read;
        }
    }
}

/// <summary>An attachment as this device has it: the saved file, or why it was refused.</summary>
/// <param name="Path">The decrypted file (inside the profile for received ones; the original for sent ones), or null.</param>
/// <param name="Error">Why it was refused (tampered, truncated, gone from the server), or null.</param>
public sealed record AttachmentInfo(string FileName, string ContentType, long Size, string? Path, string? Error);

/// <summary>A few content types by file extension; everything else is application/octet-stream.</summary>
internal static class ContentTypes
{
    public static string Guess(string fileName) => System.IO.Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" => "text/plain",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".pdf" => "application/pdf",
        ".mp4" => "video/mp4",
        ".mp3" => "audio/mpeg",
        ".ogg" or ".opus" => "audio/ogg",
        _ => "application/octet-stream",
    };
}
