using ChatKit.EntityFrameworkCore.Records;
using static ChatKit.EntityFrameworkCore.StoreQueries;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The rows the store's reads are made of, whichever way they are read: through EF's compiled queries on a context
/// (<see cref="EfStoreRows"/>), or through statements prepared on connections kept open (<see cref="PreparedReads"/>,
/// SQLite). Both answer the same rows in the same order; the store's rules (who may see what, 404 or 400) are written once, on top.
/// </summary>
internal interface IStoreRows
{
    /// <summary>The caller's thread, or null.</summary>
    ValueTask<ThreadRecord?> ThreadAsync(string id, string user);

    /// <summary>Whether the thread is the caller's.</summary>
    ValueTask<bool> ThreadExistsAsync(string id, string user);

    /// <summary>Where the caller's thread sits in their list, or null.</summary>
    ValueTask<Position?> ThreadPositionAsync(string id, string user);

    /// <summary>Up to <paramref name="take"/> of the user's threads in order, after <paramref name="cursor"/> when given.</summary>
    ValueTask<List<ThreadRecord>> ThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken);

    /// <summary>
    /// The rows <see cref="ThreadsAsync"/> answers, for clients: a row whose stamp vouches for its client JSON
    /// (<see cref="WireStamps.VouchesThread"/>) as that JSON, without reading the rest of it; the others as their records.
    /// </summary>
    ValueTask<List<ClientThreadRow>> ClientThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken);

    /// <summary>Where an item sits in its thread, or null.</summary>
    ValueTask<Position?> ItemPositionAsync(string threadId, string id);

    /// <summary>An item's stored JSON, or null.</summary>
    ValueTask<string?> ItemJsonAsync(string threadId, string id);

    /// <summary>
    /// Up to <paramref name="take"/> of a thread's items in order (those the user sees when <paramref name="visibleOnly"/>), after
    /// <paramref name="cursor"/> when given. With <paramref name="jsonOfKinds"/>, a row of another kind may come without its JSON
    /// (an empty <see cref="ItemRow.Json"/>): the caller looks only at the rows of those kinds.
    /// </summary>
    ValueTask<List<ItemRow>> ItemsAsync(string threadId, bool asc, bool visibleOnly, Position? cursor, int take, CancellationToken cancellationToken,
        IReadOnlySet<string>? jsonOfKinds = null);
}

/// <summary>The rows through EF's compiled queries (<see cref="StoreQueries"/>) on one context, which the caller disposes.</summary>
internal sealed class EfStoreRows(ChatKitDbContext db, StoreQueries queries) : IStoreRows, IAsyncDisposable
{
    public async ValueTask<ThreadRecord?> ThreadAsync(string id, string user) => await queries.Thread(db, id, user);

    public async ValueTask<bool> ThreadExistsAsync(string id, string user) => await queries.ThreadExists(db, id, user);

    public async ValueTask<Position?> ThreadPositionAsync(string id, string user) => await queries.ThreadPosition(db, id, user);

    public async ValueTask<List<ThreadRecord>> ThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken) =>
        await (cursor is null
            ? asc ? queries.ThreadsAsc(db, user, take) : queries.ThreadsDesc(db, user, take)
            : asc ? queries.ThreadsAscAfter(db, user, cursor.CreatedAt, cursor.Sequence, take) : queries.ThreadsDescAfter(db, user, cursor.CreatedAt, cursor.Sequence, take))
            .ToListAsync(cancellationToken);

    public async ValueTask<List<ClientThreadRow>> ClientThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken) =>
        (await ThreadsAsync(user, asc, cursor, take, cancellationToken)).ConvertAll(ClientThreadRow.Of);

    public async ValueTask<Position?> ItemPositionAsync(string threadId, string id) => await queries.ItemPosition(db, threadId, id);

    public async ValueTask<string?> ItemJsonAsync(string threadId, string id) => await queries.ItemJson(db, threadId, id);

    public async ValueTask<List<ItemRow>> ItemsAsync(string threadId, bool asc, bool visibleOnly, Position? cursor, int take, CancellationToken cancellationToken,
        IReadOnlySet<string>? jsonOfKinds = null) =>
        await ((cursor, asc, visibleOnly) switch
        {
            (null, true, false) => queries.ItemsAsc(db, threadId, take),
            (null, false, false) => queries.ItemsDesc(db, threadId, take),
            (null, true, true) => queries.VisibleItemsAsc(db, threadId, take),
            (null, false, true) => queries.VisibleItemsDesc(db, threadId, take),
            ({ } c, true, false) => queries.ItemsAscAfter(db, threadId, c.CreatedAt, c.Sequence, take),
            ({ } c, false, false) => queries.ItemsDescAfter(db, threadId, c.CreatedAt, c.Sequence, take),
            ({ } c, true, true) => queries.VisibleItemsAscAfter(db, threadId, c.CreatedAt, c.Sequence, take),
            ({ } c, false, true) => queries.VisibleItemsDescAfter(db, threadId, c.CreatedAt, c.Sequence, take),
        }).ToListAsync(cancellationToken);

    public ValueTask DisposeAsync() => db.DisposeAsync();
}

/// <summary>A thread row on its way to a client: its client JSON when the row's stamp vouches for it, else the row.</summary>
internal readonly record struct ClientThreadRow(string Id, string? WireJson, ThreadRecord? Row)
{
    /// <summary>The row as its JSON when its stamp vouches for it (<see cref="WireStamps.VouchesThread"/>), else as itself.</summary>
    public static ClientThreadRow Of(ThreadRecord row) =>
        WireStamps.VouchesThread(row.WireStamp, row.Id, row.CreatedAt, row.UpdatedAt, row.WireJson) ? new(row.Id, row.WireJson, null) : new(row.Id, null, row);
}
