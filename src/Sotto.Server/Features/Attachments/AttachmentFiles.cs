using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Sotto.Server.Features.Storage;

namespace Sotto.Server.Features.Attachments;

/// <summary>
/// Where attachment blobs live: one file per blob under <c>{data}/attachments/{id[0..2]}/{id}</c>, uploads in progress
/// under <c>{data}/attachments/tmp/</c>. Owns the file-system steps of an upload (temporary file, fsync, rename,
/// fsync of the directory) and of deletion; the metadata that schedules deletion is the store's
/// (<see cref="Sotto.Server.Storage.IAttachmentStore"/>). Never holds a blob in memory.
/// </summary>
/// <remarks>
/// Creating the instance (once per process, before the first upload) empties <c>tmp/</c>: whatever is there was
/// being uploaded when the previous process died, and none of it was acknowledged.
/// </remarks>
internal sealed partial class AttachmentFiles
{
    private readonly string _temp;

    public AttachmentFiles(IOptions<StorageOptions> storage)
    {
        Root = Path.GetFullPath(Path.Combine(storage.Value.DataDirectory, "attachments"));
        _temp = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(_temp);
        foreach (var leftover in Directory.EnumerateFiles(_temp))
        {
            File.Delete(leftover);
        }
    }

    public string Root { get; }

    /// <summary>A new, empty temporary file for an upload, open for writing without a managed buffer.</summary>
    public FileStream CreateTemporary() => new(
        Path.Combine(_temp, Guid.NewGuid().ToString("N") + ".part"),
        new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        });

    /// <summary>
    /// Moves a complete, flushed temporary file to the blob's name and makes the rename durable (fsync of the
    /// directory, on Linux). Throws <see cref="IOException"/> when that fails.
    /// </summary>
    public void Commit(string temporaryPath, string id)
    {
        var directory = Path.Combine(Root, id[..2]);
        bool created = !Directory.Exists(directory);
        Directory.CreateDirectory(directory);
        File.Move(temporaryPath, Path.Combine(directory, id), overwrite: false);
        SyncDirectory(directory);
        if (created)
        {
            SyncDirectory(Root);
        }
    }

    /// <summary>Opens a blob for reading (deletion may proceed while it is open), or null when there is no such file.</summary>
    public FileStream? OpenRead(string id)
    {
        try
        {
            return new FileStream(PathOf(id), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes a blob's file; a missing file is not an error.</summary>
    public void Delete(string id) => File.Delete(PathOf(id));

    /// <summary>Deletes a temporary file after a failed or refused upload; never throws.</summary>
    public static void Discard(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (IOException)
        {
            // Left for the next start-up, which empties tmp/.
        }
    }

    public string PathOf(string id) => Path.Combine(Root, id[..2], id);

    /// <summary>fsync of a directory, so that a rename in it survives power loss. .NET has no API for it.</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Native.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException("Cannot open the attachment directory for fsync (errno " + Marshal.GetLastPInvokeError() + ").");
        }

        try
        {
            if (Native.Fsync(fd) != 0)
            {
                throw new IOException("fsync of the attachment directory failed (errno " + Marshal.GetLastPInvokeError() + ").");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Close(int fd);
    }
}
