using ChatKit.AspNetCore;
using System.Text;
using ChatKit;
using Microsoft.Extensions.AI;
using ChatKitServer.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant.History;

/// <summary>
/// What the model receives of an attachment: images as image parts, text-like files (txt, md, csv,
/// json) as their text within <see cref="AttachmentOptions.TextBudgetChars"/>, anything else
/// described by name and type.
/// </summary>
public sealed class AttachmentParts(IAttachmentStorage storage, IOptions<AttachmentOptions> options)
{
    public async Task<AIContent> ForModelAsync(Attachment attachment, CancellationToken ct)
    {
        var described = new TextContent($"[Attached file: {attachment.Name} ({attachment.MimeType})]");
        if (!AttachmentPolicy.IsImage(attachment.MimeType) && !AttachmentPolicy.IsText(attachment.MimeType))
            return described;
        await using var bytes = await storage.OpenReadAsync(attachment.Id, ct);
        if (bytes is null) return described;
        if (AttachmentPolicy.IsImage(attachment.MimeType))
            return new DataContent((await BinaryData.FromStreamAsync(bytes, ct)).ToMemory(), AttachmentPolicy.MediaType(attachment.MimeType));

        var budget = options.Value.TextBudgetChars;
        using var reader = new StreamReader(bytes, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[budget + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        var text = new string(buffer, 0, Math.Min(read, budget));
        var cut = read > budget ? $"\n[… cut: only the first {budget} characters are shown]" : "";
        return new TextContent($"[Attached file: {attachment.Name} ({attachment.MimeType})]\n{text}{cut}");
    }
}
