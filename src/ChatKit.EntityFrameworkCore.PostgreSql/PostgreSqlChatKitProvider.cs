using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;
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
        options.UseNpgsql(WithPreparedStatements(connectionString), npgsql =>
        {
            npgsql.EnableRetryOnFailure(DefaultMaxRetryCount, DefaultMaxRetryDelay, errorCodesToAdd: null);
            npgsqlOptions?.Invoke(npgsql);
        });

    /// <summary>The store's statements, run again and again, as server-side prepared statements (Npgsql's automatic preparation).</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>
    /// <paramref name="connection"/> with <c>Max Auto Prepare</c> at <see cref="DefaultMaxAutoPrepare"/> unless it sets it (<c>0</c>
    /// turns it off, for a pooler that cannot keep prepared statements, such as PgBouncer before 1.21 in transaction mode).
    /// Prepared, a statement is parsed once per connection and, after five runs, may keep a generic plan; unprepared,
    /// PostgreSQL plans each run with the table's statistics, which are stale on a table that has just grown: on a fresh
    /// database with 10,000 threads and no analyze yet, a page of threads took 6.7 ms (a bitmap scan and a sort of every
    /// thread of the user) instead of 0.08 ms (the index read backwards), bench/README.md.
    /// </summary>
    internal static string WithPreparedStatements(string connection)
    {
        var settings = new NpgsqlConnectionStringBuilder(connection);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare")) return connection;
        settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        return settings.ConnectionString;
    }

    public override Task MigrateAsync(DbContext db, CancellationToken cancellationToken = default) =>
        PostgreSqlMigrationLock.MigrateAsync(db, connectionString, cancellationToken);
}
