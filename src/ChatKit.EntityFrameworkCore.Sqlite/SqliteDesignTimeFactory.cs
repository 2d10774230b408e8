using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatKit.EntityFrameworkCore;

/// <summary>Used by <c>dotnet ef</c> only (no host needed); see docs/decisions/0017-provider-packages.md.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteChatKitDbContext>
{
    public SqliteChatKitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChatKitDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
