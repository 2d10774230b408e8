using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Sets <c>PRAGMA synchronous=NORMAL</c> on every SQLite connection the store opens. With the WAL
/// journal this is SQLite's recommended setting: a commit no longer waits for an fsync (the WAL is
/// synced at checkpoints), the database cannot be corrupted by a crash, and a power loss can at
/// worst lose the last commits before it. See docs/decisions/0007-sqlite-write-path.md.
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
