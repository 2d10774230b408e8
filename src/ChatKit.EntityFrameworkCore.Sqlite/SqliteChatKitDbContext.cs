using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The SQLite schema and its migrations (Migrations). SQLite has no date type EF can compare
/// or sort, so times are stored as sortable integers: UTC ticks, exact to 100 ns
/// (<see cref="UtcTicksConverter"/>). Text compares byte by byte (SQLite's BINARY collation), so user
/// ids are exact without further settings.
/// </summary>
public sealed class SqliteChatKitDbContext(DbContextOptions<SqliteChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
}
