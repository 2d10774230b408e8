using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Registers the EF Core store and migrates its database.</summary>
public static class ChatKitDatabaseSetup
{
    /// <summary>
    /// Contexts kept for reuse (EF's default is 1,024). A burst of thousands of streams would otherwise
    /// leave a thousand idle contexts in memory for the life of the process.
    /// </summary>
    public const int ContextPoolSize = 128;

    /// <summary>
    /// Registers <see cref="IChatKitStore"/> as <see cref="EfChatKitStore"/> (also registered as itself) over a pooled context factory on the database
    /// <paramref name="configure"/> chooses (<see cref="ChatKitStoreBuilder"/>: <c>store => store.UseSqlite(...)</c>, with a
    /// provider package), plus the <see cref="IDbContextFactory{ChatKitDbContext}"/> other features may query with, the
    /// <see cref="ChatKitWriteGate"/> their writes go through, the <see cref="IChatKitTurnLock"/> the engine takes, and the
    /// <see cref="ChatKitDatabaseProvider"/> itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">No database was chosen.</exception>
    /// <exception cref="ValidationException">A turn lock held by the database was asked of a database that has none.</exception>
    public static IServiceCollection AddChatKitEntityFrameworkStore(this IServiceCollection services, Action<ChatKitStoreBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var store = new ChatKitStoreBuilder();
        configure(store);
        var database = store.Database ?? throw new InvalidOperationException(
            "Choose the store's database: store.UseSqlite(...), store.UseSqlServer(...) or store.UsePostgreSql(...), from the packages ChatKit.EntityFrameworkCore.Sqlite, .SqlServer and .PostgreSql.");
        if (store.TurnLock == ChatKitTurnLockMode.Database && !database.HasDatabaseTurnLock)
            throw new ValidationException($"A turn lock held by the database (TurnLock=Database) needs SqlServer, PostgreSql or a SQLite file on Linux or Windows: this {database.Name} database has no lock that a crashed instance gives back. Use Auto or InProcess.");
        services.AddSingleton(database);
        database.AddContextFactory(services, ContextPoolSize);
        services.AddSingleton(sp =>
        {
            // Created by the container so that it is disposed with the host (closing the connection its writer keeps).
            var gate = database.CreateWriteGate(sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
            if (database.ReadConnections is not null && gate != ChatKitWriteGate.None)
                gate.KeepConnectionOpen(() => database.ReadConnectionsStillValid);
            return gate;
        });
        var turnLock = store.TurnLock;
        services.AddSingleton<IChatKitTurnLock>(sp => turnLock == ChatKitTurnLockMode.InProcess || !database.HasDatabaseTurnLock
            ? new InProcessTurnLock()
            : database.CreateDatabaseTurnLock(sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.AddSingleton(sp => new StoreReads(database.ReadConnections is { } connect
            ? PreparedReads.For(sp.GetRequiredService<IDbContextFactory<ChatKitDbContext>>(), connect, database.PrepareRead, () => database.ReadConnectionsStillValid,
                (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<PreparedReads>())
            : null));
        services.AddSingleton(sp => new EfChatKitStore(
            sp.GetRequiredService<IDbContextFactory<ChatKitDbContext>>(), sp.GetService<TimeProvider>(), sp.GetRequiredService<ChatKitWriteGate>())
        {
            Prepared = sp.GetRequiredService<StoreReads>().Prepared,
        });
        services.AddSingleton<IChatKitStore>(sp => sp.GetRequiredService<EfChatKitStore>());
        return services;
    }

    /// <summary>
    /// Stamps again the rows whose stored JSON this build does not vouch for yet (<see cref="EfChatKitStore.RestampStoredJsonAsync"/>):
    /// run it after an upgrade, when lists would otherwise read and write every older row again until it is saved. A pass by the
    /// same build goes on from where the last one stopped; <paramref name="fromTheStart"/> reads every row again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store was not added (<see cref="AddChatKitEntityFrameworkStore"/>).</exception>
    public static Task<StoredJsonRestamp> RestampChatKitStoredJsonAsync(this IServiceProvider services, int batchSize = 256, TimeSpan pause = default,
        bool fromTheStart = false, CancellationToken cancellationToken = default) =>
        (services.GetService<EfChatKitStore>() ?? throw NotAdded(nameof(RestampChatKitStoredJsonAsync)))
            .RestampStoredJsonAsync(batchSize, pause, fromTheStart, cancellationToken);

    /// <summary>
    /// Writes the search text of rows that have none yet (<see cref="EfChatKitStore.FillSearchTextAsync"/>): run it after upgrading
    /// a database from before the <c>SearchText</c> columns (until then a text search matches those rows as before). A later pass
    /// reads only the rows added since.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store was not added (<see cref="AddChatKitEntityFrameworkStore"/>).</exception>
    public static Task<SearchTextFill> FillChatKitSearchTextAsync(this IServiceProvider services, int batchSize = 256, TimeSpan pause = default,
        CancellationToken cancellationToken = default) =>
        (services.GetService<EfChatKitStore>() ?? throw NotAdded(nameof(FillChatKitSearchTextAsync)))
            .FillSearchTextAsync(batchSize, pause, cancellationToken);

    /// <summary>
    /// Applies the store's pending migrations (creating the database, for SQLite the file and its folder, when missing),
    /// the way its <see cref="ChatKitDatabaseProvider"/> does: SQLite is switched to WAL so readers never wait for the
    /// writer; instances that start together on one PostgreSQL database apply each migration once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store was not added (<see cref="AddChatKitEntityFrameworkStore"/>).</exception>
    public static async Task MigrateChatKitDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var database = services.GetService<ChatKitDatabaseProvider>() ?? throw NotAdded(nameof(MigrateChatKitDatabaseAsync));
        await using var db = await services.GetRequiredService<IDbContextFactory<ChatKitDbContext>>().CreateDbContextAsync(cancellationToken);
        await database.MigrateStoreAsync(db, cancellationToken);
    }

    private static InvalidOperationException NotAdded(string method) => new(
        $"The EF Core store was not added: call services.AddChatKitEntityFrameworkStore(store => store.UseSqlite(...)) (or UseSqlServer, UsePostgreSql) before {method}.");
}
