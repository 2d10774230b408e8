using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Lets SQLite itself wait when another process holds the database's write lock (<c>sqlite3_busy_timeout</c>): it tries
/// again after 1, 2, 5, 10 … ms, then every 100 ms. Without it SQLite answers <c>SQLITE_BUSY</c> at once and
/// Microsoft.Data.Sqlite sleeps 150 ms before each new try, so each write that met another process's write (several
/// instances on one file, docs/decisions/0008-turn-lock.md) waited at least 150 ms, for a lock most writes hold a few
/// milliseconds. Within one process the write gate keeps writers apart, so only other processes make SQLite wait.
/// </summary>
internal static class SqliteBusyWait
{
    /// <summary>The longest one statement waits inside SQLite; past it, Microsoft.Data.Sqlite's own tries continue until the command's timeout.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>Sets the wait on <paramref name="connection"/>, which must be open: <see cref="MaxWait"/>, or the connection's
    /// <c>Default Timeout</c> when that is shorter (0 is no timeout, as in Microsoft.Data.Sqlite).</summary>
    public static void Enable(SqliteConnection connection)
    {
        var milliseconds = connection.DefaultTimeout is > 0 and var seconds && seconds * 1000L < MaxWait.TotalMilliseconds
            ? seconds * 1000
            : (int)MaxWait.TotalMilliseconds;
        var rc = raw.sqlite3_busy_timeout(connection.Handle, milliseconds);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }
}
