using System.Text.Json.Nodes;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.EntityFrameworkCore;
using static ChatKit.EntityFrameworkCore.StoreQueries;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// <see cref="IChatKitStore"/> on EF Core. Every query filters by the caller's user id, so another
/// user's records are "not found". Items are ordered by creation time, then by a database-generated
/// sequence number, so concurrent appends never collide and pages are stable. Each call uses its own short-lived
/// context from the factory, which makes the store safe to share between concurrent streams.
/// Writes go through the <see cref="ChatKitWriteGate"/> (one at a time for SQLite).
/// </summary>
public sealed partial class EfChatKitStore(IDbContextFactory<ChatKitDbContext> contexts, TimeProvider? time = null, ChatKitWriteGate? writes = null) : IChatKitStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ChatKitWriteGate _writes = writes ?? ChatKitWriteGate.None;
    private readonly StoreQueries _queries = new();

    /// <summary>The database's prepared reads (<see cref="PreparedReads"/>, SQLite), which the store reads through when set.</summary>
    internal PreparedReads? Prepared { get; init; }
    private System.Runtime.CompilerServices.StrongBox<StoreUpserts?>? _upserts;

    /// <summary>The largest page the store returns, whatever the caller asks.</summary>
    public const int MaxPageSize = 500;

    /// <inheritdoc />
    public async Task<ThreadMetadata> LoadThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var row = await WithRowsAsync(rows => rows.ThreadAsync(threadId, context.UserId), cancellationToken) ?? throw ChatKitNotFoundException.Thread(threadId);
        return ToThread(row);
    }

    /// <inheritdoc />
    public async Task SaveThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var (status, metadata, domains, wire, stamp, search, now) = RowValues(thread);
        if (await UpsertAsync((upserts, db) => upserts.SaveThreadAsync(db, thread, context.UserId, status, metadata, domains, wire, stamp, search, now, cancellationToken), cancellationToken) is { } saved)
        {
            if (!saved) throw ChatKitNotFoundException.Thread(thread.Id);
            return;
        }

        var owner = await ReadAsync(db => _queries.ThreadOwner(db, thread.Id), cancellationToken);
        if (owner is not null && owner.UserId != context.UserId)
            throw ChatKitNotFoundException.Thread(thread.Id);
        await WriteAsync(async db =>
        {
            if (owner is null)
            {
                db.Threads.Add(new ThreadRecord
                {
                    Id = thread.Id, UserId = context.UserId, CreatedAt = thread.CreatedAt, Title = thread.Title,
                    StatusJson = status, MetadataJson = metadata, AllowedImageDomainsJson = domains, UpdatedAt = now,
                    WireJson = wire, WireStamp = stamp, SearchText = search,
                });
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            await UpdateRowsAsync(db.Threads.Where(t => t.Sequence == owner.Sequence), thread, status, metadata, domains, wire, stamp, search, now, cancellationToken);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task UpdateThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var (status, metadata, domains, wire, stamp, search, now) = RowValues(thread);
        // One statement that only finds the caller's existing row: a thread deleted meanwhile stays deleted.
        if (await UpsertAsync((upserts, db) => upserts.UpdateThreadAsync(db, thread, context.UserId, status, metadata, domains, wire, stamp, search, now, cancellationToken), cancellationToken) is { } changed)
        {
            if (!changed) throw ChatKitNotFoundException.Thread(thread.Id);
            return;
        }
        var updated = 0;
        await WriteAsync(async db => updated = await UpdateRowsAsync(
            db.Threads.Where(t => t.Id == thread.Id && t.UserId == context.UserId), thread, status, metadata, domains, wire, stamp, search, now, cancellationToken), cancellationToken);
        if (updated == 0) throw ChatKitNotFoundException.Thread(thread.Id);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One write, so one commit (on SQLite one savepoint of a group commit): the thread's and the item's one-statement saves and
    /// the attachments' rows, in one transaction; when any of them fails none is kept. A database without those statements
    /// (SQL Server) saves them one call each, as the interface's default does.
    /// </remarks>
    public async Task SaveNewThreadAsync(ThreadMetadata thread, ThreadItem firstItem, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        if (_upserts is not { Value: null })
        {
            var (status, metadata, domains, wire, stamp, search, now) = RowValues(thread);
            var item = RowValues(firstItem);
            var saves = new List<AttachmentSave>(attachments.Count);
            foreach (var attachment in attachments)
                saves.Add(await AttachmentSaveAsync(attachment, context, cancellationToken));
            var together = false;
            await WriteAsync(db => InTransactionAsync(db, async () =>
            {
                if ((_upserts ??= new(StoreUpserts.For(db))).Value is not { } upserts) return false;
                // A failure throws, so the transaction (or the group commit's savepoint) is rolled back: nothing of it is kept.
                if (!await upserts.SaveThreadAsync(db, thread, context.UserId, status, metadata, domains, wire, stamp, search, now, cancellationToken))
                    throw ChatKitNotFoundException.Thread(thread.Id);
                foreach (var save in saves)
                    await save.WriteAsync(db, cancellationToken);
                if (!await upserts.SaveItemAsync(db, thread.Id, firstItem, context.UserId, item.Json, item.Stamp, item.Search, cancellationToken))
                    throw ChatKitNotFoundException.Thread(thread.Id);
                return together = true;
            }, cancellationToken), cancellationToken);
            if (together) return;
        }
        await SaveThreadAsync(thread, context, cancellationToken);
        foreach (var attachment in attachments)
            await SaveAttachmentAsync(attachment, context, cancellationToken);
        await AddThreadItemAsync(thread.Id, firstItem, context, cancellationToken);
    }

    private static Task<int> UpdateRowsAsync(IQueryable<ThreadRecord> rows, ThreadMetadata thread, string status, string metadata, string? domains,
        string wire, long stamp, string search, DateTimeOffset now, CancellationToken cancellationToken) =>
        rows.ExecuteUpdateAsync(u => u
            .SetProperty(t => t.Title, thread.Title)
            .SetProperty(t => t.StatusJson, status)
            .SetProperty(t => t.MetadataJson, metadata)
            .SetProperty(t => t.AllowedImageDomainsJson, domains)
            .SetProperty(t => t.WireJson, wire)
            .SetProperty(t => t.WireStamp, stamp)
            .SetProperty(t => t.SearchText, search)
            .SetProperty(t => t.UpdatedAt, now), cancellationToken);

    /// <summary>The values a thread's row is written with now: its columns as JSON, its client JSON and stamp, its search text.</summary>
    private (string Status, string Metadata, string? Domains, string Wire, long Stamp, string Search, DateTimeOffset Now) RowValues(ThreadMetadata thread)
    {
        var status = ChatKitJson.Serialize(thread.Status);
        var metadata = thread.Metadata.ToJsonString();
        var domains = thread.AllowedImageDomains is null ? null : new JsonArray(thread.AllowedImageDomains.Select(d => (JsonNode)d!).ToArray()).ToJsonString();
        var now = _time.GetUtcNow();
        var (wire, stamp) = WireForm(thread, status, domains, now);
        return (status, metadata, domains, wire, stamp, ChatKitSearchText.OfTitle(thread.Title), now);
    }

    /// <summary>
    /// The client JSON a thread row is saved with at <paramref name="now"/> and its stamp (<see cref="ThreadRecord.WireJson"/>):
    /// written from the thread as it will be read back from the values saved (<see cref="ToThread"/>; its creation time in UTC,
    /// as SQLite and PostgreSQL give it back), so it is what listing the row the long way writes.
    /// </summary>
    private static (string Json, long Stamp) WireForm(ThreadMetadata thread, string status, string? domains, DateTimeOffset now)
    {
        var stored = new ThreadRecord
        {
            Id = thread.Id, UserId = "", Title = thread.Title, CreatedAt = thread.CreatedAt.ToUniversalTime(),
            StatusJson = status, MetadataJson = "{}", AllowedImageDomainsJson = domains,
        };
        var json = WireThread.ClientJsonOf(ToThread(stored));
        return (json, WireStamps.OfThread(stored.Id, stored.CreatedAt, now, json));
    }

    /// <summary>
    /// A save as one statement (<see cref="StoreUpserts"/>) through the write path, when the database has one: whether it
    /// wrote (false: the record is another user's), or null when the database has none and the caller saves the long way.
    /// </summary>
    private async Task<bool?> UpsertAsync(Func<StoreUpserts, ChatKitDbContext, Task<bool>> save, CancellationToken cancellationToken,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        if (_upserts is { Value: null }) return null;
        bool? saved = null;
        await WriteAsync(async db =>
        {
            if ((_upserts ??= new(StoreUpserts.For(db))).Value is { } upserts)
                saved = await save(upserts, db);
        }, cancellationToken, operation);
        return saved;
    }

    // The one write path. Every write first reads what it needs in its own short-lived context
    // (ReadAsync), then takes its turn at the write gate (one writer at a time on SQLite), and only
    // then takes a context to write with (WriteAsync): writers that wait for their turn hold no
    // context, so a burst of thousands of streams stays small, and a turn is as short as the write.

    /// <summary>A read in its own short-lived context, before any write turn is taken.</summary>
    private async Task<T> ReadAsync<T>(Func<ChatKitDbContext, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await read(db);
    }

    /// <summary>A write: its turn at the gate first, then a context of its own; traced as <c>chatkit.store {operation}</c>.</summary>
    private async Task WriteAsync(Func<ChatKitDbContext, Task> write, CancellationToken cancellationToken, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        using var span = ChatKitTelemetry.StoreWrite(operation.EndsWith("Async", StringComparison.Ordinal) ? operation[..^5] : operation);
        await _writes.WriteAsync(contexts, write, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Page<ThreadMetadata>> LoadThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        WithRowsAsync(async rows =>
        {
            var cursor = await ThreadCursorAsync(rows, after, context);
            var page = await rows.ThreadsAsync(context.UserId, order == SortOrder.Asc, cursor, Clamp(limit) + 1, cancellationToken);
            return PageOf(page, Clamp(limit), ToThread, r => r.Id);
        }, cancellationToken);

    private static async ValueTask<Position?> ThreadCursorAsync(IStoreRows rows, string? after, ChatKitContext context) =>
        after is null ? null : await rows.ThreadPositionAsync(after, context.UserId)
            ?? throw new ChatKitValidationException($"The 'after' cursor '{after}' does not name one of your threads.");

    /// <summary>
    /// The page <see cref="LoadThreadsAsync"/> answers, each row whose stamp vouches for its client JSON
    /// (<see cref="WireStamps.VouchesThread"/>: written by this build with the row's last write) as that JSON, the others as
    /// threads read from their columns.
    /// </summary>
    public Task<Page<WireThread>> LoadWireThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        WithRowsAsync(async rows =>
        {
            var cursor = await ThreadCursorAsync(rows, after, context);
            var page = await rows.ClientThreadsAsync(context.UserId, order == SortOrder.Asc, cursor, Clamp(limit) + 1, cancellationToken);
            return PageOf(page, Clamp(limit), r => r.WireJson is { } json ? new WireThread(json) : new WireThread(ToThread(r.Row!)), r => r.Id);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        await WriteAsync(db => InTransactionAsync(db, async () =>
        {
            // Nothing to delete is not an error: a delete that is retried (or names another user's thread) answers the same.
            var deleted = await db.Threads.Where(t => t.Id == threadId && t.UserId == context.UserId).ExecuteDeleteAsync(cancellationToken);
            if (deleted == 0) return false;
            // Explicit as well as cascaded: SQLite enforces foreign keys only when the connection asks it to.
            await db.Items.Where(i => i.ThreadId == threadId).ExecuteDeleteAsync(cancellationToken);
            await db.Feedback.Where(f => f.ThreadId == threadId).ExecuteDeleteAsync(cancellationToken);
            await db.Attachments.Where(a => a.ThreadId == threadId && a.UserId == context.UserId).ExecuteDeleteAsync(cancellationToken);
            return true;
        }, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction, committed when it answers true, inside the provider's
    /// execution strategy: with retries on (SQL Server, PostgreSQL) EF refuses a transaction started outside
    /// the strategy, and a transient failure then replays the whole transaction, not its last statement.
    /// The work must be safe to run again (deletes are).
    /// </summary>
    private static async Task InTransactionAsync(ChatKitDbContext db, Func<Task<bool>> work, CancellationToken cancellationToken)
    {
        // Inside a group commit (ChatKitWriteGate) the work already runs in a savepoint of the batch's transaction.
        if (db.Database.CurrentTransaction is not null)
        {
            await work();
            return;
        }
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (await work())
                await tx.CommitAsync(ct);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Page<ThreadItem>> LoadThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        LoadItemsAsync(threadId, after, limit, order, visibleOnly: false, context, Item, cancellationToken);

    /// <inheritdoc />
    public Task<Page<ThreadItem>> LoadVisibleThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        LoadItemsAsync(threadId, after, limit, order, visibleOnly: true, context, Item, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A row whose wire stamp vouches for its JSON (<see cref="WireStamps"/>: written as its item's wire form by this build, and
    /// not changed since) comes as that JSON; any other row is read into its item, as <see cref="LoadVisibleThreadItemsAsync"/> reads it.
    /// </remarks>
    public Task<Page<WireItem>> LoadVisibleWireItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        LoadItemsAsync(threadId, after, limit, order, visibleOnly: true, context,
            row => WireStamps.Vouches(row.WireStamp, row.Json) ? new WireItem(row.Json) : new WireItem(Item(row)), cancellationToken);

    private static ThreadItem Item(ItemRow row) => ChatKitStorageJson.Deserialize<ThreadItem>(row.Json);

    /// <inheritdoc />
    /// <remarks>One read of the newest items' rows, as for a first page; only the rows of the kinds asked for are read with their JSON and built from it.</remarks>
    public Task<IReadOnlyList<ThreadItem>> LoadRecentItemsOfKindsAsync(string threadId, int window, IReadOnlySet<string> kinds, ChatKitContext context, CancellationToken cancellationToken = default) =>
        WithRowsAsync<IReadOnlyList<ThreadItem>>(async rows =>
        {
            var page = await rows.ItemsAsync(threadId, asc: false, visibleOnly: false, cursor: null, Clamp(window), cancellationToken, jsonOfKinds: kinds);
            if (page.Count == 0 || page[0].UserId != context.UserId)
                await EnsureThreadAsync(rows, threadId, context, cancellationToken);
            return page.Where(r => kinds.Contains(r.Type)).Select(Item).ToList();
        }, cancellationToken);

    private Task<Page<T>> LoadItemsAsync<T>(string threadId, string? after, int limit, SortOrder order, bool visibleOnly, ChatKitContext context,
        Func<ItemRow, T> map, CancellationToken cancellationToken) =>
        WithRowsAsync(async rows =>
        {
            StoreQueries.Position? cursor = null;
            if (after is not null)
            {
                await EnsureThreadAsync(rows, threadId, context, cancellationToken);
                cursor = await rows.ItemPositionAsync(threadId, after)
                    ?? throw new ChatKitValidationException($"The 'after' cursor '{after}' does not name an item of thread '{threadId}'.");
            }
            var page = await rows.ItemsAsync(threadId, order == SortOrder.Asc, visibleOnly, cursor, Clamp(limit) + 1, cancellationToken);
            // A first page is read first: when it has items and they are the caller's (an item carries its thread
            // owner's id), the thread is theirs and one read was enough; else the thread is looked at.
            if (after is null && (page.Count == 0 || page[0].UserId != context.UserId))
                await EnsureThreadAsync(rows, threadId, context, cancellationToken);
            return PageOf(page, Clamp(limit), map, r => r.Id);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task AddThreadItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await SaveItemRowAsync(threadId, item, context, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException)
        {
            // The thread was deleted while the row went in (a threads.delete on another instance, or on this one): the
            // insert passed its own check, then met the foreign key once the delete committed. That is "not found", as
            // when the delete came first, not a database failure.
            if (!await ThreadIsTheCallersAsync(threadId, context)) throw ChatKitNotFoundException.Thread(threadId);
            throw;
        }
    }

    private async Task<bool> ThreadIsTheCallersAsync(string threadId, ChatKitContext context)
    {
        try
        {
            return await ReadAsync(db => _queries.ThreadExists(db, threadId, context.UserId), CancellationToken.None);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return true; // the database is away: the first failure is the one to report
        }
    }

    /// <summary>The values an item's row is written with: its stored JSON, the stamp that vouches for it as the wire form, its search text.</summary>
    private static (string Json, long? Stamp, string Search) RowValues(ThreadItem item)
    {
        var json = ChatKitStorageJson.Serialize(item);
        return (json, WireStamps.For(item, json), ChatKitSearchText.Of(item));
    }

    private async Task SaveItemRowAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken)
    {
        var (json, stamp, search) = RowValues(item);
        // Traced as the operation it serves (chatkit.store AddThreadItem).
        if (await UpsertAsync((upserts, db) => upserts.SaveItemAsync(db, threadId, item, context.UserId, json, stamp, search, cancellationToken), cancellationToken, nameof(AddThreadItemAsync)) is { } saved)
        {
            if (!saved) throw ChatKitNotFoundException.Thread(threadId);
            return;
        }

        var probe = await ReadAsync(db => _queries.ItemInOwnThread(db, threadId, context.UserId, item.Id), cancellationToken)
            ?? throw ChatKitNotFoundException.Thread(threadId);
        await WriteAsync(async db =>
        {
            if (probe.Sequence is { } sequence)
            {
                // The same item saved again keeps its place.
                await db.Items.Where(i => i.Sequence == sequence).ExecuteUpdateAsync(u => u.SetProperty(i => i.Json, json).SetProperty(i => i.WireStamp, stamp)
                    .SetProperty(i => i.SearchText, search), cancellationToken);
                return;
            }
            db.Items.Add(new ItemRecord { Id = item.Id, ThreadId = threadId, UserId = context.UserId, Type = item.Kind, CreatedAt = item.CreatedAt, Json = json, WireStamp = stamp,
                SearchText = search });
            await db.SaveChangesAsync(cancellationToken);
        }, cancellationToken, nameof(AddThreadItemAsync));
    }

    /// <inheritdoc />
    /// <remarks>
    /// A message without attachments is <see cref="AddThreadItemAsync"/>. With attachments: one write (one savepoint of a group
    /// commit on SQLite), the attachments' claims and the item's row in one transaction, so a refused attachment keeps nothing.
    /// A database without the one-statement saves (SQL Server) saves them one call each, as the interface's default does.
    /// </remarks>
    public async Task AddUserMessageAsync(string threadId, ThreadItem message, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        if (attachments.Count > 0 && _upserts is not { Value: null })
        {
            var (json, stamp, search) = RowValues(message);
            var saves = new List<AttachmentSave>(attachments.Count);
            foreach (var attachment in attachments)
                saves.Add(await AttachmentSaveAsync(attachment, context, cancellationToken));
            var together = false;
            try
            {
                await WriteAsync(db => InTransactionAsync(db, async () =>
                {
                    if ((_upserts ??= new(StoreUpserts.For(db))).Value is not { } upserts) return false;
                    foreach (var save in saves)
                        await save.WriteAsync(db, cancellationToken);
                    if (!await upserts.SaveItemAsync(db, threadId, message, context.UserId, json, stamp, search, cancellationToken))
                        throw ChatKitNotFoundException.Thread(threadId);
                    return together = true;
                }, cancellationToken), cancellationToken, nameof(AddThreadItemAsync));
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException)
            {
                // As in AddThreadItemAsync: the thread deleted while the row went in is "not found".
                if (!await ThreadIsTheCallersAsync(threadId, context)) throw ChatKitNotFoundException.Thread(threadId);
                throw;
            }
            if (together) return;
        }
        foreach (var attachment in attachments)
            await SaveAttachmentAsync(attachment, context, cancellationToken);
        await AddThreadItemAsync(threadId, message, context, cancellationToken);
    }

    /// <inheritdoc />
    public Task SaveItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default) =>
        AddThreadItemAsync(threadId, item, context, cancellationToken);

    /// <inheritdoc />
    public async Task<ThreadItem> LoadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var json = await WithRowsAsync(async rows =>
        {
            await EnsureThreadAsync(rows, threadId, context, cancellationToken);
            return await rows.ItemJsonAsync(threadId, itemId);
        }, cancellationToken) ?? throw ChatKitNotFoundException.Item(threadId, itemId);
        return ChatKitStorageJson.Deserialize<ThreadItem>(json);
    }

    /// <inheritdoc />
    public async Task DeleteThreadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        await ReadAsync(async db => { await EnsureThreadAsync(db, threadId, context, cancellationToken); return true; }, cancellationToken);
        await WriteAsync(db => InTransactionAsync(db, async () =>
        {
            await db.Items.Where(i => i.ThreadId == threadId && i.Id == itemId).ExecuteDeleteAsync(cancellationToken);
            await db.Feedback.Where(f => f.ThreadId == threadId && f.ItemId == itemId).ExecuteDeleteAsync(cancellationToken);
            return true;
        }, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public async Task SaveAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var save = await AttachmentSaveAsync(attachment, context, cancellationToken);
        await WriteAsync(db => save.WriteAsync(db, cancellationToken), cancellationToken);
    }

    /// <summary>An attachment's save, once its owner is known (read before the write turn): another user's id is "not found".</summary>
    private async Task<AttachmentSave> AttachmentSaveAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken)
    {
        var owner = await ReadAsync(db => db.Attachments.Where(a => a.Id == attachment.Id).Select(a => a.UserId).FirstOrDefaultAsync(cancellationToken), cancellationToken);
        if (owner is not null && owner != context.UserId)
            throw ChatKitNotFoundException.Attachment(attachment.Id);
        return new AttachmentSave(attachment, context.UserId, Exists: owner is not null, ChatKitJson.Serialize(attachment), attachment.Metadata?.ToJsonString(), _time.GetUtcNow());
    }

    private sealed record AttachmentSave(Attachment Attachment, string UserId, bool Exists, string Json, string? Metadata, DateTimeOffset Now)
    {
        public async Task WriteAsync(ChatKitDbContext db, CancellationToken cancellationToken)
        {
            if (!Exists)
            {
                db.Attachments.Add(new AttachmentRecord
                {
                    Id = Attachment.Id, UserId = UserId, CreatedAt = Now, ThreadId = Attachment.ThreadId, Json = Json, MetadataJson = Metadata,
                });
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            // Only where the record is in no thread or in this one: of two sends of one attachment in different threads that
            // both passed the engine's check, the second finds the first's thread here (under the single writer on SQLite,
            // after the first's row lock on PostgreSQL and SQL Server) and fails, with its transaction.
            var threadId = Attachment.ThreadId;
            var updated = await db.Attachments.Where(a => a.Id == Attachment.Id && a.UserId == UserId && (a.ThreadId == null || a.ThreadId == threadId))
                .ExecuteUpdateAsync(u => u
                    .SetProperty(a => a.ThreadId, threadId)
                    .SetProperty(a => a.Json, Json)
                    .SetProperty(a => a.MetadataJson, Metadata), cancellationToken);
            if (updated == 1) return;
            var stillThere = await db.Attachments.AnyAsync(a => a.Id == Attachment.Id && a.UserId == UserId, cancellationToken);
            throw stillThere ? ChatKitConflictException.AttachmentInAnotherThread(Attachment.Id) : ChatKitNotFoundException.Attachment(Attachment.Id);
        }
    }

    /// <inheritdoc />
    public async Task<Attachment> LoadAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Attachments.AsNoTracking().FirstOrDefaultAsync(a => a.Id == attachmentId && a.UserId == context.UserId, cancellationToken)
            ?? throw ChatKitNotFoundException.Attachment(attachmentId);
        var attachment = ChatKitJson.Deserialize<Attachment>(row.Json);
        attachment.Metadata = row.MetadataJson is null ? null : JsonNode.Parse(row.MetadataJson)?.AsObject();
        return attachment;
    }

    /// <inheritdoc />
    public async Task DeleteAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await WriteAsync(async db => deleted = await db.Attachments.Where(a => a.Id == attachmentId && a.UserId == context.UserId).ExecuteDeleteAsync(cancellationToken), cancellationToken);
        if (deleted == 0) throw ChatKitNotFoundException.Attachment(attachmentId);
    }

    /// <inheritdoc />
    public async Task SaveFeedbackAsync(string threadId, IReadOnlyList<string> itemIds, FeedbackKind kind, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var ids = itemIds.Distinct().ToList();
        var existing = await ReadAsync(async db =>
        {
            await EnsureThreadAsync(db, threadId, context, cancellationToken);
            var known = await db.Items.Where(i => i.ThreadId == threadId && ids.Contains(i.Id)).Select(i => i.Id).ToListAsync(cancellationToken);
            if (ids.FirstOrDefault(id => !known.Contains(id)) is { } missing)
                throw ChatKitNotFoundException.Item(threadId, missing);
            return await db.Feedback.Where(f => f.ThreadId == threadId && ids.Contains(f.ItemId)).Select(f => f.ItemId).ToListAsync(cancellationToken);
        }, cancellationToken);
        var wire = kind == FeedbackKind.Positive ? "positive" : "negative";
        var now = _time.GetUtcNow();
        await WriteAsync(async db =>
        {
            // The latest kind wins: rows that exist are updated, the others added.
            await db.Feedback.Where(f => f.ThreadId == threadId && existing.Contains(f.ItemId))
                .ExecuteUpdateAsync(u => u.SetProperty(f => f.Kind, wire).SetProperty(f => f.CreatedAt, now), cancellationToken);
            var added = ids.Where(id => !existing.Contains(id)).ToList();
            foreach (var itemId in added)
                db.Feedback.Add(new FeedbackRecord { ThreadId = threadId, ItemId = itemId, UserId = context.UserId, Kind = wire, CreatedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (added.Count > 0)
            {
                // Feedback on the same item saved at the same moment (a double click) inserted the row first: update it instead.
                db.ChangeTracker.Clear();
                var updated = await db.Feedback.Where(f => f.ThreadId == threadId && added.Contains(f.ItemId))
                    .ExecuteUpdateAsync(u => u.SetProperty(f => f.Kind, wire).SetProperty(f => f.CreatedAt, now), cancellationToken);
                if (updated != added.Count) throw;
            }
        }, cancellationToken);
    }

    private Task EnsureThreadAsync(ChatKitDbContext db, string threadId, ChatKitContext context, CancellationToken ct) =>
        EnsureThreadAsync(new EfStoreRows(db, _queries), threadId, context, ct);

    private static async Task EnsureThreadAsync(IStoreRows rows, string threadId, ChatKitContext context, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!await rows.ThreadExistsAsync(threadId, context.UserId))
            throw ChatKitNotFoundException.Thread(threadId);
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the prepared reads when the database has them (<see cref="Prepared"/>), else on
    /// EF's compiled queries over a context of its own.
    /// </summary>
    private async Task<T> WithRowsAsync<T>(Func<IStoreRows, ValueTask<T>> read, CancellationToken cancellationToken)
    {
        if (Prepared is { } prepared)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await read(prepared);
        }
        await using var rows = new EfStoreRows(await contexts.CreateDbContextAsync(cancellationToken), _queries);
        return await read(rows);
    }

    private static int Clamp(int limit) => Math.Clamp(limit, 1, MaxPageSize);

    private static Page<T> PageOf<TRow, T>(List<TRow> rows, int limit, Func<TRow, T> map, Func<TRow, string> id)
    {
        var hasMore = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        // Like the reference: the cursor is given only when there is a next page to ask for.
        return new Page<T> { Data = page.Select(map).ToList(), HasMore = hasMore, After = hasMore ? id(page[^1]) : null };
    }

    /// <summary>How an active status is stored (what <see cref="SaveThreadAsync"/> writes for it).</summary>
    private static readonly string StoredActiveStatus = ChatKitJson.Serialize<ThreadStatus>(new ActiveStatus());

    /// <summary>The thread a row stands for.</summary>
    public static ThreadMetadata ToThread(ThreadRecord row) => new()
    {
        Id = row.Id,
        Title = row.Title,
        CreatedAt = row.CreatedAt,
        // Most threads are active with no metadata: those two stored forms are recognised as they are written, not parsed
        // (parsing them was 4% of a threads.list request's CPU, measured with perf). Anything else is parsed as before.
        Status = row.StatusJson == StoredActiveStatus ? new ActiveStatus() : ChatKitJson.Deserialize<ThreadStatus>(row.StatusJson),
        Metadata = row.MetadataJson == "{}" ? [] : JsonNode.Parse(row.MetadataJson)?.AsObject() ?? [],
        AllowedImageDomains = row.AllowedImageDomainsJson is null ? null : JsonNode.Parse(row.AllowedImageDomainsJson)!.AsArray().Select(n => (string)n!).ToList(),
    };
}
