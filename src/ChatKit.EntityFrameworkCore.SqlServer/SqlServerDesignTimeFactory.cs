using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Used by <c>dotnet ef</c> only (no host, no server needed); see docs/decisions/0017-provider-packages.md.</summary>
internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerChatKitDbContext>
{
    public SqlServerChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerChatKitDbContext>().UseSqlServer("Server=design-time;Database=ChatKit;Trusted_Connection=True;TrustServerCertificate=True").Options);
}
