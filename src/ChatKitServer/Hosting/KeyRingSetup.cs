using ChatKit.EntityFrameworkCore;
using ChatKitServer.KeyRing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
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
        var connectionString = database.EffectiveConnectionString;
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                // Not in EF's seeding on SQLite: EF seeds there inside the migration's lock on the file, where the key's write
                // waits. The first key is made after migrating instead, under a lock file of its own (MigrateKeyRingAsync).
                Add<SqliteKeyRingDbContext>(services, o => o.UseSqlite(connectionString, sql => sql.MigrationsHistoryTable(KeyRingDbContext.HistoryTable)), firstKeyAtMigration: false);
                break;
            case DatabaseProvider.SqlServer:
                Add<SqlServerKeyRingDbContext>(services, o => o.UseSqlServer(connectionString, sql => sql
                    .MigrationsHistoryTable(KeyRingDbContext.HistoryTable)
                    .EnableRetryOnFailureWithin(database.MaxRetryTime, database.MaxRetryCount, database.MaxRetryDelay)));
                break;
            case DatabaseProvider.PostgreSql:
                Add<PostgreSqlKeyRingDbContext>(services, o => o.UseNpgsql(connectionString, npgsql => npgsql
                    .MigrationsHistoryTable(KeyRingDbContext.HistoryTable)
                    .EnableRetryOnFailureWithin(database.MaxRetryTime, database.MaxRetryCount, database.MaxRetryDelay)));
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
        var ring = scope.ServiceProvider.GetRequiredService<KeyRingDbContext>();
        await services.GetRequiredService<ChatKitDatabaseProvider>().MigrateAsync(ring, cancellationToken);
        if (ring is SqliteKeyRingDbContext)
            await FirstKeyOnSqliteAsync(services, ring.Database.GetConnectionString()!, cancellationToken);
    }

    /// <summary>
    /// The first key on SQLite, made by one process at a time: processes on one database file take turns on a lock file
    /// beside it (an exclusive open, which .NET holds with the system's file lock, released when a process dies).
    /// </summary>
    private static async Task FirstKeyOnSqliteAsync(IServiceProvider services, string connectionString, CancellationToken cancellationToken)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (source.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || source.DataSource is "" or ":memory:")
            return; // a database in memory has one process: Data Protection makes the key as it needs it
        var lockPath = Path.GetFullPath(source.DataSource) + ".keyring-lock";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                EnsureKeyUsableNow(services);
                return;
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, cancellationToken); // another process is making the key
            }
        }
    }

    /// <summary>
    /// Makes the ring's first key (or a new one when none is usable now) at migration, inside the migration lock. Left to
    /// Data Protection, every instance that found no key at start made one of its own; one that had read the ring before
    /// another's key was saved did not know that key, and refused what the other signed (upload and preview links, admin
    /// sign-ins) once its first two minutes were over, until it read the ring again a day later.
    /// </summary>
    private static void EnsureKeyUsableNow(IServiceProvider services)
    {
        var keys = services.GetRequiredService<IKeyManager>();
        var now = DateTimeOffset.UtcNow;
        if (keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now)) return;
        keys.CreateNewKey(now, now + services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime);
    }

    private static void Add<T>(IServiceCollection services, Action<DbContextOptionsBuilder> configure, bool firstKeyAtMigration = true) where T : KeyRingDbContext
    {
        services.AddDbContext<T>((sp, options) =>
        {
            configure(options);
            if (!firstKeyAtMigration) return;
            // EF seeds after migrating, under the migration lock: instances that start together make the first key one at a time.
            options.UseSeeding((_, _) => EnsureKeyUsableNow(sp));
            options.UseAsyncSeeding((_, _, _) =>
            {
                EnsureKeyUsableNow(sp);
                return Task.CompletedTask;
            });
        });
        services.AddScoped<KeyRingDbContext>(sp => sp.GetRequiredService<T>());
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<T>();
    }
}
