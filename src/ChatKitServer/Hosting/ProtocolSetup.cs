using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Endpoint;

namespace ChatKitServer.Hosting;

public static class ProtocolSetup
{
    /// <summary>
    /// ChatKit.AspNetCore's engine and HTTP layer (body reader, SSE writer, error mapping; settings from the
    /// <c>ChatKit</c> section), with the server's own context factory (development auth, the admin role).
    /// The responder comes from <c>AddAssistant</c>, the store from <c>AddChatKitPersistence</c>.
    /// </summary>
    public static IServiceCollection AddChatKitProtocol(this IServiceCollection services)
    {
        services.AddChatKit().BindConfiguration().AddContextFactory<ChatKitContextFactory>();
        // The engine's page sizes and title length come from the same section (ChatKit:DefaultPageSize, ...).
        services.AddOptions<ChatKitEngineOptions>().BindConfiguration(ChatKitHttpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatKitEngineOptions>>().Value);
        services.AddSingleton<Admin.AdminQueries>();
        services.AddSingleton<Admin.AdminOverviewQueries>();
        services.AddSingleton<Admin.AdminThreadExport>();
        return services;
    }
}
