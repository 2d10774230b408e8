using ChatKit.EntityFrameworkCore;
using ChatKitServer.Assistant.Tools;
using Microsoft.EntityFrameworkCore;

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

    /// <summary>
    /// Creates or migrates the database (the store's tables, then the key ring's) before the first request (for SQLite, the file is
    /// created on first run). SQL Server and PostgreSQL are waited for while not reachable yet, up to <c>Database:StartupWaitSeconds</c>
    /// (<see cref="DatabaseStartupWait"/>).
    /// </summary>
    /// <exception cref="DatabaseStartException">The database was not reachable within <c>Database:StartupWaitSeconds</c>, or refused the start (SQL Server, PostgreSQL).</exception>
    public static async Task PrepareDatabaseAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var database = DatabaseOptions.From(app.Configuration);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await MigrateAsync(app.Services, cancellationToken); // a file: nothing to wait for
            return;
        }
        IChatKitTransientErrors strategy;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(cancellationToken))
            strategy = db.Database.CreateExecutionStrategy() as IChatKitTransientErrors
                ?? throw new InvalidOperationException("The store's execution strategy is not the server's budgeted one (DatabaseOptions.UseIn).");
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseStartupWait).FullName!);
        await DatabaseStartupWait.RunAsync(ct => MigrateAsync(app.Services, ct), database.StartupWait, strategy.IsTransient, logger, cancellationToken);
    }

    private static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.MigrateChatKitDatabaseAsync(cancellationToken);
        await services.MigrateKeyRingAsync(cancellationToken);
    }
}
