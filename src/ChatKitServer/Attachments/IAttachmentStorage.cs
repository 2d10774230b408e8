using System.Text.RegularExpressions;

namespace ChatKitServer.Attachments;

/// <summary>
/// Where attachment bytes live, keyed by attachment id. The local folder is the default; another
/// backend (e.g. Azure Blob Storage) plugs in by registering its own implementation.
/// </summary>
public interface IAttachmentStorage
{
    /// <summary>Stores the bytes of <paramref name="attachmentId"/>, refusing more than <paramref name="maxBytes"/>; returns the length.</summary>
    Task<long> SaveAsync(string attachmentId, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>The bytes, or null when none are stored.</summary>
    Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken);

    /// <summary>Removes the bytes (nothing happens when there are none).</summary>
    Task DeleteAsync(string attachmentId, CancellationToken cancellationToken);
}

/// <summary>More bytes than allowed arrived.</summary>
public sealed class AttachmentTooLargeException(long limit) : Exception($"The file is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Bytes under <see cref="AttachmentOptions.Path"/>, one file per attachment named by its id.
/// Client file names never reach the file system, and ids are checked against the id pattern, so no
/// request can address a path outside the folder.
/// </summary>
public sealed partial class LocalAttachmentStorage(Microsoft.Extensions.Options.IOptions<AttachmentOptions> options) : IAttachmentStorage
{
    [GeneratedRegex("^atc_[0-9a-f]{8,64}$")]
    private static partial Regex IdPattern();

    private string Folder => System.IO.Path.GetFullPath(options.Value.Path);

    private string PathOf(string attachmentId)
    {
        if (!IdPattern().IsMatch(attachmentId))
            throw new ArgumentException($"'{attachmentId}' is not an attachment id.", nameof(attachmentId));
        return System.IO.Path.Combine(Folder, attachmentId + ".bin");
    }

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
            // Only a complete file ever carries the attachment's name.
            File.Move(temporary, final, overwrite: true);
            return total;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken)
    {
        var path = PathOf(attachmentId);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null);
    }

    public Task DeleteAsync(string attachmentId, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(attachmentId));
        return Task.CompletedTask;
    }
}
