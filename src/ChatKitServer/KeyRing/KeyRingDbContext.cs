using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatKitServer.KeyRing;

/// <summary>
/// The ASP.NET Core Data Protection key ring in the ChatKit database (table <c>chatkit_data_protection_keys</c>),
/// so that every instance signs and verifies attachment links with the same keys, and links survive
/// restarts and redeployments. A context of the server's own: the ChatKit.EntityFrameworkCore packages
/// stay free of ASP.NET Core. One subclass per provider owns its migrations (KeyRing/Migrations/…),
/// with a migrations history table of its own.
/// </summary>
public abstract class KeyRingDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The migrations history table of the key ring (the store keeps EF's default one).</summary>
    public const string HistoryTable = "chatkit_key_ring_migrations";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder model) =>
        model.Entity<DataProtectionKey>().ToTable("chatkit_data_protection_keys");
}

public sealed class SqliteKeyRingDbContext(DbContextOptions<SqliteKeyRingDbContext> options) : KeyRingDbContext(options);

public sealed class SqlServerKeyRingDbContext(DbContextOptions<SqlServerKeyRingDbContext> options) : KeyRingDbContext(options);

public sealed class PostgreSqlKeyRingDbContext(DbContextOptions<PostgreSqlKeyRingDbContext> options) : KeyRingDbContext(options);

// Used by `dotnet ef` only (see docs/decisions/0002-ef-core-store-layout.md for the commands).

internal sealed class SqliteKeyRingDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKeyRingDbContext>
{
    public SqliteKeyRingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteKeyRingDbContext>().UseSqlite("Data Source=design-time.db", o => o.MigrationsHistoryTable(KeyRingDbContext.HistoryTable)).Options);
}

internal sealed class SqlServerKeyRingDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerKeyRingDbContext>
{
    public SqlServerKeyRingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerKeyRingDbContext>().UseSqlServer("Server=design-time;Database=ChatKit;Trusted_Connection=True;TrustServerCertificate=True", o => o.MigrationsHistoryTable(KeyRingDbContext.HistoryTable)).Options);
}

internal sealed class PostgreSqlKeyRingDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlKeyRingDbContext>
{
    public PostgreSqlKeyRingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlKeyRingDbContext>().UseNpgsql("Host=design-time;Database=chatkit", o => o.MigrationsHistoryTable(KeyRingDbContext.HistoryTable)).Options);
}
