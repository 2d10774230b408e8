using System.Text.RegularExpressions;

namespace ChatKit.AspNetCore;

/// <summary>The shape of an attachment id, checked before an id names a file or a blob.</summary>
internal static partial class AttachmentIds
{
    [GeneratedRegex("^atc_[0-9a-f]{8,64}$")]
    private static partial Regex Pattern();

    /// <summary>Throws unless <paramref name="attachmentId"/> looks like an id this server makes (no path, no separator).</summary>
    public static void Check(string attachmentId)
    {
        if (!Pattern().IsMatch(attachmentId))
            throw new ArgumentException($"'{attachmentId}' is not an attachment id.", nameof(attachmentId));
    }
}
