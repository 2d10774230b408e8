using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>Attachments for an app that embeds ChatKit: the services (<see cref="AddAttachments"/>) and the endpoints (<see cref="MapChatKitAttachments"/>).</summary>
public static class ChatKitAttachmentsExtensions
{
    /// <summary>
    /// Attachments as the ChatKit web component uses them: <c>attachments.create</c> answers an upload link, the bytes go
    /// to <see cref="IAttachmentStorage"/> (a folder by default, <see cref="ChatKitAttachmentOptions.Path"/>; register another
    /// implementation to replace it), size and type are checked (<see cref="ChatKitAttachmentOptions"/>: 413, 415), and upload
    /// and preview links are signed with ASP.NET Core Data Protection for the attachment's owner, expire, and are signed anew
    /// whenever an item is served (the store keeps a stable path). Links are absolute, on <see cref="PublicAddressOptions"/>
    /// (<c>ChatKit:PublicBaseUrl</c> with <see cref="ChatKitBuilder.BindConfiguration"/>); outside Development without
    /// one, nor trusted proxies, nor <c>AllowedHosts</c>, the app refuses to start, as a request's Host header can be forged.
    /// Call it after the store is added (it wraps the store), and map the endpoints with <see cref="MapChatKitAttachments"/>.
    /// With several instances, share the Data Protection key ring and the bytes.
    /// </summary>
    /// <exception cref="InvalidOperationException">No store was added yet.</exception>
    public static ChatKitBuilder AddAttachments(this ChatKitBuilder builder, Action<ChatKitAttachmentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ChatKitAttachmentOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.AddOptions<PublicAddressOptions>()
            .Configure<IHostEnvironment, IConfiguration>((o, environment, configuration) =>
            {
                o.EnvironmentName = environment.EnvironmentName;
                o.HostsFiltered = configuration["AllowedHosts"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } hosts
                    && !hosts.Contains("*");
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddDataProtection();
        services.TryAddSingleton<PublicAddress>();
        services.TryAddSingleton<AttachmentPolicy>();
        services.TryAddSingleton<AttachmentLinks>();
        services.TryAddSingleton<IAttachmentStorage, LocalAttachmentStorage>();
        services.TryAddSingleton<ChatKitAttachmentService>();
        services.Replace(ServiceDescriptor.Singleton<IChatKitAttachmentStore>(sp => sp.GetRequiredService<ChatKitAttachmentService>()));
        DecorateStore(services, (store, sp) => new SignedLinkStore(store, sp.GetRequiredService<AttachmentLinks>()));
        return builder;
    }

    /// <summary>
    /// <c>POST /chatkit/attachments/{id}/upload</c> (the two-phase upload link), <c>POST /chatkit/attachments</c> (direct
    /// upload) and <c>GET /chatkit/attachments/{id}/preview</c> (<see cref="ChatKitAttachmentEndpoints"/>), under
    /// <see cref="ChatKitAttachmentOptions.RoutePrefix"/> when it is set to another path. The upload link and
    /// the preview are reached without a bearer token (an <c>&lt;img src&gt;</c> cannot send one): they allow anonymous callers
    /// and check the link's signature, or that the signed-in caller owns the attachment. Chain the host's policies on the
    /// result (<c>.RequireAuthorization()</c> then applies to the direct upload), or on
    /// <see cref="ChatKitAttachmentEndpointsBuilder.Uploads"/> and <see cref="ChatKitAttachmentEndpointsBuilder.Previews"/>
    /// separately (rate limits, request timeouts).
    /// </summary>
    /// <exception cref="InvalidOperationException">Attachments were not added (<see cref="AddAttachments"/>).</exception>
    public static ChatKitAttachmentEndpointsBuilder MapChatKitAttachments(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>() is { } known && !known.IsService(typeof(AttachmentLinks)))
            throw new InvalidOperationException(
                "ChatKit's attachments were not added: call builder.Services.AddChatKit()...AddAttachments() (after the store) before MapChatKitAttachments.");
        WarnIfStoreAddedAfter(endpoints.ServiceProvider);
        var prefix = endpoints.ServiceProvider.GetRequiredService<IOptions<ChatKitAttachmentOptions>>().Value.RoutePrefix;
        var group = endpoints.MapGroup(prefix).WithTags("Attachments");
        var upload = group.MapPost("/{id}/upload", ChatKitAttachmentEndpoints.UploadAsync).AllowAnonymous().WithDisplayName("ChatKit attachment upload");
        // As a Delegate, not a RequestDelegate (the same signature), so that it is described (OpenAPI) as the others are.
        var direct = group.MapPost("", (Delegate)ChatKitAttachmentEndpoints.DirectAsync).WithDisplayName("ChatKit attachment direct upload");
        var preview = group.MapGet("/{id}/preview", ChatKitAttachmentEndpoints.PreviewAsync).AllowAnonymous().WithDisplayName(ChatKitAttachmentEndpoints.PreviewDisplayName);
        return new ChatKitAttachmentEndpointsBuilder(group, new Conventions([upload, direct]), preview);
    }

    /// <summary>
    /// A store registered after <see cref="AddAttachments"/> replaces the wrapper that signs links: threads would then carry
    /// unsigned paths, and previews would load for nobody but a signed-in owner. Said at start, with the fix.
    /// </summary>
    private static void WarnIfStoreAddedAfter(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var store = scope.ServiceProvider.GetService<IChatKitStore>();
        if (store is null or SignedLinkStore) return;
        services.GetService<ILoggerFactory>()?.CreateLogger(typeof(ChatKitAttachmentsExtensions).FullName!).LogWarning(
            "The ChatKit store ({StoreType}) was registered after AddAttachments(), which wraps the store to sign attachment links: " +
            "threads will carry unsigned links. Add the store before AddAttachments()", store.GetType().FullName);
    }

    /// <summary>Wraps the registered <see cref="IChatKitStore"/> (same lifetime) in <paramref name="decorate"/>.</summary>
    private static void DecorateStore(IServiceCollection services, Func<IChatKitStore, IServiceProvider, IChatKitStore> decorate)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IChatKitStore))
            ?? throw new InvalidOperationException("Add the ChatKit store (AddInMemoryStore, AddStore, AddChatKitEntityFrameworkStore) before AddAttachments().");
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(typeof(IChatKitStore), sp => decorate(Inner(registered, sp), sp), registered.Lifetime));
    }

    private static IChatKitStore Inner(ServiceDescriptor registered, IServiceProvider sp) => (IChatKitStore)(
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!));

    /// <summary>Several endpoints' conventions as one.</summary>
    private sealed class Conventions(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders) builder.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders) builder.Finally(finallyConvention);
        }
    }
}

/// <summary>The attachment endpoints: conventions added here apply to all of them; <see cref="Uploads"/> and <see cref="Previews"/> take their own.</summary>
public sealed class ChatKitAttachmentEndpointsBuilder : IEndpointConventionBuilder
{
    private readonly IEndpointConventionBuilder _all;

    internal ChatKitAttachmentEndpointsBuilder(IEndpointConventionBuilder all, IEndpointConventionBuilder uploads, IEndpointConventionBuilder previews)
    {
        _all = all;
        Uploads = uploads;
        Previews = previews;
    }

    /// <summary>The two upload endpoints (the signed upload link and the direct upload).</summary>
    public IEndpointConventionBuilder Uploads { get; }

    /// <summary>The preview endpoint.</summary>
    public IEndpointConventionBuilder Previews { get; }

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention) => _all.Add(convention);

    /// <inheritdoc />
    public void Finally(Action<EndpointBuilder> finallyConvention) => _all.Finally(finallyConvention);
}
