using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Turns on SQLite's query planner stability guarantee (<c>SQLITE_DBCONFIG_ENABLE_QPSG</c>) on a connection, so a
/// statement prepared once keeps its plan whatever values are bound to it. Without it SQLite (3.4x) looks at the value
/// bound to a <c>LIMIT @take</c> when it plans and marks the statement to be compiled again whenever that parameter is
/// bound again: every page read through a prepared statement was parsed and planned anew (<c>sqlite3Reprepare</c> on
/// 16,000 of the 25,000 list requests of a 5-second profile, bench/README.md). The store's statements do not need a plan
/// per value: their limits are small and their other parameters are compared for equality on indexed columns.
/// </summary>
internal static class SqliteStablePlans
{
    /// <summary>Enables the guarantee on <paramref name="connection"/>, which must be open.</summary>
    public static void Enable(SqliteConnection connection)
    {
        var rc = raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_ENABLE_QPSG, 1, out _);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }
}
