using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// What a text search of threads looks in (the <c>SearchText</c> columns, decision 0022): the text a person sees of a thread or
/// an item, never its JSON, folded here in C# (<see cref="Fold"/>) so that every database compares the same characters with a
/// plain, case-sensitive <c>LIKE</c>, whatever its collation. An item's text is its message text (a user's typed text and tags,
/// the text it quotes, its attachments' names; an assistant's text parts), a widget's copy text and the values of its
/// <c>Text</c>, <c>Title</c>, <c>Caption</c>, <c>Markdown</c> and <c>Label</c> components; other items (hidden context, tool
/// calls, workflows, tasks, images, structured input, end of turn) have none. Parts are joined with a line break.
/// </summary>
public static class ChatKitSearchText
{
    /// <summary>
    /// The version of these rules. Raise it when they change (another item kind, another fold): the store's fill pass then makes
    /// every row's text again (<c>EfChatKitStore.FillSearchTextAsync</c>).
    /// </summary>
    public const int Version = 1;

    /// <summary>The escape character of the patterns <see cref="ContainsPattern"/> writes.</summary>
    public const string LikeEscape = "\\";

    private static readonly HashSet<string> TextComponents = ["Text", "Title", "Caption", "Markdown", "Label"];

    /// <summary>
    /// <paramref name="text"/> as it is searched: Unicode lower case (<see cref="string.ToLowerInvariant"/>: <c>É</c> and <c>é</c>,
    /// <c>Σ</c> and <c>σ</c> are one), in composed form (an <c>e</c> with a combining accent is <c>é</c>). A query is folded the same way.
    /// </summary>
    public static string Fold(string text)
    {
        // Simple case mapping keeps the length. Latin-1 is lowered here (A-Z, and À-Þ but ×); only runs of other letters go to
        // ICU, which lowering the whole string would do from its first non-ASCII letter on (2 KB of French: 18 us, here 2 us).
        var lower = string.Create(text.Length, text, static (destination, source) =>
        {
            for (var i = 0; i < source.Length;)
            {
                var ascii = source.AsSpan(i).IndexOfAnyExceptInRange('\0', '\u007f');
                var end = ascii < 0 ? source.Length : i + ascii;
                Ascii.ToLower(source.AsSpan(i, end - i), destination[i..end], out _);
                for (i = end; i < source.Length && source[i] is >= '\u0080' and <= '\u00ff'; i++)
                    destination[i] = source[i] is >= '\u00C0' and <= '\u00DE' and not '\u00D7' ? (char)(source[i] + 32) : source[i];
                if (i == source.Length || source[i] < '\u0080') continue;
                var other = source.AsSpan(i).IndexOfAnyInRange('\0', '\u00ff');
                end = other < 0 ? source.Length : i + other;
                source.AsSpan(i, end - i).ToLowerInvariant(destination[i..end]);
                i = end;
            }
        });
        // PostgreSQL takes no NUL in a text value (the JSON columns hold it escaped as \u0000): a message may carry one, and
        // its save must not fail for its search text.
        if (lower.Contains('\0')) lower = lower.Replace("\0", "");
        // Below U+0300 (Latin, Latin-1, Latin Extended, IPA) every string is already composed: no combining mark to compose.
        if (lower.AsSpan().IndexOfAnyInRange('\u0300', '\uffff') < 0) return lower;
        if (Utf16.HasLoneSurrogate(lower)) lower = Utf16.ReplaceLoneSurrogates(lower);
        return lower.IsNormalized(NormalizationForm.FormC) ? lower : lower.Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// Lone surrogates become U+FFFD, as the stored JSON writes them: PostgreSQL's driver refuses to send one (the save
    /// of the whole item failed), and normalization throws on one.
    /// </summary>
    private static class Utf16
    {
        public static bool HasLoneSurrogate(string text)
        {
            var span = text.AsSpan();
            for (var i = span.IndexOfAnyInRange('\ud800', '\udfff'); i >= 0 && i < span.Length; i++)
            {
                if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) i++;
                else if (char.IsSurrogate(span[i])) return true;
            }
            return false;
        }

        public static string ReplaceLoneSurrogates(string text) => string.Create(text.Length, text, static (destination, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                if (char.IsHighSurrogate(source[i]) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
                {
                    destination[i] = source[i];
                    destination[++i] = source[i];
                }
                else destination[i] = char.IsSurrogate(source[i]) ? '\ufffd' : source[i];
            }
        });
    }

    /// <summary>A thread's search text: its title, folded ("" without one).</summary>
    public static string OfTitle(string? title) => title is null ? "" : Fold(title);

    /// <summary>
    /// An item's search text, folded ("" for items with no text a person reads). A null in one of its lists (stored JSON may
    /// hold <c>"content": [null]</c>: nullable annotations are not enforced on list elements) is passed over.
    /// </summary>
    public static string Of(ThreadItem item) => item switch
    {
        UserMessageItem user => Join([user.Text, user.QuotedText, .. user.Attachments.Select(a => a?.Name)]),
        AssistantMessageItem assistant => Fold(string.Concat(assistant.Content.Select(c => c?.Text))),
        WidgetItem widget => Join([widget.CopyText, .. WidgetTexts(widget)]),
        _ => "",
    };

    /// <summary>
    /// A <c>LIKE</c> pattern (escape character <see cref="LikeEscape"/>) that finds the folded <paramref name="query"/> anywhere:
    /// <c>%</c>, <c>_</c>, <c>[</c> (a character class on SQL Server) and the escape character itself stand for themselves.
    /// </summary>
    public static string ContainsPattern(string query) =>
        "%" + Fold(query).Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace("[", "\\[") + "%";

    private static string Join(IEnumerable<string?> parts) => Fold(string.Join('\n', parts.Where(p => !string.IsNullOrEmpty(p))));

    private static IEnumerable<string> WidgetTexts(WidgetItem item)
    {
        var texts = new List<string>();
        Collect(JsonSerializer.SerializeToNode(item.Widget, ChatKitJson.Context.WidgetRoot), texts);
        return texts;
    }

    private static void Collect(JsonNode? node, List<string> texts)
    {
        switch (node)
        {
            case JsonObject component:
                if (component["type"] is JsonValue kind && kind.TryGetValue<string>(out var type) && TextComponents.Contains(type)
                    && component["value"] is JsonValue value && value.TryGetValue<string>(out var text))
                    texts.Add(text);
                foreach (var (_, child) in component) Collect(child, texts);
                break;
            case JsonArray list:
                foreach (var child in list) Collect(child, texts);
                break;
        }
    }
}
