namespace ChatKit;

/// <summary>Text cut to a length without breaking a character in two.</summary>
public static class TextClip
{
    /// <summary>
    /// The longest start of <paramref name="text"/> of at most <paramref name="maxLength"/> UTF-16 units that does not end
    /// between the two halves of a surrogate pair (an emoji, most CJK extensions): cutting there leaves half a character,
    /// which UTF-8 cannot encode, so a database or a client receives a replacement character or an error in its place.
    /// </summary>
    public static string Prefix(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (text.Length <= maxLength) return text;
        var cut = maxLength > 0 && char.IsHighSurrogate(text[maxLength - 1]) && char.IsLowSurrogate(text[maxLength]) ? maxLength - 1 : maxLength;
        return text[..cut];
    }
}
