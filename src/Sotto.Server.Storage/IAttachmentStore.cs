namespace Sotto.Server.Storage;

/// <summary>
/// Metadata of attachment blobs (DESIGN.md §5: deleted at their deadline, fetched or not). The store never sees the
/// bytes; the host stores them beside it and deletes a blob before its record, so a record without a blob can exist
/// after a crash (the host treats it as gone) but a blob is never left without the record that schedules its deletion.
/// Records past their deadline are invisible to <see cref="FindAsync"/>.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>False, changing nothing, when a record with this id exists.</summary>
    ValueTask<bool> TryCreateAsync(AttachmentRecord attachment, CancellationToken cancellationToken = default);

    /// <summary>The record, or null when it does not exist or its deadline is at or before <paramref name="now"/>.</summary>
    ValueTask<AttachmentRecord?> FindAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> records whose deadline is at or before <paramref name="now"/>, earliest deadline first.</summary>
    ValueTask<IReadOnlyList<AttachmentRecord>> FindExpiredAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes the records with these ids (unknown ids are ignored); returns how many existed.</summary>
    ValueTask<int> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default);
}
