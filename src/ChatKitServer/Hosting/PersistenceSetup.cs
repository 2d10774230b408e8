using ChatKit.EntityFrameworkCore;
using ChatKitServer.Assistant.Tools;

namespace ChatKitServer.Hosting;

public static class PersistenceSetup
{
    /// <summary>
    /// The EF Core store on <c>Database:Provider</c> with <c>ConnectionStrings:ChatKit</c>, the turn
    /// lock of <c>Database:TurnLock</c> (by default the database's own on SQL Server and PostgreSQL),
    /// and the Data Protection key ring in the same database.
    /// </summary>
    public static IServiceCollection AddChatKitPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var database = DatabaseOptions.From(configuration);
        services.AddChatKitEntityFrameworkStore(store => database.UseIn(store));
        services.AddSharedKeyRing(database);
        services.AddSingleton<IUserMemory, EfUserMemory>();
        if (database.RestampStoredJson) services.AddHostedService<StoredJsonRestampService>();
        services.AddHostedService<SearchTextFillService>();
        return services;
    }

    /// <summary>Creates or migrates the database (the store's tables, then the key ring's) before the first request (for SQLite, the file is created on first run).</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await app.Services.MigrateChatKitDatabaseAsync();
        await app.Services.MigrateKeyRingAsync();
    }
}
