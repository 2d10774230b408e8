using System.Buffers;
using System.Globalization;
using System.Text;

namespace ChatKit;

/// <summary>
/// Puts a value that came with a request (an id, a path) into a message or a log line as text that stays on that line:
/// control characters (line feeds, carriage returns, NUL, the terminal's escape character …) and the Unicode line and
/// paragraph separators are written as escapes (<c>\n</c>, <c>\r</c>, <c>\u001B</c>), so a value cannot begin a forged
/// line in a text log or a terminal; and a value longer than asked is cut, saying how long it was, so that an error does
/// not send back, or a log keep, the hundred kilobytes a caller put in an id.
/// </summary>
public static class OneLineText
{
    private static readonly SearchValues<char> Breaking = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"
        + "\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F"
        + "\u2028\u2029");

    /// <summary>Whether <paramref name="value"/> holds a character <see cref="Of"/> would escape.</summary>
    public static bool NeedsEscaping(string value) => value.AsSpan().ContainsAny(Breaking);

    /// <summary>
    /// <paramref name="value"/> with its control characters escaped, and when longer than <paramref name="maxLength"/>
    /// characters, its first <paramref name="maxLength"/> followed by "… (N characters)". A value with neither is returned as it is.
    /// </summary>
    public static string Of(string value, int maxLength = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var shown = value.Length > maxLength ? value.AsSpan(0, maxLength) : value.AsSpan();
        if (shown.Length < value.Length && shown.Length > 0 && char.IsHighSurrogate(shown[^1])) shown = shown[..^1];
        var first = shown.IndexOfAny(Breaking);
        if (first < 0 && shown.Length == value.Length) return value;

        var text = new StringBuilder(shown.Length + 16);
        text.Append(shown[..(first < 0 ? shown.Length : first)]);
        if (first >= 0)
            foreach (var c in shown[first..])
                _ = c switch
                {
                    '\n' => text.Append("\\n"),
                    '\r' => text.Append("\\r"),
                    '\t' => text.Append("\\t"),
                    _ when Breaking.Contains(c) => text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
                    _ => text.Append(c),
                };
        if (shown.Length < value.Length)
            text.Append("… (").Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        return text.ToString();
    }
}
