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
        // The engine's page sizes and title length come from the same section (ChatKit:DefaultPageSize, ...).
        services.AddChatKit().BindConfiguration().AddContextFactory<ChatKitContextFactory>();
        services.AddSingleton<Admin.AdminQueries>();
        services.AddSingleton<Admin.AdminOverviewQueries>();
        services.AddSingleton<Admin.AdminThreadExport>();
        return services;
    }
}
