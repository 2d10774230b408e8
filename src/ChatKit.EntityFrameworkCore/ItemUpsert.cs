using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Saves an item in one statement on databases with <c>INSERT … ON CONFLICT</c> (SQLite, PostgreSQL): the row is
/// inserted only when the thread is the caller's, and an item saved again in the same thread keeps its place
/// (only its JSON changes). It replaces a read (whose thread, is the item there) and an EF insert, which made
/// every item of every turn two round trips and a change-tracking pass (bench/README.md, "Issue 20").
/// The statement is written from the model (table and column names, the provider's quoting and the value
/// converter of the creation time), so it follows the same schema as EF's own commands.
/// </summary>
internal sealed class ItemUpsert
{
    private readonly string _sql;
    private readonly Func<DateTimeOffset, object> _createdAt;

    private ItemUpsert(string sql, Func<DateTimeOffset, object> createdAt)
    {
        _sql = sql;
        _createdAt = createdAt;
    }

    /// <summary>The statement for <paramref name="db"/>'s database, or null when it has no <c>ON CONFLICT</c> (SQL Server).</summary>
    public static ItemUpsert? For(ChatKitDbContext db)
    {
        var provider = db.Database.ProviderName ?? "";
        if (!provider.EndsWith(".Sqlite", StringComparison.Ordinal) && !provider.StartsWith("Npgsql", StringComparison.Ordinal))
            return null;
        var sql = db.GetService<ISqlGenerationHelper>();
        var items = db.Model.FindEntityType(typeof(ItemRecord))!;
        var threads = db.Model.FindEntityType(typeof(ThreadRecord))!;
        string Table(IEntityType type) => sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema());
        string Column(IEntityType type, string property)
        {
            var p = type.FindProperty(property)!;
            return sql.DelimitIdentifier(p.GetColumnName(StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema()))!);
        }
        string I(string property) => Column(items, property);
        string T(string property) => Column(threads, property);

        // {0} id, {1} thread, {2} user, {3} type, {4} created_at, {5} json. SQLite needs the WHERE for ON CONFLICT to parse after a SELECT.
        var text =
            $"INSERT INTO {Table(items)} ({I("Id")}, {I("ThreadId")}, {I("UserId")}, {I("Type")}, {I("CreatedAt")}, {I("Json")}) " +
            $"SELECT {{0}}, {{1}}, {{2}}, {{3}}, {{4}}, {{5}} " +
            $"WHERE EXISTS (SELECT 1 FROM {Table(threads)} WHERE {T("Id")} = {{1}} AND {T("UserId")} = {{2}}) " +
            $"ON CONFLICT ({I("ThreadId")}, {I("Id")}) DO UPDATE SET {I("Json")} = excluded.{I("Json")}";
        var converter = items.FindProperty(nameof(ItemRecord.CreatedAt))!.GetTypeMapping().Converter;
        Func<DateTimeOffset, object> createdAt = converter is null ? at => at : at => converter.ConvertToProvider(at)!;
        return new ItemUpsert(text, createdAt);
    }

    /// <summary>Inserts or updates the item; false when the thread is not the caller's (nothing was written).</summary>
    public async Task<bool> SaveAsync(ChatKitDbContext db, string threadId, ThreadItem item, string userId, string json, CancellationToken cancellationToken)
    {
        var rows = await db.Database.ExecuteSqlRawAsync(_sql, [item.Id, threadId, userId, item.Kind, _createdAt(item.CreatedAt), json], cancellationToken)
            .ConfigureAwait(false);
        return rows > 0;
    }
}
