namespace ChatKit.AspNetCore;

/// <summary>
/// Where attachment bytes live, keyed by attachment id: a local folder (<see cref="LocalAttachmentStorage"/>,
/// the default), or another backend registered in its place (ChatKitServer's Azure Blob Storage, S3...).
/// Whatever the backend, a save that fails (too large, cut short, cancelled) leaves nothing under the id.
/// </summary>
public interface IAttachmentStorage
{
    /// <summary>
    /// Stores the bytes of <paramref name="attachmentId"/>, refusing more than <paramref name="maxBytes"/>; returns the length.
    /// Bytes are stored once per id: when the id already has bytes (two uploads on one upload link at the same moment),
    /// throws <see cref="AttachmentAlreadyStoredException"/> and leaves the stored bytes as they are.
    /// </summary>
    Task<long> SaveAsync(string attachmentId, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>The bytes, or null when none are stored.</summary>
    Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken);

    /// <summary>Removes the bytes (nothing happens when there are none).</summary>
    Task DeleteAsync(string attachmentId, CancellationToken cancellationToken);
}

/// <summary>More bytes than allowed arrived.</summary>
public sealed class AttachmentTooLargeException(long limit) : Exception($"The file is larger than the limit of {limit} bytes.")
{
    /// <summary>The limit, in bytes.</summary>
    public long Limit { get; } = limit;
}

/// <summary>The attachment's bytes were already stored: the first upload keeps them.</summary>
public sealed class AttachmentAlreadyStoredException(string attachmentId) : Exception($"Attachment '{attachmentId}' was already uploaded.")
{
    /// <summary>The attachment's id.</summary>
    public string AttachmentId { get; } = attachmentId;
}
