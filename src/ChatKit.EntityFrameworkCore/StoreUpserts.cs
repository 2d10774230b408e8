using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store's saves of threads and items as one statement each, on databases with <c>INSERT … ON CONFLICT</c>
/// (SQLite, PostgreSQL). A save was a read (whose thread is it, is the item there) and then an EF insert or
/// update: two round trips and a change-tracking pass for every item of every turn (bench/README.md, "Issue 20").
/// The ownership rule stays in the statement: an item goes only into the caller's thread, and a thread id that is
/// another user's is left alone, so nothing is written and the caller answers "not found". A thread's update
/// (<see cref="UpdateThreadAsync"/>: a title, a status) is one plain <c>UPDATE</c> of the caller's row the same way.
/// The statements are written from the model (table and column names, the provider's quoting, the value converter
/// of times), so they follow the same schema as EF's own commands.
/// <para>
/// On SQLite, a statement run on a connection that stays open (the write gate's writer, <see cref="ChatKitWriteGate"/>) is
/// prepared once per connection and run again with new values, without EF's command pipeline; it is logged at Debug
/// ("Executed prepared write") as EF logs its commands. Elsewhere the statements run through EF (<c>ExecuteSqlRaw</c>).
/// </para>
/// </summary>
internal sealed class StoreUpserts
{
    private const int Item = 0, Thread = 1, ThreadUpdate = 2;
    private readonly string[] _sql;
    private readonly string[] _preparedSql;
    private readonly int[] _parameterCounts;
    private readonly Func<DateTimeOffset, object> _time;
    private readonly bool _prepare;
    private readonly ILogger _log;
    private readonly ConditionalWeakTable<DbConnection, DbCommand?[]> _prepared = [];

    private StoreUpserts(string item, string thread, string threadUpdate, Func<DateTimeOffset, object> time, bool prepare, ILogger log)
    {
        _sql = [item, thread, threadUpdate];
        _parameterCounts = [8, 11, 10];
        _preparedSql = [.. _sql.Select((sql, i) => string.Format(CultureInfo.InvariantCulture, sql, [.. Enumerable.Range(0, _parameterCounts[i]).Select(n => "@p" + n)]))];
        _time = time;
        _prepare = prepare;
        _log = log;
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

        // {0} id, {1} thread, {2} user, {3} type, {4} created_at, {5} json, {6} wire stamp, {7} search text. SQLite needs the WHERE
        // for ON CONFLICT to parse after a SELECT.
        var item =
            $"INSERT INTO {Table(items)} ({I("Id")}, {I("ThreadId")}, {I("UserId")}, {I("Type")}, {I("CreatedAt")}, {I("Json")}, {I("WireStamp")}, {I("SearchText")}) " +
            "SELECT {0}, {1}, {2}, {3}, {4}, {5}, {6}, {7} " +
            $"WHERE EXISTS (SELECT 1 FROM {Table(threads)} WHERE {T("Id")} = {{1}} AND {T("UserId")} = {{2}}) " +
            $"ON CONFLICT ({I("ThreadId")}, {I("Id")}) DO UPDATE SET {I("Json")} = excluded.{I("Json")}, {I("WireStamp")} = excluded.{I("WireStamp")}, {I("SearchText")} = excluded.{I("SearchText")}";
        // {0} id, {1} user, {2} created_at, {3} title, {4} status, {5} metadata, {6} image domains, {7} updated_at, {8} client JSON,
        // {9} its stamp, {10} search text. A thread that is there is updated only when it is the caller's (the creation time and owner never change).
        var thread =
            $"INSERT INTO {Table(threads)} ({T("Id")}, {T("UserId")}, {T("CreatedAt")}, {T("Title")}, {T("StatusJson")}, {T("MetadataJson")}, {T("AllowedImageDomainsJson")}, {T("UpdatedAt")}, {T("WireJson")}, {T("WireStamp")}, {T("SearchText")}) " +
            "VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}) " +
            $"ON CONFLICT ({T("Id")}) DO UPDATE SET {T("Title")} = excluded.{T("Title")}, {T("StatusJson")} = excluded.{T("StatusJson")}, " +
            $"{T("MetadataJson")} = excluded.{T("MetadataJson")}, {T("AllowedImageDomainsJson")} = excluded.{T("AllowedImageDomainsJson")}, " +
            $"{T("UpdatedAt")} = excluded.{T("UpdatedAt")}, {T("WireJson")} = excluded.{T("WireJson")}, {T("WireStamp")} = excluded.{T("WireStamp")}, {T("SearchText")} = excluded.{T("SearchText")} " +
            $"WHERE {Table(threads)}.{T("UserId")} = excluded.{T("UserId")}";
        // {0} id, {1} user, {2} title, {3} status, {4} metadata, {5} image domains, {6} updated_at, {7} client JSON, {8} its stamp,
        // {9} search text:
        // the caller's thread changed, never created (a thread deleted meanwhile stays deleted). EF's ExecuteUpdate built the
        // same statement from an expression tree on every call (7% of a sequential turn's CPU, in System.Linq.Expressions).
        var threadUpdate =
            $"UPDATE {Table(threads)} SET {T("Title")} = {{2}}, {T("StatusJson")} = {{3}}, {T("MetadataJson")} = {{4}}, " +
            $"{T("AllowedImageDomainsJson")} = {{5}}, {T("UpdatedAt")} = {{6}}, {T("WireJson")} = {{7}}, {T("WireStamp")} = {{8}}, {T("SearchText")} = {{9}} " +
            $"WHERE {T("Id")} = {{0}} AND {T("UserId")} = {{1}}";
        var converter = items.FindProperty(nameof(ItemRecord.CreatedAt))!.GetTypeMapping().Converter;
        Func<DateTimeOffset, object> time = converter is null ? at => at : at => converter.ConvertToProvider(at)!;
        var log = (db.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<StoreUpserts>();
        return new StoreUpserts(item, thread, threadUpdate, time, provider.EndsWith(".Sqlite", StringComparison.Ordinal), log);
    }

    /// <summary>Inserts or updates the item; false when the thread is not the caller's (nothing was written).</summary>
    public async Task<bool> SaveItemAsync(ChatKitDbContext db, string threadId, ThreadItem item, string userId, string json, long? stamp, string search, CancellationToken cancellationToken) =>
        await ExecuteAsync(db, Item, [item.Id, threadId, userId, item.Kind, _time(item.CreatedAt), json, stamp, search], cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>Inserts or updates the thread; false when its id is another user's thread (nothing was written).</summary>
    public async Task<bool> SaveThreadAsync(ChatKitDbContext db, ThreadMetadata thread, string userId, string status, string metadata, string? domains,
        string wireJson, long wireStamp, string search, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(db, Thread, [thread.Id, userId, _time(thread.CreatedAt), thread.Title, status, metadata, domains, _time(now), wireJson, wireStamp, search], cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>Changes the caller's thread; false when there is none (deleted meanwhile, or another user's id): nothing was written.</summary>
    public async Task<bool> UpdateThreadAsync(ChatKitDbContext db, ThreadMetadata thread, string userId, string status, string metadata, string? domains,
        string wireJson, long wireStamp, string search, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync(db, ThreadUpdate, [thread.Id, userId, thread.Title, status, metadata, domains, _time(now), wireJson, wireStamp, search], cancellationToken).ConfigureAwait(false) > 0;

    private async Task<int> ExecuteAsync(ChatKitDbContext db, int statement, object?[] values, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (!_prepare || connection.State != ConnectionState.Open)
        {
            if (db.Database.CurrentTransaction is not null)
                return await db.Database.ExecuteSqlRawAsync(_sql[statement], values!, cancellationToken).ConfigureAwait(false);
            // EF runs raw SQL once, outside the context's retry strategy (its queries go through it): a pooled connection that
            // PostgreSQL ended in a restart or failover (57P01, transient) failed the first write after it, so a turn whose answer
            // came after a restart ended with an error. Each statement writes the same row again when it runs twice.
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(
                ct => db.Database.ExecuteSqlRawAsync(_sql[statement], values!, ct), cancellationToken).ConfigureAwait(false);
        }

        // The connection's commands live as long as it does; one whose connection was closed since prepares itself again.
        var commands = _prepared.GetValue(connection, _ => new DbCommand?[3]);
        var command = commands[statement] ??= Prepare(connection, statement);
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        var started = _log.IsEnabled(LogLevel.Debug) ? Stopwatch.GetTimestamp() : 0;
        var rows = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (started != 0)
            _log.LogDebug("Executed prepared write ({Elapsed:0.###} ms): {Sql}", Stopwatch.GetElapsedTime(started).TotalMilliseconds, _preparedSql[statement]);
        return rows;
    }

    private DbCommand Prepare(DbConnection connection, int statement)
    {
        var command = connection.CreateCommand();
        command.CommandText = _preparedSql[statement];
        for (var i = 0; i < _parameterCounts[statement]; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            command.Parameters.Add(parameter);
        }
        command.Prepare();
        return command;
    }
}
