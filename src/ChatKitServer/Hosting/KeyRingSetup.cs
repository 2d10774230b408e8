using ChatKit.EntityFrameworkCore;
using ChatKitServer.KeyRing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace ChatKitServer.Hosting;

public static class KeyRingSetup
{
    /// <summary>
    /// The name every instance gives Data Protection. Protected data can only be read by an application
    /// of the same name; the default (the content root path) differs between hosts and deployments.
    /// </summary>
    public const string ApplicationName = "ChatKitServer";

    /// <summary>Data Protection keys kept in the ChatKit database (<see cref="KeyRingDbContext"/>), shared by every instance.</summary>
    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services, DatabaseOptions database)
    {
        var connectionString = database.ConnectionString;
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                Add<SqliteKeyRingDbContext>(services, o => o.UseSqlite(connectionString, sql => sql.MigrationsHistoryTable(KeyRingDbContext.HistoryTable)));
                break;
            case DatabaseProvider.SqlServer:
                Add<SqlServerKeyRingDbContext>(services, o => o.UseSqlServer(connectionString, sql => sql
                    .MigrationsHistoryTable(KeyRingDbContext.HistoryTable).EnableRetryOnFailure(database.MaxRetryCount, database.MaxRetryDelay, errorNumbersToAdd: null)));
                break;
            case DatabaseProvider.PostgreSql:
                Add<PostgreSqlKeyRingDbContext>(services, o => o.UseNpgsql(connectionString, npgsql => npgsql
                    .MigrationsHistoryTable(KeyRingDbContext.HistoryTable).EnableRetryOnFailure(database.MaxRetryCount, database.MaxRetryDelay, errorCodesToAdd: null)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(database), database.Provider, "Unknown database provider.");
        }
        return services;
    }

    /// <summary>
    /// Creates or migrates the key ring's table (after the store's: for SQLite, the store creates the file), one instance at a
    /// time: the way the store's database provider applies its own migrations (<see cref="ChatKitDatabaseProvider.MigrateAsync"/>).
    /// </summary>
    public static async Task MigrateKeyRingAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await services.GetRequiredService<ChatKitDatabaseProvider>().MigrateAsync(scope.ServiceProvider.GetRequiredService<KeyRingDbContext>(), cancellationToken);
    }

    private static void Add<T>(IServiceCollection services, Action<DbContextOptionsBuilder> configure) where T : KeyRingDbContext
    {
        services.AddDbContext<T>(configure);
        services.AddScoped<KeyRingDbContext>(sp => sp.GetRequiredService<T>());
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<T>();
    }
}
