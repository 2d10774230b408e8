using ChatKit;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore;

/// <summary>What an upload may be: the allowed types and the size limit of <see cref="ChatKitAttachmentOptions"/>.</summary>
public sealed class AttachmentPolicy(IOptions<ChatKitAttachmentOptions> options)
{
    private static readonly HashSet<string> ImageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];
    private static readonly HashSet<string> TextTypes = ["text/plain", "text/markdown", "text/csv", "application/json"];

    /// <summary>The largest file accepted, in bytes.</summary>
    public long MaxBytes => options.Value.MaxBytes;

    /// <summary>The media type without parameters, lower case (<c>Text/Plain; charset=utf-8</c> → <c>text/plain</c>).</summary>
    public static string MediaType(string? mimeType) => (mimeType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();

    /// <summary>Whether the type is an image the web component previews (png, jpeg, gif, webp).</summary>
    public static bool IsImage(string mimeType) => ImageTypes.Contains(MediaType(mimeType));

    /// <summary>Whether the type is text a model may read (txt, md, csv, json).</summary>
    public static bool IsText(string mimeType) => TextTypes.Contains(MediaType(mimeType));

    /// <summary>Checks a declared file; returns the normalized media type.</summary>
    public string Check(string? name, string? mimeType, long size)
    {
        CheckName(name);
        if (size <= 0)
            throw new ChatKitValidationException("The file is empty (size must be positive).");
        if (size > MaxBytes)
            throw AttachmentRejectedException.TooLarge(MaxBytes);
        return CheckType(mimeType);
    }

    /// <summary>Checks a file whose bytes have not arrived yet (its size is checked as they do); returns the normalized media type.</summary>
    public string CheckNameAndType(string? name, string? mimeType)
    {
        CheckName(name);
        return CheckType(mimeType);
    }

    private static void CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 255)
            throw new ChatKitValidationException("The file name must have 1 to 255 characters.");
    }

    private string CheckType(string? mimeType)
    {
        var type = MediaType(mimeType);
        if (!options.Value.AcceptedMimeTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            throw new AttachmentRejectedException(StatusCodes.Status415UnsupportedMediaType,
                $"Files of type '{(type.Length == 0 ? "(none)" : type)}' are not accepted; allowed: {string.Join(", ", options.Value.AcceptedMimeTypes)}.");
        return type;
    }

    /// <summary>A display name safe to echo back: the last path segment, without control characters.</summary>
    public static string DisplayName(string name)
    {
        var last = name.Replace('\\', '/').Split('/').LastOrDefault(s => s.Length > 0) ?? "file";
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length == 0 || clean is "." or ".." ? "file" : clean;
    }
}
