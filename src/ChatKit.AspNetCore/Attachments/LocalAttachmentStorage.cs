namespace ChatKit.AspNetCore;

/// <summary>
/// Bytes under <see cref="ChatKitAttachmentOptions.Path"/>, one file per attachment named by its id.
/// Client file names never reach the file system, and ids are checked against the id pattern, so no
/// request can address a path outside the folder.
/// </summary>
public sealed class LocalAttachmentStorage(Microsoft.Extensions.Options.IOptions<ChatKitAttachmentOptions> options) : IAttachmentStorage
{
    private string Folder => System.IO.Path.GetFullPath(options.Value.Path);

    private string PathOf(string attachmentId)
    {
        AttachmentIds.Check(attachmentId);
        return System.IO.Path.Combine(Folder, attachmentId + ".bin");
    }

    /// <inheritdoc />
    public async Task<long> SaveAsync(string attachmentId, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        var final = PathOf(attachmentId);
        var temporary = final + "." + Guid.NewGuid().ToString("n") + ".part";
        try
        {
            long total = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes) throw new AttachmentTooLargeException(maxBytes);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            // Only a complete file ever carries the attachment's name, and only the first one: the move fails, atomically,
            // when a concurrent upload got there first.
            try
            {
                File.Move(temporary, final, overwrite: false);
            }
            catch (IOException) when (File.Exists(final))
            {
                throw new AttachmentAlreadyStoredException(attachmentId);
            }
            return total;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var path = PathOf(attachmentId);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string attachmentId, CancellationToken cancellationToken)
    {
        // File.Delete ignores a missing file but throws when the folder is missing too: before the first upload,
        // an attachment created and never uploaded has neither.
        var path = PathOf(attachmentId);
        if (File.Exists(path)) File.Delete(path);
        return Task.CompletedTask;
    }
}
