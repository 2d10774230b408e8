using System.Text.Json;
using ChatKit.EntityFrameworkCore.Records;
using ChatKit.Json;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>The text filter of thread lists across users (the admin pages): decision 0022.</summary>
public static class ChatKitThreadSearch
{
    /// <summary>
    /// The threads whose title, or the text of one of whose items, contains <paramref name="query"/> ignoring case
    /// (<see cref="ChatKitSearchText"/>): what a person reads, never JSON property names or type tags, alike on every database.
    /// A row from before the search text columns (null until <see cref="EfChatKitStore.FillSearchTextAsync"/> reaches it) is
    /// matched as it was before them: its title as written, a visible item's stored JSON with the query as that JSON writes it.
    /// </summary>
    public static IQueryable<ThreadRecord> WhereTextContains(this IQueryable<ThreadRecord> threads, ChatKitDbContext db, string query)
    {
        var pattern = ChatKitSearchText.ContainsPattern(query);
        var titlePattern = Literal(query);
        var jsonPattern = Literal(JsonEncodedText.Encode(query, ChatKitJson.Options.Encoder).Value);
        return threads.Where(t =>
            (t.SearchText != null && EF.Functions.Like(t.SearchText, pattern, "\\"))
            || (t.SearchText == null && EF.Functions.Like(t.Title ?? "", titlePattern, "\\"))
            || db.Items.Any(i => i.ThreadId == t.Id
                && ((i.SearchText != null && EF.Functions.Like(i.SearchText, pattern, "\\"))
                    || (i.SearchText == null && i.Type != ItemTypes.HiddenContext && i.Type != ItemTypes.SdkHiddenContext
                        && EF.Functions.Like(i.Json, jsonPattern, "\\")))));
    }

    /// <summary>A pattern that finds <paramref name="text"/> as written (the rows from before the columns).</summary>
    private static string Literal(string text) => "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace("[", "\\[") + "%";
}
