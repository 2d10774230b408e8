using System.Text.Json;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>The text filter of thread lists across users (the admin pages): decision 0022.</summary>
public static class ChatKitThreadSearch
{
    /// <summary>
    /// The threads whose title, or the text of one of whose items, contains <paramref name="query"/> ignoring case and accents
    /// (<see cref="ChatKitSearchText"/>): what a person reads, never JSON property names or type tags, alike on every database.
    /// A row from before the search text columns (null until <see cref="EfChatKitStore.FillSearchTextAsync"/> reaches it) is
    /// matched as it was before them: its title as written, a visible item's stored JSON with the query as that JSON writes it.
    /// While the fill pass rebuilds the text for new rules (<paramref name="rebuild"/>, from <see cref="RebuildAsync"/>), a row
    /// it has not reached yet also matches the query folded by the rules that wrote it, and an item of a kind those rules gave
    /// no text (a workflow, a task, a structured input) matches by its JSON, as a row without text does.
    /// </summary>
    public static IQueryable<ThreadRecord> WhereTextContains(this IQueryable<ThreadRecord> threads, ChatKitDbContext db, string query,
        SearchTextRebuild? rebuild = null)
    {
        var pattern = ChatKitSearchText.ContainsPattern(query);
        var titlePattern = Literal(query);
        var jsonPattern = Literal(JsonEncodedText.Encode(query, ChatKitJson.Options.Encoder).Value);
        if (rebuild is null || rebuild.FromVersion == 0)
        {
            return threads.Where(t =>
                (t.SearchText != null && EF.Functions.Like(t.SearchText, pattern, "\\"))
                || (t.SearchText == null && EF.Functions.Like(t.Title ?? "", titlePattern, "\\"))
                || db.Items.Any(i => i.ThreadId == t.Id
                    && ((i.SearchText != null && EF.Functions.Like(i.SearchText, pattern, "\\"))
                        || (i.SearchText == null && i.Type != ItemTypes.HiddenContext && i.Type != ItemTypes.SdkHiddenContext
                            && EF.Functions.Like(i.Json, jsonPattern, "\\")))));
        }
        // A row the rebuild has not reached matching the query folded the new way is found anyway; what the older rules folded
        // differently (ß, accents) needs their pattern. On a row already rebuilt the older pattern finds nothing the new one misses:
        // text folded the new way holds the older fold of a query only where it holds the new one.
        var olderPattern = ChatKitSearchText.FoldOf(rebuild.FromVersion) is { } fold ? Literal(fold(query)) : pattern;
        var gained = ChatKitSearchText.KindsGainedTextSince(rebuild.FromVersion);
        var itemsAfter = rebuild.Items;
        var threadsAfter = rebuild.Threads;
        return threads.Where(t =>
            (t.SearchText != null && (EF.Functions.Like(t.SearchText, pattern, "\\")
                || (t.Sequence > threadsAfter && EF.Functions.Like(t.SearchText, olderPattern, "\\"))))
            || (t.SearchText == null && EF.Functions.Like(t.Title ?? "", titlePattern, "\\"))
            || db.Items.Any(i => i.ThreadId == t.Id
                && ((i.SearchText != null && (EF.Functions.Like(i.SearchText, pattern, "\\")
                        || (i.Sequence > itemsAfter && (EF.Functions.Like(i.SearchText, olderPattern, "\\")
                            || (gained && (i.Type == ItemTypes.Workflow || i.Type == ItemTypes.Task || i.Type == ItemTypes.StructuredInput)
                                && EF.Functions.Like(i.Json, jsonPattern, "\\"))))))
                    || (i.SearchText == null && i.Type != ItemTypes.HiddenContext && i.Type != ItemTypes.SdkHiddenContext
                        && EF.Functions.Like(i.Json, jsonPattern, "\\")))));
    }

    /// <summary>
    /// The rebuild of the search text under way (<see cref="WhereTextContains"/> allows for it), or null when every row's text
    /// is of these rules: read from the fill pass's mark in <c>chatkit_store_state</c>.
    /// </summary>
    public static async Task<SearchTextRebuild?> RebuildAsync(ChatKitDbContext db, CancellationToken cancellationToken = default) =>
        (await SearchTextMark.LoadAsync(db, cancellationToken)).Rebuild;

    /// <summary>A pattern that finds <paramref name="text"/> as written (the rows from before the columns).</summary>
    private static string Literal(string text) => "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace("[", "\\[") + "%";
}
