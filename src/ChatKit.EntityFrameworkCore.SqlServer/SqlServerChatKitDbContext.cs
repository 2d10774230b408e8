using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The SQL Server schema and its migrations (Migrations). Times are <c>datetimeoffset(7)</c>
/// (exact to 100 ns). Ids and user ids use a binary collation: a database's default collation is
/// usually case-insensitive, which would let <c>Alice</c> and <c>alice</c> share threads. Search text (already lower case) uses it
/// too, so that <c>LIKE</c> finds on SQL Server what it finds on SQLite and PostgreSQL.
/// </summary>
public sealed class SqlServerChatKitDbContext(DbContextOptions<SqlServerChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <summary>The collation of every id and user id column: compares code points, case- and accent-sensitive.</summary>
    public const string ExactCollation = "Latin1_General_100_BIN2";

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        foreach (var property in model.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if (property.ClrType == typeof(string) && (property.Name == "UserId" || property.Name.EndsWith("Id", StringComparison.Ordinal)))
                property.SetCollation(ExactCollation);
            // Search text is folded to lower case before it is stored and queried (ChatKitSearchText): LIKE must compare code
            // points, as on SQLite and PostgreSQL, not the database's (accent-insensitive, perhaps) default collation.
            if (property.Name == nameof(Records.ItemRecord.SearchText))
                property.SetCollation(ExactCollation);
        }
    }
}
