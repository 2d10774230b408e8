using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store's saves of threads and items as one statement each, on databases with <c>INSERT … ON CONFLICT</c>
/// (SQLite, PostgreSQL). A save was a read (whose thread is it, is the item there) and then an EF insert or
/// update: two round trips and a change-tracking pass for every item of every turn (bench/README.md, "Issue 20").
/// The ownership rule stays in the statement: an item goes only into the caller's thread, and a thread id that is
/// another user's is left alone, so nothing is written and the caller answers "not found".
/// The statements are written from the model (table and column names, the provider's quoting, the value converter
/// of times), so they follow the same schema as EF's own commands.
/// </summary>
internal sealed class StoreUpserts
{
    private readonly string _item;
    private readonly string _thread;
    private readonly Func<DateTimeOffset, object> _time;

    private StoreUpserts(string item, string thread, Func<DateTimeOffset, object> time)
    {
        _item = item;
        _thread = thread;
        _time = time;
    }

    /// <summary>The statements for <paramref name="db"/>'s database, or null when it has no <c>ON CONFLICT</c> (SQL Server).</summary>
    public static StoreUpserts? For(ChatKitDbContext db)
    {
        var provider = db.Database.ProviderName ?? "";
        if (!provider.EndsWith(".Sqlite", StringComparison.Ordinal) && !provider.StartsWith("Npgsql", StringComparison.Ordinal))
            return null;
        var sql = db.GetService<ISqlGenerationHelper>();
        var items = db.Model.FindEntityType(typeof(ItemRecord))!;
        var threads = db.Model.FindEntityType(typeof(ThreadRecord))!;
        string Table(IEntityType type) => sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema());
        string Column(IEntityType type, string property) =>
            sql.DelimitIdentifier(type.FindProperty(property)!.GetColumnName(StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema()))!);
        string I(string property) => Column(items, property);
        string T(string property) => Column(threads, property);

        // {0} id, {1} thread, {2} user, {3} type, {4} created_at, {5} json. SQLite needs the WHERE for ON CONFLICT to parse after a SELECT.
        var item =
            $"INSERT INTO {Table(items)} ({I("Id")}, {I("ThreadId")}, {I("UserId")}, {I("Type")}, {I("CreatedAt")}, {I("Json")}) " +
            "SELECT {0}, {1}, {2}, {3}, {4}, {5} " +
            $"WHERE EXISTS (SELECT 1 FROM {Table(threads)} WHERE {T("Id")} = {{1}} AND {T("UserId")} = {{2}}) " +
            $"ON CONFLICT ({I("ThreadId")}, {I("Id")}) DO UPDATE SET {I("Json")} = excluded.{I("Json")}";
        // {0} id, {1} user, {2} created_at, {3} title, {4} status, {5} metadata, {6} image domains, {7} updated_at.
        // A thread that is there is updated only when it is the caller's (the creation time and owner never change).
        var thread =
            $"INSERT INTO {Table(threads)} ({T("Id")}, {T("UserId")}, {T("CreatedAt")}, {T("Title")}, {T("StatusJson")}, {T("MetadataJson")}, {T("AllowedImageDomainsJson")}, {T("UpdatedAt")}) " +
            "VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}) " +
            $"ON CONFLICT ({T("Id")}) DO UPDATE SET {T("Title")} = excluded.{T("Title")}, {T("StatusJson")} = excluded.{T("StatusJson")}, " +
            $"{T("MetadataJson")} = excluded.{T("MetadataJson")}, {T("AllowedImageDomainsJson")} = excluded.{T("AllowedImageDomainsJson")}, " +
            $"{T("UpdatedAt")} = excluded.{T("UpdatedAt")} WHERE {Table(threads)}.{T("UserId")} = excluded.{T("UserId")}";
        var converter = items.FindProperty(nameof(ItemRecord.CreatedAt))!.GetTypeMapping().Converter;
        Func<DateTimeOffset, object> time = converter is null ? at => at : at => converter.ConvertToProvider(at)!;
        return new StoreUpserts(item, thread, time);
    }

    /// <summary>Inserts or updates the item; false when the thread is not the caller's (nothing was written).</summary>
    public async Task<bool> SaveItemAsync(ChatKitDbContext db, string threadId, ThreadItem item, string userId, string json, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlRawAsync(_item, [item.Id, threadId, userId, item.Kind, _time(item.CreatedAt), json], cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>Inserts or updates the thread; false when its id is another user's thread (nothing was written).</summary>
    public async Task<bool> SaveThreadAsync(ChatKitDbContext db, ThreadMetadata thread, string userId, string status, string metadata, string? domains,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        object?[] values = [thread.Id, userId, _time(thread.CreatedAt), thread.Title, status, metadata, domains, _time(now)];
        return await db.Database.ExecuteSqlRawAsync(_thread, values!, cancellationToken).ConfigureAwait(false) > 0;
    }
}
