using ChatKit;
using ChatKitServer.Attachments;

namespace ChatKitServer.Hosting;

public static class AttachmentSetup
{
    /// <summary>Uploads to <c>Attachments:Path</c>, signed upload and preview links, and the cleanup of unused uploads.</summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddDataProtection();
        services.AddSingleton<AttachmentPolicy>();
        services.AddSingleton<AttachmentLinks>();
        services.AddSingleton<IAttachmentStorage, LocalAttachmentStorage>();
        services.AddSingleton<ChatKitAttachmentService>();
        services.AddSingleton<IChatKitAttachmentStore>(sp => sp.GetRequiredService<ChatKitAttachmentService>());
        services.AddSingleton<UnusedAttachmentCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<UnusedAttachmentCleanup>());
        return services;
    }
}
