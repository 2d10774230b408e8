using ChatKit.AspNetCore;
namespace ChatKitServer.Attachments;

/// <summary>
/// Prepares the attachment storage before the server takes requests: with Azure Blob Storage, creates the
/// container when it is missing. A storage that cannot be reached stops the start (as a database does),
/// with the storage's error in the log.
/// </summary>
public sealed class AttachmentStorageStart(IAttachmentStorage storage) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) =>
        storage is AzureBlobAttachmentStorage blob ? blob.CreateContainerIfMissingAsync(cancellationToken) : Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
