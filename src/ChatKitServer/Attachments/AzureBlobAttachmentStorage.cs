using ChatKit.AspNetCore;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Attachments;

/// <summary>
/// Bytes in an Azure Blob Storage container (<see cref="AzureBlobAttachmentOptions"/>), one block blob per
/// attachment named by its id, so every instance reads what any instance stored. An upload streams to the
/// blob as it arrives, in blocks of <see cref="BlockBytes"/>, counted on the way: the limit is enforced while
/// copying, and the blob only exists once its last block is committed, so a refused, cut or cancelled upload
/// leaves no blob (and the blocks it staged are discarded at once).
/// </summary>
public sealed class AzureBlobAttachmentStorage : IAttachmentStorage
{
    /// <summary>
    /// What one upload holds in memory at most: files up to this size go in one request, larger ones as
    /// blocks of this size, one at a time (the client's upload, not the storage, is the slower side).
    /// </summary>
    public const int BlockBytes = 1024 * 1024;

    private static readonly StorageTransferOptions Transfer = new() { InitialTransferSize = BlockBytes, MaximumTransferSize = BlockBytes, MaximumConcurrency = 1 };

    /// <summary>Bytes are stored once per id (<see cref="IAttachmentStorage.SaveAsync"/>): the commit fails where a blob exists.</summary>
    private static readonly BlobRequestConditions OnlyIfAbsent = new() { IfNoneMatch = ETag.All };

    private static readonly TimeSpan CleanupDeadline = TimeSpan.FromSeconds(30);

    private readonly ILogger<AzureBlobAttachmentStorage> _logger;

    public AzureBlobAttachmentStorage(IOptions<AttachmentOptions> options, ILogger<AzureBlobAttachmentStorage> logger)
    {
        var blob = options.Value.AzureBlob;
        Container = new BlobContainerClient(blob.ConnectionString, blob.Container);
        _logger = logger;
    }

    /// <summary>The container of the attachments.</summary>
    public BlobContainerClient Container { get; }

    public async Task<long> SaveAsync(string attachmentId, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var blob = Blob(attachmentId);
        var counted = CheckedUploadStream.AtMost(content, maxBytes, _ => new AttachmentTooLargeException(maxBytes));
        try
        {
            await blob.UploadAsync(counted, new BlobUploadOptions { TransferOptions = Transfer, Conditions = OnlyIfAbsent }, cancellationToken);
            return counted.Count;
        }
        catch (RequestFailedException ex) when (ex.Status is StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed)
        {
            // Another upload committed this id's blob first and keeps it. Blocks this one staged stay uncommitted beside it
            // until the service drops them (discarding them would need a commit, which the blob's condition refuses).
            throw new AttachmentAlreadyStoredException(attachmentId);
        }
        catch when (counted.Count > BlockBytes)
        {
            // Blocks were staged before the upload failed: drop them now rather than leave them for the service.
            await DiscardStagedBlocksAsync(blob);
            throw;
        }
    }

    /// <summary>
    /// Commits an empty block list, which discards the blob's uncommitted blocks, but only where no blob exists
    /// (a concurrent upload that succeeded is never touched), then deletes that empty blob. Runs whatever
    /// happened to the request (it may have been cancelled), for 30 s at most; a failure here is logged, not thrown over the upload's own.
    /// </summary>
    private async Task DiscardStagedBlocksAsync(BlobClient blob)
    {
        var block = Container.GetBlockBlobClient(blob.Name);
        using var deadline = new CancellationTokenSource(CleanupDeadline);
        try
        {
            var empty = await block.CommitBlockListAsync([], new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, deadline.Token);
            await block.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = empty.Value.ETag }, cancellationToken: deadline.Token);
        }
        catch (Exception ex) when (ex is RequestFailedException || (ex is OperationCanceledException && deadline.IsCancellationRequested))
        {
            _logger.LogWarning(ex, "Could not discard the staged blocks of {AttachmentId} (the service drops them after a week)", blob.Name);
        }
    }

    public async Task<Stream?> OpenReadAsync(string attachmentId, CancellationToken cancellationToken)
    {
        try
        {
            var download = await Blob(attachmentId).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    public Task DeleteAsync(string attachmentId, CancellationToken cancellationToken) =>
        Blob(attachmentId).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);

    /// <summary>Creates the container when it is missing (at start, see <see cref="AttachmentStorageStart"/>).</summary>
    public async Task CreateContainerIfMissingAsync(CancellationToken cancellationToken)
    {
        var created = await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        if (created is not null)
            _logger.LogInformation("Created the attachment container {Container} at {Endpoint}", Container.Name, Container.Uri.GetLeftPart(UriPartial.Authority));
    }

    private BlobClient Blob(string attachmentId)
    {
        AttachmentIds.Check(attachmentId);
        return Container.GetBlobClient(attachmentId);
    }
}
