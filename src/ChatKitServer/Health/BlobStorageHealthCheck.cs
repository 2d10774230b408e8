using ChatKit.AspNetCore;
using Azure;
using ChatKitServer.Attachments;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKitServer.Health;

/// <summary>Healthy when the attachment container answers (registered only with <c>Attachments:Storage=AzureBlob</c>).</summary>
public sealed class BlobStorageHealthCheck(IAttachmentStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (storage is not AzureBlobAttachmentStorage blob)
            return HealthCheckResult.Unhealthy("Azure Blob Storage is configured but attachments do not use it.");
        try
        {
            await blob.Container.GetPropertiesAsync(cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy($"The attachment container {blob.Container.Name} answers.");
        }
        catch (RequestFailedException ex)
        {
            return HealthCheckResult.Unhealthy($"The attachment container {blob.Container.Name} does not answer: {ex.Message}", ex);
        }
    }
}
