using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Sets <c>PRAGMA synchronous=NORMAL</c> on each SQLite connection the store uses, and moves SQLite's automatic WAL checkpoint
/// to <see cref="SqliteWalCheckpointer.SafetyNetPages"/> pages (checkpoints run beside the writer, <see cref="SqliteWalCheckpointer"/>). With the WAL
/// journal this is SQLite's recommended setting: a commit no longer waits for an fsync (the WAL is
/// synced at checkpoints), the database cannot be corrupted by a crash, and a power loss can at
/// worst lose the last commits before it. See docs/decisions/0007-sqlite-write-path.md.
/// The setting lives on the native connection, which Microsoft.Data.Sqlite pools, so it is sent
/// once per native connection rather than on every open. The same connections keep their prepared statements' plans
/// (<see cref="SqliteStablePlans"/>): the writer prepares its upserts once per connection; and they wait inside SQLite
/// for another process's write lock (<see cref="SqliteBusyWait"/>).
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    private static readonly string Pragmas = $"PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint={SqliteWalCheckpointer.SafetyNetPages};";
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!NeedsSettings(connection)) return;
        Configure(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!NeedsSettings(connection)) return;
        Configure(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Configure(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite) return;
        SqliteStablePlans.Enable(sqlite);
        SqliteBusyWait.Enable(sqlite);
    }

    /// <summary>
    /// The same settings for the store's own read connections (<see cref="SqliteChatKitProvider"/>), applied each time
    /// <paramref name="connection"/> opens; they do not change the database, so <c>synchronous</c> is left to the writer.
    /// </summary>
    public static SqliteConnection ForReads(SqliteConnection connection)
    {
        connection.StateChange += (sender, change) =>
        {
            if (change.CurrentState == ConnectionState.Open) Configure((SqliteConnection)sender!);
        };
        return connection;
    }

    private static bool NeedsSettings(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || Configured.TryAdd(handle, handle);
}
