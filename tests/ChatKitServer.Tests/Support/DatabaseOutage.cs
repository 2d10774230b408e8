using ChatKit.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ChatKitServer.Tests.Support;

/// <summary>Takes a test server's database away (SQLite: the file becomes a folder; PostgreSQL: the database refuses connections).</summary>
public static class DatabaseOutage
{
    /// <summary>Makes the server's database unreachable; the result brings it back as it was.</summary>
    public static async Task<Func<Task>> StartAsync(ServerFactory factory)
    {
        if (factory.Database == TestDatabase.PostgreSql)
        {
            // The database refuses every connection, and the open ones are closed.
            var server = await PostgreSqlServer.SharedAsync();
            var name = PostgreSqlServer.DatabaseName(factory.ConnectionString);
            await server.ExecuteAsync($"ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false");
            await server.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
            return () => server.ExecuteAsync($"ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true");
        }

        var backup = Path.Combine(factory.Folder, "backup.db");
        using (var source = new SqliteConnection($"Data Source={factory.DatabasePath}"))
        using (var copy = new SqliteConnection($"Data Source={backup}"))
        {
            source.Open();
            copy.Open();
            source.BackupDatabase(copy);
        }
        // The database disappears: its file is replaced by a folder no connection can open.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(factory.Folder, "chatkit.db*")) File.Delete(file);
        Directory.CreateDirectory(factory.DatabasePath);
        // The store's reads trust that the file is there for this long after they last found it (one stat saved a read).
        await Task.Delay(ChatKit.EntityFrameworkCore.PreparedReads.StillThereInterval * 2);
        return () =>
        {
            Directory.Delete(factory.DatabasePath);
            File.Copy(backup, factory.DatabasePath);
            SqliteConnection.ClearAllPools();
            return Task.CompletedTask;
        };
    }
}
