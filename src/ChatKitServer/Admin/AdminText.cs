using System.Buffers;
using System.Globalization;
using System.Text;

namespace ChatKitServer.Admin;

/// <summary>
/// User text as the admin pages show it. The characters that reorder the text around them (the bidirectional
/// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the "Trojan Source" set) are shown as
/// <c>[U+202E]</c> instead of acting: a title, message or file name cannot make itself, or the page around it,
/// read otherwise than it is stored. Everything else is shown as it is (HTML-encoded by Razor).
/// </summary>
public static class AdminText
{
    private static readonly SearchValues<char> Reordering = SearchValues.Create("\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary><paramref name="text"/> with each reordering character replaced by its visible code point; null stays null.</summary>
    public static string? Visible(string? text)
    {
        if (text is null || text.AsSpan().IndexOfAny(Reordering) < 0) return text;
        var shown = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Reordering.Contains(c)) shown.Append("[U+").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append(']');
            else shown.Append(c);
        }
        return shown.ToString();
    }
}
