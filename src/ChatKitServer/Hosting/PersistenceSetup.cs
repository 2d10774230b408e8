using ChatKit;

namespace ChatKitServer.Hosting;

public static class PersistenceSetup
{
    // Temporary: the EF Core store replaces this in-memory store as soon as it lands.
    public static IServiceCollection AddChatKitPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IChatKitStore, InMemoryChatKitStore>();
        return services;
    }

    public static Task PrepareDatabaseAsync(this WebApplication app) => Task.CompletedTask;
}
