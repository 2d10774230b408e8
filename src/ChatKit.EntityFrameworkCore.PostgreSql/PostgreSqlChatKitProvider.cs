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
        options.UseNpgsql(WithStoreDefaults(connectionString), npgsql =>
        {
            npgsql.EnableRetryOnFailure(DefaultMaxRetryCount, DefaultMaxRetryDelay, errorCodesToAdd: null);
            npgsqlOptions?.Invoke(npgsql);
        });

    /// <summary>The store's statements, run again and again, as server-side prepared statements (Npgsql's automatic preparation).</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>
    /// <paramref name="connection"/> with the store's defaults for what it does not set itself:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare</c> at <see cref="DefaultMaxAutoPrepare"/> (<c>0</c> turns it off, for a pooler that cannot keep
    /// prepared statements, such as PgBouncer before 1.21 in transaction mode). Prepared, a statement is parsed once per
    /// connection and, after five runs, may keep a generic plan; unprepared, PostgreSQL plans each run with the table's
    /// statistics, which are stale on a table that has just grown: on a fresh database with 10,000 threads and no analyze yet,
    /// a page of threads took 6.7 ms (a bitmap scan and a sort of every thread of the user) instead of 0.08 ms (the index read
    /// backwards), bench/README.md.</item>
    /// <item><c>No Reset On Close=true</c>: a pooled connection goes back to the pool without Npgsql's session reset (with
    /// prepared statements kept, seven statements: <c>CLOSE ALL</c>, <c>RESET ALL</c>, <c>UNLISTEN *</c>,
    /// <c>pg_advisory_unlock_all()</c>, ...), which the next use of the connection ran first. Every read of the store takes a
    /// connection from the pool and gives it back, and the store leaves no session state behind (no <c>SET</c>, temporary
    /// table, cursor or <c>LISTEN</c>; its advisory locks are on connections of their own), so the reset was pure cost: a
    /// third of PostgreSQL's CPU per threads.list (bench/README.md).</item>
    /// </list>
    /// </summary>
    internal static string WithStoreDefaults(string connection)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection };
        var settings = new NpgsqlConnectionStringBuilder(connection);
        var changed = false;
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
            changed = true;
        }
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
            changed = true;
        }
        return changed ? settings.ConnectionString : connection;
    }

    public override Task MigrateAsync(DbContext db, CancellationToken cancellationToken = default) =>
        PostgreSqlMigrationLock.MigrateAsync(db, connectionString, cancellationToken);
}
