using ChatKit;
using ChatKitServer.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Hosting;

public static class AttachmentSetup
{
    /// <summary>
    /// Uploads to <c>Attachments:Path</c> or, with <c>Attachments:Storage=AzureBlob</c>, to a blob container
    /// (created at start when missing), signed upload and preview links (expiring, on the public address;
    /// stored unsigned, signed when served), and the cleanup of unused uploads. Call after the store is registered.
    /// </summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AttachmentLinkOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PublicAddressOptions>().BindConfiguration(PublicAddressOptions.Section)
            .Configure<IHostEnvironment, IConfiguration>((o, environment, configuration) =>
            {
                o.EnvironmentName = environment.EnvironmentName;
                o.HostsFiltered = configuration["AllowedHosts"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } hosts
                    && !hosts.Contains("*");
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddDataProtection();
        services.AddSingleton<PublicAddress>();
        services.AddSingleton<AttachmentPolicy>();
        services.AddSingleton<AttachmentLinks>();
        services.DecorateStore((store, sp) => new SignedLinkStore(store, sp.GetRequiredService<AttachmentLinks>()));
        services.AddSingleton<LocalAttachmentStorage>();
        services.AddSingleton<AzureBlobAttachmentStorage>();
        services.AddSingleton<IAttachmentStorage>(sp => sp.GetRequiredService<IOptions<AttachmentOptions>>().Value.Storage switch
        {
            AttachmentStorageKind.AzureBlob => sp.GetRequiredService<AzureBlobAttachmentStorage>(),
            _ => sp.GetRequiredService<LocalAttachmentStorage>(),
        });
        services.AddHostedService<AttachmentStorageStart>();
        services.AddSingleton<ChatKitAttachmentService>();
        services.AddSingleton<IChatKitAttachmentStore>(sp => sp.GetRequiredService<ChatKitAttachmentService>());
        services.AddSingleton<UnusedAttachmentCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<UnusedAttachmentCleanup>());
        return services;
    }

    /// <summary>Wraps the registered <see cref="IChatKitStore"/> (same lifetime) in <paramref name="decorate"/>.</summary>
    private static void DecorateStore(this IServiceCollection services, Func<IChatKitStore, IServiceProvider, IChatKitStore> decorate)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IChatKitStore))
            ?? throw new InvalidOperationException("Register the ChatKit store before AddAttachments().");
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(typeof(IChatKitStore), sp => decorate(Inner(registered, sp), sp), registered.Lifetime));
    }

    private static IChatKitStore Inner(ServiceDescriptor registered, IServiceProvider sp) => (IChatKitStore)(
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!));
}
