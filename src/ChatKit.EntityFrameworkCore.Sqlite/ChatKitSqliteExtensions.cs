using Microsoft.EntityFrameworkCore.Infrastructure;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Runs the ChatKit EF Core store on SQLite.</summary>
public static class ChatKitSqliteExtensions
{
    /// <summary>
    /// Runs the store on the SQLite database of <paramref name="connectionString"/> (e.g. <c>Data Source=chatkit.db</c>;
    /// the file and its folder are created when the database is migrated):
    /// <code>services.AddChatKitEntityFrameworkStore(store => store.UseSqlite("Data Source=chatkit.db"));</code>
    /// Writes go one at a time (SQLite has a single writer), in WAL mode with <c>synchronous=NORMAL</c>; turns are kept apart
    /// by a lock file next to the database (<see cref="SqliteFileTurnLock"/>), so several processes on one machine may share
    /// the file. <paramref name="sqliteOptions"/> sets EF's SQLite options
    /// (command timeout, ...).
    /// </summary>
    public static ChatKitStoreBuilder UseSqlite(this ChatKitStoreBuilder store, string connectionString, Action<SqliteDbContextOptionsBuilder>? sqliteOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return store.UseDatabase(new SqliteChatKitProvider(connectionString, sqliteOptions));
    }
}
