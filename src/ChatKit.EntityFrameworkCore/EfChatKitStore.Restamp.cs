using System.Text.Json;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>What <see cref="EfChatKitStore.RestampStoredJsonAsync"/> did: rows stamped again, rows left as they were, rows read.</summary>
/// <param name="Items">Item rows whose JSON this build now vouches for (written again when its serializer writes it differently).</param>
/// <param name="Threads">Thread rows whose client JSON this build now vouches for.</param>
/// <param name="Skipped">Rows left as they were: changed while the pass looked at them (their own save stamped them), items
/// whose stored form is not their wire form (user messages with attachments), rows whose JSON does not read.</param>
/// <param name="Read">Rows the pass read: those after where this build's last pass stopped (all of them after an upgrade).</param>
public sealed record StoredJsonRestamp(int Items, int Threads, int Skipped, int Read);

public sealed partial class EfChatKitStore
{
    /// <summary>
    /// Stamps again, for this build, every row whose stamp does not vouch for its stored JSON (decision 0020): rows written by
    /// another build (every stamp changes with ChatKit or System.Text.Json, so after an upgrade or a .NET servicing update
    /// none vouch) or from before the stamps. Without this, such rows are read and written again on every list until they are
    /// saved. Walks items, then threads, <paramref name="batchSize"/> rows at a time in their stored order; each batch that has
    /// rows to stamp is one write (one transaction) through the store's write path, and a row is written only if it still
    /// holds what was read (its JSON for an item, its <c>UpdatedAt</c> for a thread): a save in between has stamped it itself.
    /// An item is written with this build's serialization of it, which is what its next save would write.
    /// <para>
    /// Where the walk has got to is kept with the build in <c>chatkit_store_state</c> (with each batch written, and every 32
    /// batches read), so a pass stopped by a shutdown goes on where it stopped, and the next pass by the same build reads only
    /// the rows added since (a large database is not walked in full at every start). What that leaves to their next save: rows
    /// before the mark that something else changed since, an older instance's updates during a rolling upgrade or a hand
    /// edit, which are read the long way as before. <paramref name="fromTheStart"/> walks every row whatever the mark says.
    /// </para>
    /// </summary>
    public async Task<StoredJsonRestamp> RestampStoredJsonAsync(int batchSize = 256, TimeSpan pause = default, bool fromTheStart = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int items = 0, threads = 0, skipped = 0, read = 0;
        var mark = fromTheStart ? RestampMark.Start : await ReadAsync(db => RestampMark.LoadAsync(db, cancellationToken), cancellationToken);
        for (var batches = 1; ; batches++)
        {
            var after = mark.Items;
            var rows = await ReadAsync(db => db.Items.AsNoTracking().Where(i => i.Sequence > after).OrderBy(i => i.Sequence).Take(batchSize)
                .Select(i => new { i.Sequence, i.Json, i.WireStamp }).ToListAsync(cancellationToken), cancellationToken);
            if (rows.Count == 0) break;
            read += rows.Count;
            mark = mark with { Items = rows[^1].Sequence };
            var stale = new List<(long Sequence, string Read, string Json, long Stamp)>();
            foreach (var row in rows.Where(r => !WireStamps.Vouches(r.WireStamp, r.Json)))
            {
                if (Restamped(row.Json) is { } again) stale.Add((row.Sequence, row.Json, again.Json, again.Stamp));
                else skipped++;
            }
            var written = await WriteAllAsync(stale, (db, s) => db.Items.Where(i => i.Sequence == s.Sequence && i.Json == s.Read)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.Json, s.Json).SetProperty(i => i.WireStamp, s.Stamp), cancellationToken),
                mark.SaveAsync, batches % 32 == 0, "RestampStoredJson", cancellationToken);
            items += written;
            skipped += stale.Count - written;
            await PauseAsync(pause, rows.Count, batchSize, cancellationToken);
        }
        for (var batches = 1; ; batches++)
        {
            var after = mark.Threads;
            var rows = await ReadAsync(db => db.Threads.AsNoTracking().Where(t => t.Sequence > after).OrderBy(t => t.Sequence).Take(batchSize)
                .ToListAsync(cancellationToken), cancellationToken);
            if (rows.Count == 0) break;
            read += rows.Count;
            mark = mark with { Threads = rows[^1].Sequence };
            var stale = new List<(long Sequence, DateTimeOffset UpdatedAt, string Json, long Stamp)>();
            foreach (var row in rows.Where(r => ClientThreadRow.Of(r).WireJson is null))
            {
                if (ClientJson(row) is { } json) stale.Add((row.Sequence, row.UpdatedAt, json, WireStamps.OfThread(row.Id, row.CreatedAt, row.UpdatedAt, json)));
                else skipped++;
            }
            var written = await WriteAllAsync(stale, (db, s) => db.Threads.Where(t => t.Sequence == s.Sequence && t.UpdatedAt == s.UpdatedAt)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.WireJson, s.Json).SetProperty(t => t.WireStamp, s.Stamp), cancellationToken),
                mark.SaveAsync, batches % 32 == 0, "RestampStoredJson", cancellationToken);
            threads += written;
            skipped += stale.Count - written;
            await PauseAsync(pause, rows.Count, batchSize, cancellationToken);
        }
        if (read > 0) await WriteAllAsync<int>([], (_, _) => Task.FromResult(0), mark.SaveAsync, saveMark: true, "RestampStoredJson", cancellationToken);
        return new StoredJsonRestamp(items, threads, skipped, read);
    }

    /// <summary>An item row's JSON as this build writes it and its stamp, or null when it has no wire form or does not read as an item.</summary>
    private static (string Json, long Stamp)? Restamped(string stored)
    {
        ThreadItem item;
        try
        {
            item = ChatKitStorageJson.Deserialize<ThreadItem>(stored);
        }
        catch (JsonException)
        {
            return null; // counted as skipped; reading it fails the same way for every request, and is reported there
        }
        var json = ChatKitStorageJson.Serialize(item);
        return WireStamps.For(item, json) is { } stamp ? (json, stamp) : null;
    }

    /// <summary>A thread row's client JSON as this build writes it, or null when its status or image domains do not read.</summary>
    private static string? ClientJson(ThreadRecord row)
    {
        try
        {
            return WireThread.ClientJsonOf(ToThread(row));
        }
        catch (JsonException)
        {
            return null; // counted as skipped: reading the thread fails the same way for every request
        }
    }

    /// <summary>
    /// Runs one update per row in one write (a transaction), with a background pass's mark saved in it
    /// (<paramref name="saveMarkAsync"/>) when there are rows or <paramref name="saveMark"/> asks; how many rows it changed.
    /// </summary>
    private async Task<int> WriteAllAsync<T>(List<T> rows, Func<ChatKitDbContext, T, Task<int>> update,
        Func<ChatKitDbContext, CancellationToken, Task> saveMarkAsync, bool saveMark, string operation, CancellationToken cancellationToken)
    {
        if (rows.Count == 0 && !saveMark) return 0;
        var written = 0;
        await WriteAsync(db => InTransactionAsync(db, async () =>
        {
            written = 0; // the work runs again when the provider's execution strategy retries the transaction
            foreach (var row in rows) written += await update(db, row);
            await saveMarkAsync(db, cancellationToken);
            return true;
        }, cancellationToken), cancellationToken, operation);
        return written;
    }

    private static Task PauseAsync(TimeSpan pause, int read, int batchSize, CancellationToken cancellationToken) =>
        pause > TimeSpan.Zero && read == batchSize ? Task.Delay(pause, cancellationToken) : Task.CompletedTask;
}
