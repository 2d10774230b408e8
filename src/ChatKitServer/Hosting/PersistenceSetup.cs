using ChatKit.EntityFrameworkCore;
using ChatKitServer.Assistant.Tools;

namespace ChatKitServer.Hosting;

public static class PersistenceSetup
{
    /// <summary>
    /// The EF Core store on <c>Database:Provider</c> with <c>ConnectionStrings:ChatKit</c>, and the turn
    /// lock of <c>Database:TurnLock</c> (by default the database's own on SQL Server and PostgreSQL).
    /// </summary>
    public static IServiceCollection AddChatKitPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new ChatKitDatabaseOptions
        {
            Provider = configuration.GetValue("Database:Provider", ChatKitDatabaseProvider.Sqlite),
            ConnectionString = configuration.GetConnectionString("ChatKit") ?? "Data Source=chatkit.db",
        };
        options.MaxRetryCount = configuration.GetValue("Database:MaxRetryCount", options.MaxRetryCount);
        options.MaxRetryDelay = TimeSpan.FromSeconds(configuration.GetValue("Database:MaxRetryDelaySeconds", options.MaxRetryDelay.TotalSeconds));
        options.TurnLock = configuration.GetValue("Database:TurnLock", options.TurnLock);
        services.AddChatKitEntityFrameworkStore(options);
        services.AddSingleton<IUserMemory, EfUserMemory>();
        return services;
    }

    /// <summary>Creates or migrates the database before the first request (for SQLite, the file is created on first run).</summary>
    public static Task PrepareDatabaseAsync(this WebApplication app) => app.Services.MigrateChatKitDatabaseAsync();
}
