namespace ChatKit;

/// <summary>Titles made without a model.</summary>
public static class ThreadTitles
{
    /// <summary>How many characters of the message <see cref="FromMessage"/> keeps.</summary>
    public const int FromMessageLength = 50;

    /// <summary>The message's first <see cref="FromMessageLength"/> characters (whitespace runs as one space), with "..." when cut; null for a blank message.</summary>
    public static string? FromMessage(string text)
    {
        var flat = Flatten(text);
        return flat.Length == 0 ? null : flat.Length <= FromMessageLength ? flat : TextClip.Prefix(flat, FromMessageLength).TrimEnd() + "...";
    }

    /// <summary>
    /// <paramref name="text"/> as one line: runs of whitespace (line breaks included) as one space, other control characters
    /// (NUL among them, which PostgreSQL cannot store) left out, no space at either end.
    /// </summary>
    public static string Flatten(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var visible = text.Any(c => char.IsControl(c) && !char.IsWhiteSpace(c)) ? string.Concat(text.Where(c => !char.IsControl(c) || char.IsWhiteSpace(c))) : text;
        return string.Join(' ', visible.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
