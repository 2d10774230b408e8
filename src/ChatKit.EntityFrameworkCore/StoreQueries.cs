using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store's hot queries, compiled once (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(System.Linq.Expressions.Expression{Func{TContext, TParam1, TResult}})"/>)
/// so a call skips building and looking up its LINQ expression: every stream reads and writes
/// through these several times per turn. Pages come in four shapes (order × first page or after a cursor).
/// A compiled query belongs to the model it first ran with, so each store has its own set: one process
/// may hold stores on several providers (the tests do), each with its own model.
/// </summary>
internal sealed class StoreQueries
{
    public readonly Func<ChatKitDbContext, string, string, Task<ThreadRecord?>> Thread =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) =>
            db.Threads.AsNoTracking().FirstOrDefault(t => t.Id == id && t.UserId == user));

    /// <summary>Whose thread an id names (whoever the caller is), and its sequence; null when there is none.</summary>
    public readonly Func<ChatKitDbContext, string, Task<ThreadOwnerRow?>> ThreadOwner =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id) => db.Threads.Where(t => t.Id == id).Select(t => new ThreadOwnerRow(t.Sequence, t.UserId)).FirstOrDefault());

    /// <summary>See <see cref="ThreadOwner"/>.</summary>
    public sealed record ThreadOwnerRow(long Sequence, string UserId);

    public readonly Func<ChatKitDbContext, string, string, Task<bool>> ThreadExists =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) => db.Threads.Any(t => t.Id == id && t.UserId == user));

    /// <summary>Where one of the caller's threads sits in their list (see <see cref="Position"/>); null when they have no such thread.</summary>
    public readonly Func<ChatKitDbContext, string, string, Task<Position?>> ThreadPosition =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) =>
            db.Threads.Where(t => t.Id == id && t.UserId == user).Select(t => new Position(t.CreatedAt, t.Sequence)).FirstOrDefault());

    // A user's threads are listed by (CreatedAt, Sequence): creation time like the reference, then arrival.

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ThreadRecord>> ThreadsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user).OrderBy(t => t.CreatedAt).ThenBy(t => t.Sequence).Take(take));

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ThreadRecord>> ThreadsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user).OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Sequence).Take(take));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ThreadRecord>> ThreadsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, DateTimeOffset at, long sequence, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user && (t.CreatedAt > at || (t.CreatedAt == at && t.Sequence > sequence)))
                .OrderBy(t => t.CreatedAt).ThenBy(t => t.Sequence).Take(take));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ThreadRecord>> ThreadsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, DateTimeOffset at, long sequence, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user && (t.CreatedAt < at || (t.CreatedAt == at && t.Sequence < sequence)))
                .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Sequence).Take(take));

    /// <summary>Where an item sits in its thread's order (see <see cref="Position"/>); null when the thread has no such item.</summary>
    public readonly Func<ChatKitDbContext, string, string, Task<Position?>> ItemPosition =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string id) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Id == id).Select(i => new Position(i.CreatedAt, i.Sequence)).FirstOrDefault());

    public readonly Func<ChatKitDbContext, string, string, Task<string?>> ItemJson =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string id) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Id == id).Select(i => i.Json).FirstOrDefault());

    // A thread's items are ordered by (CreatedAt, Sequence): the time the item was created (the order
    // in which the client first saw it), then arrival for items created in the same tick.

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> ItemsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId)
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> ItemsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId)
                .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ItemRow>> ItemsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, DateTimeOffset at, long sequence, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && (i.CreatedAt > at || (i.CreatedAt == at && i.Sequence > sequence)))
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ItemRow>> ItemsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, DateTimeOffset at, long sequence, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && (i.CreatedAt < at || (i.CreatedAt == at && i.Sequence < sequence)))
                .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    private const string Hidden = ItemTypes.HiddenContext, SdkHidden = ItemTypes.SdkHiddenContext;

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> VisibleItemsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Type != Hidden && i.Type != SdkHidden)
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> VisibleItemsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Type != Hidden && i.Type != SdkHidden)
                .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ItemRow>> VisibleItemsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, DateTimeOffset at, long sequence, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && (i.CreatedAt > at || (i.CreatedAt == at && i.Sequence > sequence)) && i.Type != Hidden && i.Type != SdkHidden)
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    public readonly Func<ChatKitDbContext, string, DateTimeOffset, long, int, IAsyncEnumerable<ItemRow>> VisibleItemsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, DateTimeOffset at, long sequence, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && (i.CreatedAt < at || (i.CreatedAt == at && i.Sequence < sequence)) && i.Type != Hidden && i.Type != SdkHidden)
                .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json, i.UserId, i.Type, i.WireStamp)));

    /// <summary>A record's place in its list (a thread among a user's threads, an item in its thread): creation time, then arrival.</summary>
    public sealed record Position(DateTimeOffset CreatedAt, long Sequence);

    /// <summary>
    /// One round trip before an item is saved: null when the thread is not the caller's, else the
    /// item's sequence when it is already stored (a save of the same item keeps its place).
    /// </summary>
    public readonly Func<ChatKitDbContext, string, string, string, Task<ItemProbe?>> ItemInOwnThread =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string user, string itemId) =>
            db.Threads.Where(t => t.Id == threadId && t.UserId == user)
                .Select(t => new ItemProbe(db.Items.Where(i => i.ThreadId == threadId && i.Id == itemId).Select(i => (long?)i.Sequence).FirstOrDefault()))
                .FirstOrDefault());

    /// <summary>See <see cref="ItemInOwnThread"/>.</summary>
    public sealed record ItemProbe(long? Sequence);

    /// <summary>What a page of items needs from a row: its id (the cursor), its JSON, whose thread it is in, its type and its wire stamp.</summary>
    public sealed record ItemRow(string Id, string Json, string UserId, string Type, long? WireStamp);
}

internal static class AsyncRows
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> rows, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            list.Add(row);
        return list;
    }
}
