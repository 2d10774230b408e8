using Microsoft.EntityFrameworkCore.Infrastructure;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Runs the ChatKit EF Core store on SQL Server or Azure SQL.</summary>
public static class ChatKitSqlServerExtensions
{
    /// <summary>
    /// Runs the store on the SQL Server (or Azure SQL) database of <paramref name="connectionString"/>:
    /// <code>services.AddChatKitEntityFrameworkStore(store => store.UseSqlServer(connectionString));</code>
    /// Operations that fail with a transient error are retried (EF's retry-on-failure strategy,
    /// <see cref="ChatKitDatabaseProvider.DefaultMaxRetryCount"/> times, backing off up to
    /// <see cref="ChatKitDatabaseProvider.DefaultMaxRetryDelay"/>); <paramref name="sqlServerOptions"/> runs after that
    /// and may change it (<c>sql => sql.EnableRetryOnFailure(2)</c>; bounded in time as well:
    /// <see cref="ChatKitSqlServerRetryExtensions.EnableRetryOnFailureWithin"/>) or set EF's other SQL Server options. The turn lock is
    /// the database's (<see cref="SqlServerTurnLock"/>) unless <see cref="ChatKitStoreBuilder.UseTurnLock"/> says otherwise.
    /// </summary>
    public static ChatKitStoreBuilder UseSqlServer(this ChatKitStoreBuilder store, string connectionString, Action<SqlServerDbContextOptionsBuilder>? sqlServerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return store.UseDatabase(new SqlServerChatKitProvider(connectionString, sqlServerOptions));
    }
}
