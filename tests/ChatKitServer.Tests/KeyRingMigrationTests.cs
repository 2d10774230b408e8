using ChatKitServer.KeyRing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ChatKitServer.Tests;

/// <summary>The key ring's committed migrations match its model on every provider and script its table.</summary>
public class KeyRingMigrationTests
{
    [Test]
    public void Each_providers_key_ring_migrations_match_the_model_and_script_the_table()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var sqlite = new SqliteKeyRingDbContext(new DbContextOptionsBuilder<SqliteKeyRingDbContext>().UseSqlite(connection).Options);
        using var sqlServer = new SqlServerKeyRingDbContext(new DbContextOptionsBuilder<SqlServerKeyRingDbContext>().UseSqlServer("Server=nowhere;Database=ChatKit;TrustServerCertificate=True").Options);
        using var postgreSql = new PostgreSqlKeyRingDbContext(new DbContextOptionsBuilder<PostgreSqlKeyRingDbContext>().UseNpgsql("Host=nowhere;Database=chatkit").Options);

        foreach (DbContext db in new DbContext[] { sqlite, sqlServer, postgreSql })
        {
            db.Database.HasPendingModelChanges().Should().BeFalse($"run `dotnet ef migrations add` for {db.GetType().Name}");
            db.GetService<IMigrator>().GenerateScript().Should().Contain("chatkit_data_protection_keys");
        }
    }
}
