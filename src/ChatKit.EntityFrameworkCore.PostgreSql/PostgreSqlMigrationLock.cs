using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Applies a context's migrations so that instances starting together on one PostgreSQL database apply each migration
/// once (docs/decisions/0016-migrations-across-instances.md). EF's own migration lock is taken per migration and does not
/// stop two instances from both deciding that the same migration is pending (seen: the second one failed on an index the
/// first had already dropped), so the whole migration runs under a session-level advisory lock held by a connection of its
/// own; the next instance waits, then finds nothing left to apply. PostgreSQL ends the lock with the session, so an
/// instance that dies while migrating does not block the others.
/// </summary>
public static class PostgreSqlMigrationLock
{
    /// <summary>The advisory lock key of migrations, the same in every process (advisory locks are per database).</summary>
    public const long LockKey = 0x43684B69_744D6967; // "ChKitMig"

    /// <summary>Creates the database when it is missing and applies <paramref name="db"/>'s pending migrations, under the lock described above.</summary>
    public static async Task MigrateAsync(DbContext db, string connectionString, CancellationToken cancellationToken = default)
    {
        await CreateDatabaseIfMissingAsync(db, cancellationToken).ConfigureAwait(false);
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Enlist = false, ApplicationName = "chatkit-migrations" };
        settings.Options = (settings.Options + " -c statement_timeout=0 -c lock_timeout=0").Trim(); // wait as long as the other instance migrates
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wait = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { CommandTimeout = 0 })
        {
            wait.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await wait.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // Closing the unpooled connection ends the session, which releases the lock (also when migrating failed).
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Two instances may both find the database missing: the one that loses the race to create it goes on.</summary>
    private static async Task CreateDatabaseIfMissingAsync(DbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        try
        {
            await creator.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created by another instance meanwhile.
        }
    }
}
