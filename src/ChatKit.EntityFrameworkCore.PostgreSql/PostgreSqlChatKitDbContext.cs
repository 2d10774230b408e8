using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The PostgreSQL schema and its migrations (Migrations). Times are <c>timestamp with time
/// zone</c>, which keeps whole microseconds: ChatKit times are UTC microseconds (<see cref="ChatKitClock"/>),
/// so they read back exactly as sent; any other value is stored as its UTC instant truncated to the
/// microsecond (<see cref="UtcMicrosecondsConverter"/>; Npgsql refuses offsets other than zero).
/// Ids and user ids need no collation setting: PostgreSQL's collations are deterministic unless
/// created otherwise, and a deterministic collation calls two strings equal only when their bytes
/// are equal, so <c>Alice</c> and <c>alice</c> are two users whatever the database's locale.
/// </summary>
public sealed class PostgreSqlChatKitDbContext(DbContextOptions<PostgreSqlChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcMicrosecondsConverter>();
}
