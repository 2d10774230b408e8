using System.Text.Json.Nodes;
using ChatKit;

namespace ChatKit.AspNetCore;

/// <summary>
/// The engine's attachment seam: <c>attachments.create</c> makes a record whose upload descriptor
/// points at this server's signed upload address; <c>attachments.delete</c> removes the bytes
/// (the engine removes the record).
/// </summary>
internal sealed class ChatKitAttachmentService(AttachmentPolicy policy, AttachmentLinks links, IAttachmentStorage storage) : IChatKitAttachmentStore
{
    /// <inheritdoc />
    public Task<Attachment> CreateAttachmentAsync(AttachmentCreateParams request, ChatKitContext context, CancellationToken cancellationToken)
    {
        var type = policy.Check(request.Name, request.MimeType, request.Size);
        var attachment = New(ChatKitIds.Attachment(), request.Name, type, context.UserId, uploaded: false, request.Size);
        attachment.UploadDescriptor = new AttachmentUploadDescriptor { Url = links.Upload(attachment.Id, context.UserId), Method = "POST" };
        return Task.FromResult(attachment);
    }

    /// <inheritdoc />
    public Task DeleteAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken) =>
        storage.DeleteAsync(attachment.Id, cancellationToken);

    /// <summary>A record for <paramref name="id"/>: an image with a signed preview, or a file.</summary>
    public Attachment New(string id, string name, string mediaType, string userId, bool uploaded, long size)
    {
        Attachment attachment = AttachmentPolicy.IsImage(mediaType)
            ? new ImageAttachment { Id = id, Name = AttachmentPolicy.DisplayName(name), MimeType = mediaType, PreviewUrl = links.Preview(id, userId) ?? links.PreviewPath(id) }
            : new FileAttachment { Id = id, Name = AttachmentPolicy.DisplayName(name), MimeType = mediaType };
        attachment.Metadata = new JsonObject { ["size"] = size, ["uploaded"] = uploaded };
        return attachment;
    }

    /// <summary>Whether the bytes of <paramref name="attachment"/> arrived.</summary>
    public static bool IsUploaded(Attachment attachment) => attachment.Metadata?["uploaded"] is JsonValue v && v.TryGetValue<bool>(out var done) && done;

    /// <summary>The size <c>attachments.create</c> declared (or the size that arrived), -1 when unknown.</summary>
    public static long DeclaredSize(Attachment attachment) => attachment.Metadata?["size"] is JsonValue v && v.TryGetValue<long>(out var size) ? size : -1;
}
