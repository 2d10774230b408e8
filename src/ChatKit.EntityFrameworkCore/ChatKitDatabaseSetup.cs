using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit.EntityFrameworkCore;

/// <summary>The database providers the store supports.</summary>
public enum ChatKitDatabaseProvider
{
    /// <summary>An embedded SQLite file (the default).</summary>
    Sqlite,
    /// <summary>Microsoft SQL Server or Azure SQL.</summary>
    SqlServer,
    /// <summary>PostgreSQL (Npgsql).</summary>
    PostgreSql,
}

/// <summary>Which lock keeps turns on one thread apart (<see cref="IChatKitTurnLock"/>).</summary>
public enum ChatKitTurnLockMode
{
    /// <summary>The database's lock on SQL Server and PostgreSQL, the process's own on SQLite.</summary>
    Auto,
    /// <summary>Within this process only (<see cref="InProcessTurnLock"/>): right for a single instance.</summary>
    InProcess,
    /// <summary>Held by the database (<see cref="PostgreSqlTurnLock"/>, <see cref="SqlServerTurnLock"/>): right for several instances on one database.</summary>
    Database,
}

/// <summary>Which database the store uses.</summary>
public sealed class ChatKitDatabaseOptions
{
    /// <summary>The provider.</summary>
    public ChatKitDatabaseProvider Provider { get; set; } = ChatKitDatabaseProvider.Sqlite;

    /// <summary>The provider's connection string.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionString { get; set; } = "Data Source=chatkit.db";

    /// <summary>
    /// How many times SQL Server and PostgreSQL retry an operation that failed with a transient error
    /// (EF's retry-on-failure execution strategy; 0 turns it off). SQLite does not retry.
    /// </summary>
    [Range(0, 20)]
    public int MaxRetryCount { get; set; } = 6;

    /// <summary>The longest wait between two retries (they back off exponentially up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The turn lock (<see cref="ChatKitTurnLockMode.Database"/> needs SQL Server or PostgreSQL).</summary>
    public ChatKitTurnLockMode TurnLock { get; set; } = ChatKitTurnLockMode.Auto;
}

/// <summary>Registers the EF Core store and migrates its database.</summary>
public static class ChatKitDatabaseSetup
{
    /// <summary>
    /// Contexts kept for reuse (EF's default is 1,024). A burst of thousands of streams would otherwise
    /// leave a thousand idle contexts in memory for the life of the process.
    /// </summary>
    public const int ContextPoolSize = 128;

    /// <summary>
    /// Registers <see cref="IChatKitStore"/> as <see cref="EfChatKitStore"/> over a pooled context
    /// factory for the chosen provider, plus the <see cref="IDbContextFactory{ChatKitDbContext}"/>
    /// other features may query with, the <see cref="ChatKitWriteGate"/> their writes go through, and
    /// the <see cref="IChatKitTurnLock"/> the engine takes (see <see cref="ChatKitDatabaseOptions.TurnLock"/>).
    /// </summary>
    public static IServiceCollection AddChatKitEntityFrameworkStore(this IServiceCollection services, ChatKitDatabaseOptions options)
    {
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        if (options is { TurnLock: ChatKitTurnLockMode.Database, Provider: ChatKitDatabaseProvider.Sqlite })
            throw new ValidationException("Database:TurnLock=Database needs SqlServer or PostgreSql: SQLite has no lock that a crashed instance gives back. Use Auto or InProcess.");
        services.AddSingleton(options);
        switch (options.Provider)
        {
            case ChatKitDatabaseProvider.Sqlite:
                AddProvider<SqliteChatKitDbContext>(services, o => o.UseSqlite(options.ConnectionString).AddInterceptors(new SqliteConnectionSettings()), ChatKitWriteGate.SingleWriter());
                break;
            case ChatKitDatabaseProvider.SqlServer:
                // Transient faults (failover, throttling, dropped connections) are retried; every explicit
                // transaction of the store runs inside the execution strategy, as EF requires when retries are on.
                AddProvider<SqlServerChatKitDbContext>(services, o => o.UseSqlServer(options.ConnectionString,
                    sql => sql.EnableRetryOnFailure(options.MaxRetryCount, options.MaxRetryDelay, errorNumbersToAdd: null)), ChatKitWriteGate.None);
                break;
            case ChatKitDatabaseProvider.PostgreSql:
                AddProvider<PostgreSqlChatKitDbContext>(services, o => o.UseNpgsql(options.ConnectionString,
                    npgsql => npgsql.EnableRetryOnFailure(options.MaxRetryCount, options.MaxRetryDelay, errorCodesToAdd: null)), ChatKitWriteGate.None);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Unknown database provider.");
        }
        services.AddSingleton(sp => CreateTurnLock(options, sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.AddSingleton<IChatKitStore>(sp => new EfChatKitStore(
            sp.GetRequiredService<IDbContextFactory<ChatKitDbContext>>(), sp.GetService<TimeProvider>(), sp.GetRequiredService<ChatKitWriteGate>()));
        return services;
    }

    /// <summary>
    /// Applies the provider's pending migrations (creating the database, for SQLite the file and its
    /// folder, when missing). SQLite is switched to WAL so readers never wait for the writer. Instances
    /// that start together on one database apply each migration once (<see cref="ChatKitMigrations"/>).
    /// </summary>
    public static async Task MigrateChatKitDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<ChatKitDatabaseOptions>();
        if (options.Provider == ChatKitDatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder) && file != ":memory:") Directory.CreateDirectory(folder);
        }
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(cancellationToken);
        await ChatKitMigrations.MigrateAsync(db, options, cancellationToken);
        if (options.Provider == ChatKitDatabaseProvider.Sqlite)
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }

    private static IChatKitTurnLock CreateTurnLock(ChatKitDatabaseOptions options, ILoggerFactory logs) => (options.TurnLock, options.Provider) switch
    {
        (ChatKitTurnLockMode.InProcess, _) or (ChatKitTurnLockMode.Auto, ChatKitDatabaseProvider.Sqlite) => new InProcessTurnLock(),
        (_, ChatKitDatabaseProvider.PostgreSql) => new PostgreSqlTurnLock(options.ConnectionString, logs.CreateLogger<PostgreSqlTurnLock>()),
        (_, ChatKitDatabaseProvider.SqlServer) => new SqlServerTurnLock(options.ConnectionString, logs.CreateLogger<SqlServerTurnLock>()),
        _ => throw new InvalidOperationException(
            $"A turn lock held by the database needs SQL Server or PostgreSQL, not {options.Provider}: several instances cannot share a SQLite file safely. Use the in-process lock."),
    };

    private static void AddProvider<T>(IServiceCollection services, Action<DbContextOptionsBuilder> configure, ChatKitWriteGate writes) where T : ChatKitDbContext
    {
        services.AddPooledDbContextFactory<T>(configure, poolSize: ContextPoolSize);
        services.AddSingleton(writes);
        services.AddSingleton<IDbContextFactory<ChatKitDbContext>>(sp => new BaseFactory<T>(sp.GetRequiredService<IDbContextFactory<T>>()));
    }

    private sealed class BaseFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<ChatKitDbContext> where T : ChatKitDbContext
    {
        public ChatKitDbContext CreateDbContext() => inner.CreateDbContext();
        public async Task<ChatKitDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }
}
