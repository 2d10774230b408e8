using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKit.AspNetCore;

/// <summary>Adds ChatKit to an ASP.NET Core app, in the style of <c>AddSignalR</c>/<c>MapHub</c>.</summary>
public static class ChatKitServiceCollectionExtensions
{
    /// <summary>
    /// The protocol's engine and HTTP layer: request body reader, SSE writer, error mapping, context factory
    /// (the caller's <c>sub</c> claim), settings validated at start. Add a responder and a store on the
    /// returned builder (<see cref="ChatKitBuilder.AddResponder{T}"/>, <see cref="ChatKitBuilder.AddInMemoryStore"/>,
    /// or ChatKit.EntityFrameworkCore's store), then map the endpoint with
    /// <see cref="ChatKitEndpointRouteBuilderExtensions.MapChatKit"/>.
    /// <code>
    /// builder.Services.AddChatKit().AddResponder&lt;MyResponder&gt;().AddInMemoryStore();
    /// app.MapChatKit("/chatkit").RequireAuthorization();
    /// </code>
    /// </summary>
    public static ChatKitBuilder AddChatKit(this IServiceCollection services, Action<ChatKitHttpOptions>? configure = null)
    {
        var options = services.AddOptions<ChatKitHttpOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        // The engine's settings are validated at start, as the endpoint's are (ConfigureEngine, BindConfiguration).
        services.AddOptions<ChatKitEngineOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatKitEngineOptions>>().Value);
        services.TryAddScoped<ChatKitEngine>();
        services.TryAddSingleton(_ => ChatKitRequestBody.CreatePool());
        services.TryAddSingleton<ChatKitRequestBody>();
        services.TryAddSingleton<IChatKitContextFactory, ClaimsChatKitContextFactory>();
        services.TryAddSingleton<ShutdownSignal>();
        services.TryAddSingleton<ServerSentEventsWriter>();
        services.TryAddSingleton<ChatKitStreamWriter>();
        services.AddProblemDetails();
        services.TryAddSingleton<ChatKitExceptionHandler>();
        // A missing store or responder stops the start in every environment (not only where services are validated at build).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Hosting.IStartupFilter, ChatKitServicesCheck>());
        // Streams get their grace period on shutdown, and the host waits for it: the host's timeout is raised to the grace
        // and 5 s more when it is shorter, never lowered (an app may give its own hosted services longer).
        services.AddOptions<HostOptions>().PostConfigure<Microsoft.Extensions.Options.IOptions<ChatKitHttpOptions>>((host, chatKit) =>
        {
            var needed = TimeSpan.FromSeconds(chatKit.Value.ShutdownGraceSeconds + 5);
            if (host.ShutdownTimeout < needed) host.ShutdownTimeout = needed;
        });
        return new ChatKitBuilder(services);
    }
}

/// <summary>Configures ChatKit's services: the responder, the store and the optional seams.</summary>
public sealed class ChatKitBuilder(IServiceCollection services)
{
    /// <summary>The services being configured.</summary>
    public IServiceCollection Services { get; } = services;

    /// <summary>
    /// Binds <see cref="ChatKitHttpOptions"/> and <see cref="ChatKitEngineOptions"/> from a configuration section
    /// (<c>ChatKit</c> by default: <c>ChatKit:MaxRequestBodyBytes</c>, <c>ChatKit:MaxPageSize</c>, ...), and the public address
    /// of attachment links (<see cref="PublicAddressOptions"/>: <c>ChatKit:PublicBaseUrl</c>, <c>ChatKit:TrustedProxies</c>).
    /// </summary>
    public ChatKitBuilder BindConfiguration(string section = ChatKitHttpOptions.Section)
    {
        Services.AddOptions<ChatKitHttpOptions>().BindConfiguration(section);
        Services.AddOptions<ChatKitEngineOptions>().BindConfiguration(section);
        Services.AddOptions<PublicAddressOptions>().BindConfiguration(section); // the public address of attachment links
        return this;
    }

    /// <summary>The responder that answers every turn (scoped: one per request).</summary>
    public ChatKitBuilder AddResponder<TResponder>() where TResponder : class, IChatKitResponder
    {
        Services.AddScoped<IChatKitResponder, TResponder>();
        return this;
    }

    /// <summary>Where threads, items, attachments and feedback live (a singleton, shared by concurrent streams).</summary>
    public ChatKitBuilder AddStore<TStore>() where TStore : class, IChatKitStore
    {
        Services.AddSingleton<IChatKitStore, TStore>();
        return this;
    }

    /// <summary>The library's in-memory store: for samples, tests and small tools (nothing survives a restart).</summary>
    public ChatKitBuilder AddInMemoryStore()
    {
        Services.AddSingleton<IChatKitStore, InMemoryChatKitStore>();
        return this;
    }

    /// <summary>Handles widget actions (<c>threads.custom_action</c>, <c>threads.sync_custom_action</c>).</summary>
    public ChatKitBuilder AddActionHandler<THandler>() where THandler : class, IChatKitActionHandler
    {
        Services.AddScoped<IChatKitActionHandler, THandler>();
        return this;
    }

    /// <summary>
    /// Creates and deletes attachment files (<c>attachments.create</c>, <c>attachments.delete</c>, and the files of a
    /// deleted thread); the records stay in the store. Without one, attachment requests are refused. For the library's own, with
    /// upload and preview endpoints and signed links, use <see cref="ChatKitAttachmentsExtensions.AddAttachments"/> instead.
    /// </summary>
    public ChatKitBuilder AddAttachmentStore<TAttachmentStore>() where TAttachmentStore : class, IChatKitAttachmentStore
    {
        Services.Replace(ServiceDescriptor.Singleton<IChatKitAttachmentStore, TAttachmentStore>());
        return this;
    }

    /// <summary>Transcribes dictation (<c>input.transcribe</c>).</summary>
    public ChatKitBuilder AddTranscriber<TTranscriber>() where TTranscriber : class, IChatKitTranscriber
    {
        Services.AddSingleton<IChatKitTranscriber, TTranscriber>();
        return this;
    }

    /// <summary>
    /// Who the caller is (the default reads the <c>sub</c> claim). The factory is scoped (one per request), so it may
    /// take the app's scoped services (its user directory, a <c>DbContext</c>).
    /// </summary>
    public ChatKitBuilder AddContextFactory<TFactory>() where TFactory : class, IChatKitContextFactory
    {
        Services.Replace(ServiceDescriptor.Scoped<IChatKitContextFactory, TFactory>());
        return this;
    }

    /// <summary>The engine's settings (page sizes, title length, cancel notes), validated when the app starts.</summary>
    public ChatKitBuilder ConfigureEngine(Action<ChatKitEngineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<ChatKitEngineOptions>().Configure(configure);
        return this;
    }
}

/// <summary>Maps the ChatKit endpoint.</summary>
public static class ChatKitEndpointRouteBuilderExtensions
{
    /// <summary>
    /// <c>POST {pattern}</c> answers every ChatKit request (<see cref="ChatKitEndpoint"/>). Chain the host's
    /// policies on the result: <c>.RequireAuthorization()</c>, <c>.RequireRateLimiting("…")</c>,
    /// <c>.RequireCors("…")</c>. It may be mapped more than once (several paths, a route group per tenant); the endpoint
    /// has no name of its own, since names are unique across the app (chain <c>.WithName("…")</c> to link to it).
    /// </summary>
    /// <exception cref="InvalidOperationException">ChatKit's services were not added (<see cref="ChatKitServiceCollectionExtensions.AddChatKit"/>).</exception>
    public static IEndpointConventionBuilder MapChatKit(this IEndpointRouteBuilder endpoints, [System.Diagnostics.CodeAnalysis.StringSyntax("Route")] string pattern = "/chatkit")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // As MapHub does without AddSignalR: otherwise every request would be an empty 500 naming a service of ours.
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>() is { } known && !known.IsService(typeof(ChatKitRequestBody)))
            throw new InvalidOperationException(
                "ChatKit's services were not added: call builder.Services.AddChatKit() (with a responder and a store) before MapChatKit.");
        return endpoints.MapPost(pattern, ChatKitEndpoint.HandleAsync)
            .WithDisplayName("ChatKit protocol")
            .ExcludeFromDescription(); // the protocol is described by its JSON Schemas, not OpenAPI
    }
}
