using ChatKit.AspNetCore;
using ChatKitServer.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Hosting;

public static class AttachmentSetup
{
    /// <summary>
    /// ChatKit.AspNetCore's attachments (signed upload and preview links, expiring, on the public address; stored unsigned,
    /// signed when served; size and type limits), with the bytes in <c>Attachments:Path</c> or, with
    /// <c>Attachments:Storage=AzureBlob</c>, in a blob container (created at start when missing), and the cleanup of unused
    /// uploads. Call after the store is registered.
    /// </summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChatKitAttachmentOptions>().BindConfiguration(ChatKitAttachmentOptions.Section);
        services.AddOptions<PublicAddressOptions>().BindConfiguration(PublicAddressOptions.Section);
        services.AddSingleton<LocalAttachmentStorage>();
        services.AddSingleton<AzureBlobAttachmentStorage>();
        services.AddSingleton<IAttachmentStorage>(sp => sp.GetRequiredService<IOptions<AttachmentOptions>>().Value.Storage switch
        {
            AttachmentStorageKind.AzureBlob => sp.GetRequiredService<AzureBlobAttachmentStorage>(),
            _ => sp.GetRequiredService<LocalAttachmentStorage>(),
        });
        new ChatKitBuilder(services).AddAttachments();
        services.AddHostedService<AttachmentStorageStart>();
        services.AddSingleton<UnusedAttachmentCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<UnusedAttachmentCleanup>());
        return services;
    }
}
