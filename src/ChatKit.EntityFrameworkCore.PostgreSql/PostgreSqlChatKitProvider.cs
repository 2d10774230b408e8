using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store on PostgreSQL: concurrent writers, EF's retry-on-failure strategy, the advisory turn lock of
/// <see cref="PostgreSqlTurnLock"/>, and migrations one instance at a time (<see cref="PostgreSqlMigrationLock"/>).
/// </summary>
internal sealed class PostgreSqlChatKitProvider(string connectionString, Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions)
    : ChatKitDatabaseProvider<PostgreSqlChatKitDbContext>
{
    public override string Name => "PostgreSQL";

    public override bool HasDatabaseTurnLock => true;

    public override IChatKitTurnLock CreateDatabaseTurnLock(ILoggerFactory logs) =>
        new PostgreSqlTurnLock(connectionString, logs.CreateLogger<PostgreSqlTurnLock>());

    // Transient faults (failover, dropped connections) are retried unless the caller's options say otherwise.
    protected override void Configure(DbContextOptionsBuilder options) =>
        options.UseNpgsql(connectionString, npgsql =>
        {
            npgsql.EnableRetryOnFailure(DefaultMaxRetryCount, DefaultMaxRetryDelay, errorCodesToAdd: null);
            npgsqlOptions?.Invoke(npgsql);
        });

    public override Task MigrateAsync(DbContext db, CancellationToken cancellationToken = default) =>
        PostgreSqlMigrationLock.MigrateAsync(db, connectionString, cancellationToken);
}
