using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ChatKitServer.Attachments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests.Support;

/// <summary>
/// Runs attachment tests on either storage: settings for the chosen one (Azure Blob Storage: the test run's
/// Azurite and a container of the server's own; skipped when Azurite is not installed), and what a test
/// server's storage holds, read around the server (the folder's files, or the container's blobs).
/// </summary>
public static class AttachmentStorages
{
    /// <summary><paramref name="settings"/> with <c>Attachments:Storage</c> and what that storage needs.</summary>
    public static Dictionary<string, string?> WithStorage(this Dictionary<string, string?> settings, AttachmentStorageKind storage)
    {
        settings["Attachments:Storage"] = storage.ToString();
        if (storage == AttachmentStorageKind.AzureBlob)
        {
            var azurite = Task.Run(AzuriteServer.SharedAsync).GetAwaiter().GetResult();
            settings["Attachments:AzureBlob:ConnectionString"] = azurite.ConnectionString;
            settings["Attachments:AzureBlob:Container"] = AzuriteServer.NewContainerName();
        }
        return settings;
    }

    /// <summary>
    /// Everything the server's storage holds: attachment ids (a file's name without <c>.bin</c>, a blob's name),
    /// and any other file found in the server's folder besides the database, under its own name; with blob
    /// storage, blocks staged but never committed count too.
    /// </summary>
    public static async Task<IReadOnlyList<string>> StoredAsync(ServerFactory factory)
    {
        var stored = Directory.GetFiles(factory.Folder, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(name => !name!.StartsWith("chatkit.db", StringComparison.Ordinal))
            .Select(name => name!.EndsWith(".bin", StringComparison.Ordinal) ? name[..^".bin".Length] : name)
            .ToList();
        if (Container(factory) is { } container && await container.ExistsAsync())
        {
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted }))
                stored.Add(blob.Name);
        }
        return stored;
    }

    /// <summary>The stored bytes of <paramref name="attachmentId"/>, read around the server; null when none.</summary>
    public static async Task<byte[]?> BytesAsync(ServerFactory factory, string attachmentId)
    {
        if (Container(factory) is { } container)
        {
            var blob = container.GetBlobClient(attachmentId);
            return await blob.ExistsAsync() ? (await blob.DownloadContentAsync()).Value.Content.ToArray() : null;
        }
        var file = Path.Combine(factory.Folder, "attachments", attachmentId + ".bin");
        return File.Exists(file) ? await File.ReadAllBytesAsync(file) : null;
    }

    private static BlobContainerClient? Container(ServerFactory factory)
    {
        var options = factory.Services.GetRequiredService<IOptions<AttachmentOptions>>().Value;
        return options.Storage == AttachmentStorageKind.AzureBlob ? new BlobContainerClient(options.AzureBlob.ConnectionString, options.AzureBlob.Container) : null;
    }
}
