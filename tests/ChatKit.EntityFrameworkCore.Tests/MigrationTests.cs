using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>The committed migrations of each provider match the model and produce the schema.</summary>
public class MigrationTests
{
    private static SqlServerChatKitDbContext SqlServer() =>
        new(new DbContextOptionsBuilder<SqlServerChatKitDbContext>().UseSqlServer("Server=nowhere;Database=ChatKit;TrustServerCertificate=True").Options);

    [Test]
    public void The_SQL_Server_migrations_generate_a_script_that_creates_every_table()
    {
        using var db = SqlServer();

        var script = db.GetService<IMigrator>().GenerateScript();

        script.Should().Contain("CREATE TABLE [chatkit_threads]").And.Contain("CREATE TABLE [chatkit_items]")
            .And.Contain("CREATE TABLE [chatkit_attachments]").And.Contain("CREATE TABLE [chatkit_feedback]")
            .And.Contain("CREATE TABLE [chatkit_memories]").And.Contain("IDENTITY");
        script.Should().Contain("__EFMigrationsHistory");
    }

    [Test]
    public void Each_providers_migrations_match_the_model()
    {
        using var sqlServer = SqlServer();
        sqlServer.Database.HasPendingModelChanges().Should().BeFalse("run `dotnet ef migrations add` for SqlServerChatKitDbContext");

        using var connection = new SqliteConnection("Data Source=:memory:");
        using var sqlite = new SqliteChatKitDbContext(new DbContextOptionsBuilder<SqliteChatKitDbContext>().UseSqlite(connection).Options);
        sqlite.Database.HasPendingModelChanges().Should().BeFalse("run `dotnet ef migrations add` for SqliteChatKitDbContext");
    }

    [Test]
    public async Task The_SQLite_migrations_create_the_schema()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new SqliteChatKitDbContext(new DbContextOptionsBuilder<SqliteChatKitDbContext>().UseSqlite(connection).Options);

        await db.Database.MigrateAsync();

        var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'table'").ToListAsync();
        tables.Should().Contain(["chatkit_threads", "chatkit_items", "chatkit_attachments", "chatkit_feedback", "chatkit_memories"]);
        (await db.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
    }
}
