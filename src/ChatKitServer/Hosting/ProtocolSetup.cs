using ChatKit;
using ChatKitServer.Endpoint;
using ChatKitServer.Configuration;

namespace ChatKitServer.Hosting;

public static class ProtocolSetup
{
    /// <summary>
    /// The engine (a scoped <see cref="ChatKitEngine"/>: its responder comes from <c>AddAssistant</c>, its store from
    /// <c>AddChatKitPersistence</c>) and the HTTP plumbing of <c>/chatkit</c>: body reader, context factory, SSE writer, shutdown signal.
    /// </summary>
    public static IServiceCollection AddChatKitProtocol(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new ChatKitEngineOptions());
        services.AddScoped<ChatKitEngine>();
        services.AddSingleton(ChatKitRequestBody.CreatePool());
        services.AddSingleton<ChatKitRequestBody>();
        services.AddSingleton<ChatKitContextFactory>();
        services.AddSingleton<ServerSentEventsWriter>();
        services.AddSingleton<ChatKitStreamWriter>();
        services.AddSingleton<ShutdownSignal>();
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<ChatKitServerOptions>>((host, chatKit) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(chatKit.Value.ShutdownGraceSeconds + 5));
        services.AddSingleton<Admin.AdminQueries>();
        return services;
    }
}
