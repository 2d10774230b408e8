using System.Globalization;
using System.Text.Json;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>What <see cref="EfChatKitStore.FillSearchTextAsync"/> did: rows whose search text it wrote, rows it left, rows it read.</summary>
/// <param name="Items">Item rows whose <c>SearchText</c> it wrote.</param>
/// <param name="Threads">Thread rows whose <c>SearchText</c> it wrote.</param>
/// <param name="Skipped">Rows left as they were: saved while the pass looked at them (their save wrote the text), items whose JSON does not read.</param>
/// <param name="Read">Rows read: those after where the last pass stopped (all of them the first time).</param>
/// <param name="RebuiltFrom">
/// When the pass made every row's text again for these rules (<see cref="ChatKitSearchText.Version"/>), the rules version the
/// rows had before (1 or more); null when it wrote only the rows without text.
/// </param>
public sealed record SearchTextFill(int Items, int Threads, int Skipped, int Read, int? RebuiltFrom = null);

public sealed partial class EfChatKitStore
{
    /// <summary>
    /// Writes the search text (<see cref="ChatKitSearchText"/>, decision 0022) of rows that have none: rows from before the
    /// <c>SearchText</c> columns, and rows an older version added since. The text is made from each row's JSON (an item) or title
    /// (a thread) by the same code a save uses, which SQL in a migration could not do alike on three databases (SQLite's
    /// <c>lower()</c> folds ASCII only). Until a row is filled, a search matches it the way it did before the columns
    /// (<see cref="ChatKitThreadSearch"/>). Walks items, then threads, <paramref name="batchSize"/> rows at a time in their stored
    /// order; each batch with rows to fill is one write through the store's write path, and a row is written only if it still
    /// holds what was read (its JSON, its title). Where the walk got to is kept in <c>chatkit_store_state</c>
    /// (<c>search_text_fill</c>) with the version of the rules (<see cref="ChatKitSearchText.Version"/>): the next pass reads only
    /// rows added since; a mark of other rules makes the pass read every row again and rewrite each whose text changed.
    /// </summary>
    public async Task<SearchTextFill> FillSearchTextAsync(int batchSize = 256, TimeSpan pause = default, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int items = 0, threads = 0, skipped = 0, read = 0;
        var saved = await ReadAsync(db => SearchTextMark.LoadAsync(db, cancellationToken), cancellationToken);
        // Rules of another version: every row's text is made again, not only the missing ones, and the mark says so until the
        // last row is done, so that a pass stopped partway (the process killed, the host stopped) is taken up where it got to by
        // the next one instead of leaving the rows after it with the older rules' text. A rebuild over a rebuild keeps the
        // older of the two versions: rows the first did not reach still have that one's text.
        var mark = saved.Version != ChatKitSearchText.Version
            ? SearchTextMark.Start with { RebuildFrom = saved.RebuildFrom ?? saved.Version }
            : saved;
        var everyRow = mark.RebuildFrom is not null;
        for (var batches = 1; ; batches++)
        {
            var after = mark.Items;
            var rows = await ReadAsync(db => db.Items.AsNoTracking().Where(i => i.Sequence > after).OrderBy(i => i.Sequence).Take(batchSize)
                // The JSON only of rows to fill: after a restart the pass walks every row added since the last mark, most of them filled.
                .Select(i => new { i.Sequence, Json = everyRow || i.SearchText == null ? i.Json : null, i.SearchText }).ToListAsync(cancellationToken), cancellationToken);
            if (rows.Count == 0) break;
            read += rows.Count;
            mark = mark with { Items = rows[^1].Sequence };
            var stale = new List<(long Sequence, string Json, string Text)>();
            foreach (var row in rows.Where(r => everyRow || r.SearchText is null))
            {
                if (ItemText(row.Json!) is not { } text) skipped++;
                else if (text != row.SearchText) stale.Add((row.Sequence, row.Json!, text));
            }
            var written = await WriteAllAsync(stale, (db, s) => db.Items.Where(i => i.Sequence == s.Sequence && i.Json == s.Json)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.SearchText, s.Text), cancellationToken), mark.SaveAsync, batches % 32 == 0, "FillSearchText", cancellationToken);
            items += written;
            skipped += stale.Count - written;
            await PauseAsync(pause, rows.Count, batchSize, cancellationToken);
        }
        for (var batches = 1; ; batches++)
        {
            var after = mark.Threads;
            var rows = await ReadAsync(db => db.Threads.AsNoTracking().Where(t => t.Sequence > after).OrderBy(t => t.Sequence).Take(batchSize)
                .Select(t => new { t.Sequence, t.Title, t.SearchText }).ToListAsync(cancellationToken), cancellationToken);
            if (rows.Count == 0) break;
            read += rows.Count;
            mark = mark with { Threads = rows[^1].Sequence };
            var stale = rows.Where(r => (everyRow || r.SearchText is null) && ChatKitSearchText.OfTitle(r.Title) != r.SearchText)
                .Select(r => (r.Sequence, r.Title, Text: ChatKitSearchText.OfTitle(r.Title))).ToList();
            var written = await WriteAllAsync(stale, (db, s) => db.Threads.Where(t => t.Sequence == s.Sequence && t.Title == s.Title)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.SearchText, s.Text), cancellationToken), mark.SaveAsync, batches % 32 == 0, "FillSearchText", cancellationToken);
            threads += written;
            skipped += stale.Count - written;
            await PauseAsync(pause, rows.Count, batchSize, cancellationToken);
        }
        var rebuiltFrom = mark.RebuildFrom is > 0 ? mark.RebuildFrom : null;
        mark = mark with { RebuildFrom = null };
        if (read > 0 || mark != saved) await WriteAllAsync<int>([], (_, _) => Task.FromResult(0), mark.SaveAsync, saveMark: true, "FillSearchText", cancellationToken);
        return new SearchTextFill(items, threads, skipped, read, rebuiltFrom);
    }

    /// <summary>An item row's search text, or null when its JSON does not read as an item (a search then matches its JSON, as before).</summary>
    private static string? ItemText(string json)
    {
        try
        {
            return ChatKitSearchText.Of(ChatKitStorageJson.Deserialize<ThreadItem>(json));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Where <see cref="EfChatKitStore.FillSearchTextAsync"/> has got to, under which rules: one row of <c>chatkit_store_state</c>,
/// <c>"{version} {items} {threads}"</c> (the last item and thread <c>Sequence</c> read), and while a pass remakes every row for
/// rules of a new version, <c>"{version} {items} {threads} {from}"</c>: rows after the two are still as rules <c>from</c> wrote
/// them (0: rows from before the column, or a mark that did not read). Empty or unreadable: version 0, no row read.
/// </summary>
internal readonly record struct SearchTextMark(int Version, long Items, long Threads, int? RebuildFrom = null)
{
    /// <summary>The row's key in <c>chatkit_store_state</c> (the migration <c>SearchText</c> adds it).</summary>
    public const string Key = "search_text_fill";

    /// <summary>These rules' mark before any row.</summary>
    public static SearchTextMark Start => new(ChatKitSearchText.Version, 0, 0);

    public static async Task<SearchTextMark> LoadAsync(ChatKitDbContext db, CancellationToken cancellationToken) =>
        Parse(await StoreStateRow.LoadAsync(db, Key, cancellationToken));

    public static SearchTextMark Parse(string? value)
    {
        int? from = null;
        // The fourth number, while a rebuild is under way.
        if (value?.Split(' ') is { Length: 4 } parts)
        {
            if (!int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return default;
            from = version;
            value = string.Join(' ', parts[..3]);
        }
        return StoreStateRow.TryParseMark(value, out var rules, out var items, out var threads) && rules is >= 0 and <= int.MaxValue
            ? new SearchTextMark((int)rules, items, threads, from)
            : default;
    }

    /// <summary>
    /// What a search must allow for: null when every row's text is of these rules (or null), else which older rules the rows
    /// after which sequences may still have.
    /// </summary>
    public SearchTextRebuild? Rebuild => Version != ChatKitSearchText.Version ? new SearchTextRebuild(Version, 0, 0)
        : RebuildFrom is { } from ? new SearchTextRebuild(from, Items, Threads)
        : null;

    public Task SaveAsync(ChatKitDbContext db, CancellationToken cancellationToken) =>
        StoreStateRow.SaveAsync(db, Key, RebuildFrom is { } from
            ? string.Create(CultureInfo.InvariantCulture, $"{Version} {Items} {Threads} {from}")
            : string.Create(CultureInfo.InvariantCulture, $"{Version} {Items} {Threads}"), cancellationToken);
}

/// <summary>
/// A rebuild of the search text under way (<see cref="ChatKitSearchText.Version"/> raised): item rows after <paramref name="Items"/>
/// and thread rows after <paramref name="Threads"/> (their <c>Sequence</c>) may still hold text as rules <paramref name="FromVersion"/>
/// folded it (0: none, rows from before the column).
/// </summary>
public sealed record SearchTextRebuild(int FromVersion, long Items, long Threads);
