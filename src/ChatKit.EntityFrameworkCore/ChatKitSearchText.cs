using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// What a text search of threads looks in (the <c>SearchText</c> columns, decision 0022): the text a person sees of a thread or
/// an item, never its JSON, folded here in C# (<see cref="Fold"/>) so that every database compares the same characters with a
/// plain, case-sensitive <c>LIKE</c>, whatever its collation. An item's text is its message text (a user's typed text and tags,
/// the text it quotes, its attachments' names; an assistant's text parts), a widget's copy text and the text it shows (the values
/// of its <c>Text</c>, <c>Title</c>, <c>Caption</c>, <c>Markdown</c> and <c>Label</c> components, the labels of its buttons,
/// badges, checkboxes and options, its status and its confirm and cancel buttons), a workflow's summary title and its tasks, a
/// task's title and content (a search's queries, the titles and file names of its sources), a structured input's questions,
/// descriptions, options and answers; other items (hidden context, tool calls, images, end of turn) have none. Parts are joined
/// with a line break.
/// </summary>
public static class ChatKitSearchText
{
    /// <summary>
    /// The version of these rules. Raise it when they change (another item kind, another fold): the store's fill pass then makes
    /// every row's text again (<c>EfChatKitStore.FillSearchTextAsync</c>), and until it is through, a search also matches the
    /// rows it has not reached the way the older rules wrote them (<see cref="ChatKitThreadSearch"/>).
    /// Version 1: lower case (simple case mapping) and NFC; messages and widget text components only.
    /// Version 2: <see cref="Fold"/> as it is now (compatibility forms, no accents, <c>ß</c> = <c>ss</c>, …); workflows, tasks,
    /// structured input, widget labels.
    /// </summary>
    public const int Version = 2;

    /// <summary>The escape character of the patterns <see cref="ContainsPattern"/> writes.</summary>
    public const string LikeEscape = "\\";

    private static readonly HashSet<string> TextComponents = ["Text", "Title", "Caption", "Markdown", "Label"];
    private static readonly HashSet<string> LabelComponents = ["Button", "Badge", "Checkbox"];

    /// <summary>Letters that neither decompose nor lower to what a person types for them, after lowering (see <see cref="Fold"/>).</summary>
    private static readonly SearchValues<char> Special = SearchValues.Create("\u00df\u03c2\u0131\u0142\u0111\u0127\u0167\u00f8\u00e6\u0153\u0345");

    /// <summary>
    /// Each BMP character's fold, composed, made by <see cref="FoldCharacters"/> the first time a character of its block of 256
    /// is folded: text costs a lookup per character, not a normalization and a trip to ICU per run (2 KB of Greek: 386 µs that way).
    /// </summary>
    private static readonly Entry[]?[] Pages = new Entry[]?[256];

    /// <summary>A character's fold, and whether it may compose with what comes before it (a combining mark, a Hangul vowel or final).</summary>
    private readonly record struct Entry(string Text, bool Composes);

    /// <summary>
    /// <paramref name="text"/> as it is searched, so that what an admin types finds what people wrote however either was typed:
    /// compatibility forms are the plain ones (NFKD: <c>ﬁ</c> is <c>fi</c>, full-width <c>Ａ</c> is <c>A</c>, <c>²</c> is <c>2</c>);
    /// accents and other combining diacritics (U+0300–U+036F) are dropped (<c>creme</c> finds <c>Crème</c>, Turkish <c>İ</c> is
    /// <c>i</c>); then invariant lower case, with the full case folds lowering leaves (<c>ß</c>/<c>ẞ</c> are <c>ss</c>, final
    /// <c>ς</c> is <c>σ</c>, the Greek iota subscript is <c>ι</c>) and letters a keyboard without them types plainly (<c>ı</c>
    /// <c>i</c>, <c>ł</c> <c>l</c>, <c>đ</c> <c>d</c>, <c>ħ</c> <c>h</c>, <c>ŧ</c> <c>t</c>, <c>ø</c> <c>o</c>, <c>æ</c> <c>ae</c>,
    /// <c>œ</c> <c>oe</c>); the result in composed form (NFC: Hangul syllables, kana with their voicing marks). NUL is dropped
    /// and lone surrogates are U+FFFD. A query is folded the same way.
    /// </summary>
    public static string Fold(string text)
    {
        var source = text.AsSpan();
        // ASCII, most text: lower case in one copy.
        if (source.IndexOfAnyExceptInRange('\u0001', '\u007f') < 0)
            return string.Create(text.Length, text, static (destination, source) => Ascii.ToLower(source, destination, out _));
        // A fold is longer than its character only for ligatures, ß and compatibility forms: room for that, grown when short.
        var folded = ArrayPool<char>.Shared.Rent(text.Length + 64);
        var length = 0;
        var composes = false;
        try
        {
            for (var i = 0; i < source.Length;)
            {
                if (folded.Length - length < 32) Grow(ref folded, length, 32);
                var c = source[i];
                if (c is > '\0' and < '\u0080' && (i + 1 == source.Length || source[i + 1] >= '\u0080'))
                {
                    folded[length++] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c; // a space or a digit between other letters
                    i++;
                }
                else if (c is > '\0' and < '\u0080')
                {
                    var run = source[i..].IndexOfAnyExceptInRange('\u0001', '\u007f');
                    var end = run < 0 ? source.Length : i + run;
                    if (folded.Length - length < end - i) Grow(ref folded, length, end - i); // after folds longer than their text
                    Ascii.ToLower(source[i..end], folded.AsSpan(length, end - i), out var written);
                    length += written;
                    i = end;
                }
                else if (char.IsSurrogate(c))
                {
                    // Outside the BMP (emoji, historic scripts, mathematical letters): rare, folded as they come.
                    string part;
                    if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
                    {
                        part = FoldCharacters(source.Slice(i, 2));
                        composes = true;
                        i += 2;
                    }
                    else
                    {
                        part = "\ufffd"; // as the stored JSON writes it; PostgreSQL's driver refuses a lone surrogate
                        i++;
                    }
                    if (folded.Length - length < part.Length) Grow(ref folded, length, part.Length);
                    part.CopyTo(folded.AsSpan(length));
                    length += part.Length;
                }
                else
                {
                    var entry = (Pages[c >> 8] ?? MakePage(c >> 8))[c & 0xff];
                    if (entry.Text.Length == 1) folded[length++] = entry.Text[0];
                    else
                    {
                        entry.Text.CopyTo(folded.AsSpan(length)); // at most 18 characters (U+FDFA)
                        length += entry.Text.Length;
                    }
                    composes |= entry.Composes;
                    i++;
                }
            }
            var result = new string(folded, 0, length);
            // Each character's fold is composed; only a mark or a Hangul vowel may compose with what came before it.
            return composes ? Composed(result) : result;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(folded);
        }
    }

    /// <summary><paramref name="text"/> in NFC; as it is when it holds a noncharacter (U+FFFE, …), which normalization refuses.</summary>
    private static string Composed(string text)
    {
        try
        {
            return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    private static void Grow(ref char[] buffer, int length, int needed)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(buffer.Length * 2, length + needed));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(buffer);
        buffer = larger;
    }

    /// <summary>The fold of <paramref name="characters"/> (whole code points, no lone surrogate), before composition.</summary>
    private static string FoldCharacters(ReadOnlySpan<char> characters)
    {
        var text = new string(characters);
        try
        {
            if (!text.IsNormalized(NormalizationForm.FormKD)) text = text.Normalize(NormalizationForm.FormKD);
        }
        catch (ArgumentException)
        {
            return text; // a noncharacter (U+FFFE, U+1FFFE, …): normalization refuses it, and it has no case
        }
        // Diacritics go, but the Greek iota subscript (U+0345) is a letter to case folding: ᾳ is αι.
        if (text.AsSpan().IndexOfAnyInRange('\u0300', '\u036f') >= 0)
            text = string.Concat(text.Where(c => c is < '\u0300' or > '\u036f' or '\u0345'));
        // Upper then lower case: the letters whose capital lowers to another letter (ς, ſ, ı, ᲀ, the iota subscript) go with it.
        text = text.ToUpperInvariant().ToLowerInvariant();
        if (text.AsSpan().IndexOfAny(Special) < 0) return text;
        var mapped = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            mapped.Append(c switch
            {
                '\u00df' => "ss", '\u03c2' => "\u03c3", '\u0345' => "\u03b9", '\u0131' => "i", '\u0142' => "l", '\u0111' => "d",
                '\u0127' => "h", '\u0167' => "t", '\u00f8' => "o", '\u00e6' => "ae", '\u0153' => "oe", _ => null,
            } ?? c.ToString());
        }
        return mapped.ToString();
    }

    private static Entry[] MakePage(int page)
    {
        var entries = new Entry[256];
        for (var low = 0; low < 256; low++)
        {
            var c = (char)(page << 8 | low);
            if (c == '\0') entries[low] = new Entry("", false); // PostgreSQL takes no NUL in a text value (the JSON holds it escaped)
            else if (char.IsSurrogate(c)) entries[low] = new Entry("\ufffd", false); // never looked up: Fold takes surrogates itself
            else
            {
                var text = Composed(FoldCharacters([c]));
                entries[low] = new Entry(text, text.Any(t => char.GetUnicodeCategory(t) is UnicodeCategory.NonSpacingMark
                    or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark || t is >= '\u1100' and <= '\u11ff'));
            }
        }
        // Two threads may make the same page: both make the same entries.
        Volatile.Write(ref Pages[page], entries);
        return entries;
    }

    /// <summary>
    /// The fold of rules version 1 (invariant lower case, NFC), kept so that a search during the rebuild to the current rules still
    /// finds the rows the rebuild has not reached (<see cref="ChatKitThreadSearch"/>).
    /// </summary>
    internal static string FoldVersion1(string text)
    {
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
        if (lower.Contains('\0')) lower = lower.Replace("\0", "");
        if (lower.AsSpan().IndexOfAnyInRange('\u0300', '\uffff') < 0) return lower;
        if (Utf16.HasLoneSurrogate(lower)) lower = Utf16.ReplaceLoneSurrogates(lower);
        return lower.IsNormalized(NormalizationForm.FormC) ? lower : lower.Normalize(NormalizationForm.FormC);
    }

    /// <summary>The fold of an older rules version, or null when this build does not know it (0: rows from before the column).</summary>
    internal static Func<string, string>? FoldOf(int version) => version switch
    {
        1 => FoldVersion1,
        Version => Fold,
        _ => null,
    };

    /// <summary>Item kinds that had no text under rules <paramref name="version"/> and have some now.</summary>
    internal static bool KindsGainedTextSince(int version) => version is 1;

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
        WorkflowItem workflow => Join([(workflow.Workflow.Summary as CustomSummary)?.Title, .. workflow.Workflow.Tasks.SelectMany(TaskTexts)]),
        TaskItem task => Join(TaskTexts(task.Task)),
        StructuredInputItem input => Join(input.Inputs.SelectMany(InputTexts)),
        _ => "",
    };

    /// <summary>What a task shows: its title, content, a search's query, queries and sources, a file step's files.</summary>
    private static IEnumerable<string?> TaskTexts(WorkflowTask? task) => task switch
    {
        null => [],
        CustomTask custom => [custom.Title, custom.Content],
        ThoughtTask thought => [thought.Title, thought.Content],
        SearchTask search => [search.Title, search.TitleQuery, .. search.Queries, .. search.Sources.SelectMany(SourceTexts)],
        FileTask file => [file.Title, .. file.Sources.SelectMany(SourceTexts)],
        _ => [task.Title],
    };

    private static IEnumerable<string?> SourceTexts(Source? source) =>
        source is null ? [] : [source.Title, source.Description, (source as FileSource)?.Filename];

    /// <summary>What a question shows: the question, its description or options, and the answer given.</summary>
    private static IEnumerable<string?> InputTexts(StructuredInput? input) => input switch
    {
        null => [],
        StructuredInputMultipleChoice choice => [choice.Question, .. choice.Options.Select(o => o?.Value), .. input.Answer?.Values ?? []],
        StructuredInputFreeform free => [free.Question, free.Description, .. input.Answer?.Values ?? []],
        _ => [input.Question, .. input.Answer?.Values ?? []],
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
                if (component["type"] is JsonValue kind && kind.TryGetValue<string>(out var type))
                {
                    if (TextComponents.Contains(type)) Add(component["value"], texts);
                    else if (LabelComponents.Contains(type)) Add(component["label"], texts);
                    else if (type is "Select" or "RadioGroup" && component["options"] is JsonArray options)
                        foreach (var option in options) Add((option as JsonObject)?["label"], texts);
                    else if (type is "Card" or "ListView")
                    {
                        // As a card shows them: its status above, its children, its buttons below.
                        Add((component["status"] as JsonObject)?["text"], texts);
                        Collect(component["children"], texts);
                        Add((component["confirm"] as JsonObject)?["label"], texts);
                        Add((component["cancel"] as JsonObject)?["label"], texts);
                        break;
                    }
                }
                foreach (var (_, child) in component) Collect(child, texts);
                break;
            case JsonArray list:
                foreach (var child in list) Collect(child, texts);
                break;
        }
    }

    private static void Add(JsonNode? node, List<string> texts)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text)) texts.Add(text);
    }
}
