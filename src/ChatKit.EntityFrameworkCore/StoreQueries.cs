using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store's hot queries, compiled once (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(System.Linq.Expressions.Expression{Func{TContext, TParam1, TResult}})"/>)
/// so a call skips building and looking up its LINQ expression: every stream reads and writes
/// through these several times per turn. Pages come in four shapes (order × first page or after a cursor).
/// </summary>
internal static class StoreQueries
{
    public static readonly Func<ChatKitDbContext, string, string, Task<ThreadRecord?>> Thread =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) =>
            db.Threads.AsNoTracking().FirstOrDefault(t => t.Id == id && t.UserId == user));

    /// <summary>Whose thread an id names (whoever the caller is), and its sequence; null when there is none.</summary>
    public static readonly Func<ChatKitDbContext, string, Task<ThreadOwnerRow?>> ThreadOwner =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id) => db.Threads.Where(t => t.Id == id).Select(t => new ThreadOwnerRow(t.Sequence, t.UserId)).FirstOrDefault());

    /// <summary>See <see cref="ThreadOwner"/>.</summary>
    public sealed record ThreadOwnerRow(long Sequence, string UserId);

    public static readonly Func<ChatKitDbContext, string, string, Task<bool>> ThreadExists =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) => db.Threads.Any(t => t.Id == id && t.UserId == user));

    public static readonly Func<ChatKitDbContext, string, string, Task<long?>> ThreadSequence =
        EF.CompileAsyncQuery((ChatKitDbContext db, string id, string user) =>
            db.Threads.Where(t => t.Id == id && t.UserId == user).Select(t => (long?)t.Sequence).FirstOrDefault());

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ThreadRecord>> ThreadsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user).OrderBy(t => t.Sequence).Take(take));

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ThreadRecord>> ThreadsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user).OrderByDescending(t => t.Sequence).Take(take));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ThreadRecord>> ThreadsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, long cursor, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user && t.Sequence > cursor).OrderBy(t => t.Sequence).Take(take));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ThreadRecord>> ThreadsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string user, long cursor, int take) =>
            db.Threads.AsNoTracking().Where(t => t.UserId == user && t.Sequence < cursor).OrderByDescending(t => t.Sequence).Take(take));

    public static readonly Func<ChatKitDbContext, string, string, Task<long?>> ItemSequence =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string id) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Id == id).Select(i => (long?)i.Sequence).FirstOrDefault());

    public static readonly Func<ChatKitDbContext, string, string, Task<string?>> ItemJson =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string id) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Id == id).Select(i => i.Json).FirstOrDefault());

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> ItemsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId).OrderBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> ItemsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId).OrderByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ItemRow>> ItemsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, long cursor, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Sequence > cursor).OrderBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ItemRow>> ItemsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, long cursor, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Sequence < cursor).OrderByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    private const string Hidden = "hidden_context_item", SdkHidden = "sdk_hidden_context";

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> VisibleItemsAsc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Type != Hidden && i.Type != SdkHidden).OrderBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, int, IAsyncEnumerable<ItemRow>> VisibleItemsDesc =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Type != Hidden && i.Type != SdkHidden).OrderByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ItemRow>> VisibleItemsAscAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, long cursor, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Sequence > cursor && i.Type != Hidden && i.Type != SdkHidden).OrderBy(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    public static readonly Func<ChatKitDbContext, string, long, int, IAsyncEnumerable<ItemRow>> VisibleItemsDescAfter =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, long cursor, int take) =>
            db.Items.Where(i => i.ThreadId == threadId && i.Sequence < cursor && i.Type != Hidden && i.Type != SdkHidden).OrderByDescending(i => i.Sequence).Take(take).Select(i => new ItemRow(i.Id, i.Json)));

    /// <summary>
    /// One round trip before an item is saved: null when the thread is not the caller's, else the
    /// item's sequence when it is already stored (a save of the same item keeps its place).
    /// </summary>
    public static readonly Func<ChatKitDbContext, string, string, string, Task<ItemProbe?>> ItemInOwnThread =
        EF.CompileAsyncQuery((ChatKitDbContext db, string threadId, string user, string itemId) =>
            db.Threads.Where(t => t.Id == threadId && t.UserId == user)
                .Select(t => new ItemProbe(db.Items.Where(i => i.ThreadId == threadId && i.Id == itemId).Select(i => (long?)i.Sequence).FirstOrDefault()))
                .FirstOrDefault());

    /// <summary>See <see cref="ItemInOwnThread"/>.</summary>
    public sealed record ItemProbe(long? Sequence);

    /// <summary>What a page of items needs from a row: its id (the cursor) and its JSON.</summary>
    public sealed record ItemRow(string Id, string Json);

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> rows, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            list.Add(row);
        return list;
    }
}
