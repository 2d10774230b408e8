using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Runs the ChatKit EF Core store on PostgreSQL (Npgsql).</summary>
public static class ChatKitPostgreSqlExtensions
{
    /// <summary>
    /// Runs the store on the PostgreSQL database of <paramref name="connectionString"/> (created when it is missing, at migration):
    /// <code>services.AddChatKitEntityFrameworkStore(store => store.UsePostgreSql("Host=db;Database=chatkit;Username=chatkit;Password=..."));</code>
    /// Operations that fail with a transient error are retried (EF's retry-on-failure strategy,
    /// <see cref="ChatKitDatabaseProvider.DefaultMaxRetryCount"/> times, backing off up to
    /// <see cref="ChatKitDatabaseProvider.DefaultMaxRetryDelay"/>); <paramref name="npgsqlOptions"/> runs after that and may
    /// change it (<c>npgsql => npgsql.EnableRetryOnFailure(2)</c>; bounded in time as well:
    /// <see cref="ChatKitNpgsqlRetryExtensions.EnableRetryOnFailureWithin"/>) or set Npgsql's other EF options. The turn lock is the
    /// database's advisory lock (<see cref="PostgreSqlTurnLock"/>) unless <see cref="ChatKitStoreBuilder.UseTurnLock"/> says
    /// otherwise; instances that start together migrate one at a time (<see cref="PostgreSqlMigrationLock"/>).
    /// </summary>
    public static ChatKitStoreBuilder UsePostgreSql(this ChatKitStoreBuilder store, string connectionString, Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return store.UseDatabase(new PostgreSqlChatKitProvider(connectionString, npgsqlOptions));
    }
}
