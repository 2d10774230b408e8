using ChatKit;

namespace ChatKitServer.Assistant.Tools;

/// <summary>
/// Searches through any <see cref="IChatKitStore"/>: the caller's most recent threads and their
/// first items, case-insensitively. Bounded (threads and items per thread) so a search costs the
/// same whatever the history; stores with a query language can register a faster
/// <see cref="IThreadSearch"/>.
/// </summary>
public sealed class StoreThreadSearch(IChatKitStore store) : IThreadSearch
{
    private const int ThreadsScanned = 200;
    private const int ItemsPerThread = 100;

    public async Task<IReadOnlyList<ThreadSearchHit>> SearchAsync(ChatKitContext context, string query, int limit, CancellationToken cancellationToken)
    {
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var hits = new List<ThreadSearchHit>();
        string? after = null;
        var scanned = 0;
        while (scanned < ThreadsScanned && hits.Count < limit)
        {
            var page = await store.LoadThreadsAsync(50, after, SortOrder.Desc, context, cancellationToken);
            foreach (var thread in page.Data)
            {
                scanned++;
                if (await MatchAsync(thread, words, context, cancellationToken) is { } hit)
                {
                    hits.Add(hit);
                    if (hits.Count == limit) break;
                }
            }
            if (!page.HasMore || page.After is null) break;
            after = page.After;
        }
        return hits;
    }

    private async Task<ThreadSearchHit?> MatchAsync(ThreadMetadata thread, string[] words, ChatKitContext context, CancellationToken ct)
    {
        if (thread.Title is { } title && ContainsAll(title, words))
            return new ThreadSearchHit(thread.Id, thread.Title, title, thread.CreatedAt);
        var items = await store.LoadThreadItemsAsync(thread.Id, null, ItemsPerThread, SortOrder.Asc, context, ct);
        foreach (var item in items.Data)
        {
            var text = item switch
            {
                UserMessageItem u => u.Text,
                AssistantMessageItem a => a.Text,
                _ => null,
            };
            if (text is not null && ContainsAll(text, words))
                return new ThreadSearchHit(thread.Id, thread.Title, Snippet(text, words[0]), thread.CreatedAt);
        }
        return null;
    }

    private static bool ContainsAll(string text, string[] words) => words.All(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));

    private static string Snippet(string text, string word)
    {
        var at = Math.Max(0, text.IndexOf(word, StringComparison.OrdinalIgnoreCase) - 60);
        if (at > 0 && char.IsLowSurrogate(text[at]) && char.IsHighSurrogate(text[at - 1])) at--; // never start in half a character
        var snippet = TextClip.Prefix(text[at..], 200);
        return (at > 0 ? "…" : "") + snippet + (at + snippet.Length < text.Length ? "…" : "");
    }
}
