using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store on SQL Server: concurrent writers, EF's retry-on-failure strategy (every explicit transaction of the store
/// runs inside it, as EF requires when retries are on), the turn lock of <see cref="SqlServerTurnLock"/>. Migrations keep
/// EF's own lock (<c>sp_getapplock</c> for the whole migration).
/// </summary>
internal sealed class SqlServerChatKitProvider(string connectionString, Action<SqlServerDbContextOptionsBuilder>? sqlServerOptions)
    : ChatKitDatabaseProvider<SqlServerChatKitDbContext>
{
    public override string Name => "SQL Server";

    public override bool HasDatabaseTurnLock => true;

    public override IChatKitTurnLock CreateDatabaseTurnLock(ILoggerFactory logs) =>
        new SqlServerTurnLock(connectionString, logs.CreateLogger<SqlServerTurnLock>());

    // Transient faults (failover, throttling, dropped connections) are retried unless the caller's options say otherwise.
    protected override void Configure(DbContextOptionsBuilder options) =>
        options.UseSqlServer(connectionString, sql =>
        {
            sql.EnableRetryOnFailure(DefaultMaxRetryCount, DefaultMaxRetryDelay, errorNumbersToAdd: null);
            sqlServerOptions?.Invoke(sql);
        });
}
