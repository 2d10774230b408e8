using ChatKit.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// A thread's id is unique through one index: the alternate key that items and feedback reference. Until the
/// DropDuplicateThreadIdIndex migration (2026-12-04) there was also a unique index of its own on the same column, a second
/// copy written on every new thread; upgraded databases lose it and keep their threads and the uniqueness.
/// </summary>
public class ThreadIdIndexTests
{
    private const string BeforeTheDrop = "20261202134352_SearchText";

    [Test]
    public async Task An_upgraded_SQLite_database_keeps_its_threads_and_one_unique_index_on_the_thread_id()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new SqliteChatKitDbContext(new DbContextOptionsBuilder<SqliteChatKitDbContext>().UseSqlite(connection).Options);
        await db.GetService<IMigrator>().MigrateAsync(BeforeTheDrop);
        (await UniqueIndexesOnIdAsync(connection)).Should().HaveCount(2, "the schema before the migration had both");
        await ExecuteAsync(connection, "INSERT INTO chatkit_threads (Id, UserId, CreatedAt, UpdatedAt, StatusJson, MetadataJson) " +
                                       "VALUES ('thr_1', 'u', 1, 1, '{}', '{}')");

        await db.Database.MigrateAsync();

        (await UniqueIndexesOnIdAsync(connection)).Should().ContainSingle();
        (await ScalarAsync(connection, "SELECT count(*) FROM chatkit_threads WHERE Id = 'thr_1'")).Should().Be(1L);
        var duplicate = () => ExecuteAsync(connection, "INSERT INTO chatkit_threads (Id, UserId, CreatedAt, UpdatedAt, StatusJson, " +
                                                       "MetadataJson) VALUES ('thr_1', 'v', 2, 2, '{}', '{}')");
        (await duplicate.Should().ThrowAsync<SqliteException>()).Which.SqliteErrorCode.Should().Be(19); // SQLITE_CONSTRAINT
    }

    [Test]
    public async Task A_new_PostgreSQL_database_has_one_unique_index_on_the_thread_id()
    {
        var server = await PostgreSqlServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        try
        {
            await using (var db = new PostgreSqlChatKitDbContext(new DbContextOptionsBuilder<PostgreSqlChatKitDbContext>().UseNpgsql(connectionString).Options))
                await db.Database.MigrateAsync();

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_attribute a ON a.attrelid = t.oid " +
                "AND a.attnum = i.indkey[0] WHERE t.relname = 'chatkit_threads' AND i.indisunique AND i.indnatts = 1 AND a.attname = 'Id'",
                connection);
            (await command.ExecuteScalarAsync()).Should().Be(1L);
        }
        finally
        {
            await server.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<List<string>> UniqueIndexesOnIdAsync(SqliteConnection connection)
    {
        var unique = new List<string>();
        await using var list = connection.CreateCommand();
        list.CommandText = "SELECT name FROM pragma_index_list('chatkit_threads') WHERE \"unique\" = 1";
        await using var reader = await list.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            await using var columns = connection.CreateCommand();
            columns.CommandText = "SELECT group_concat(name) FROM pragma_index_info($name)";
            columns.Parameters.AddWithValue("$name", name);
            if (await columns.ExecuteScalarAsync() is "Id")
                unique.Add(name);
        }
        return unique;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
