using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatKit.EntityFrameworkCore;

// Used by `dotnet ef` only (no host needed); see docs/decisions/0002-ef-core-store-layout.md.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteChatKitDbContext>
{
    public SqliteChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChatKitDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerChatKitDbContext>
{
    public SqlServerChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerChatKitDbContext>().UseSqlServer("Server=design-time;Database=ChatKit;Trusted_Connection=True;TrustServerCertificate=True").Options);
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlChatKitDbContext>
{
    public PostgreSqlChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlChatKitDbContext>().UseNpgsql("Host=design-time;Database=chatkit").Options);
}
