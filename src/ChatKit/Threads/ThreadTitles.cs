namespace ChatKit;

/// <summary>Titles made without a model.</summary>
public static class ThreadTitles
{
    /// <summary>How many characters of the message <see cref="FromMessage"/> keeps.</summary>
    public const int FromMessageLength = 50;

    /// <summary>The message's first <see cref="FromMessageLength"/> characters (whitespace runs as one space), with "..." when cut; null for a blank message.</summary>
    public static string? FromMessage(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length == 0 ? null : flat.Length <= FromMessageLength ? flat : TextClip.Prefix(flat, FromMessageLength).TrimEnd() + "...";
    }
}
