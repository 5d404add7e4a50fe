namespace Sotto.Wire;

// Attachment blobs (docs/server-api.md, "Attachments"). The bytes are opaque to the server: clients encrypt each
// attachment with a fresh key, pad it to a size bucket and send the key and digest inside the E2EE message.

/// <summary>
/// <c>POST /v1/attachments</c> answered 201: the blob is durable and can be fetched by <see cref="Id"/> until
/// <see cref="Deadline"/>, when the server deletes it whether or not anybody fetched it.
/// </summary>
public sealed record AttachmentUploaded
{
    /// <summary>The unguessable id (<see cref="AttachmentIds"/>): whoever knows it can fetch the blob.</summary>
    public required string Id { get; init; }

    /// <summary>The blob's size in bytes (the declared and received Content-Length).</summary>
    public required long Size { get; init; }

    /// <summary>When the server deletes the blob, ms since the Unix epoch (at most 14 days after the upload).</summary>
    public required long Deadline { get; init; }
}

/// <summary>
/// Attachment ids: 128 bits from the server's CSPRNG, written as 32 lowercase hexadecimal characters. The id is the
/// capability to read the blob, so it must never be derived from anything guessable.
/// </summary>
public static class AttachmentIds
{
    public const int Length = 32;

    /// <summary>True for exactly 32 characters of <c>0-9a-f</c>.</summary>
    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != Length)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
