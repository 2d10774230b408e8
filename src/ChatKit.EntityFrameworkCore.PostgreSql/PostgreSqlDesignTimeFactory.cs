using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Used by <c>dotnet ef</c> only (no host, no server needed); see docs/decisions/0017-provider-packages.md.</summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlChatKitDbContext>
{
    public PostgreSqlChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlChatKitDbContext>().UseNpgsql("Host=design-time;Database=chatkit").Options);
}
