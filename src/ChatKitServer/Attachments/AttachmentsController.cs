using ChatKit;
using ChatKit.Json;
using ChatKitServer.Endpoint;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ChatKitServer.Attachments;

/// <summary>
/// The bytes of attachments: the two-phase upload target named in <c>upload_descriptor</c>, the
/// direct upload endpoint, and image previews. Upload and preview addresses carry a signature that
/// names the owner; without one, the caller must be the owner. Not yours = 404.
/// </summary>
[ApiController]
[Route("chatkit/attachments")]
public sealed class AttachmentsController(
    IChatKitStore store,
    IAttachmentStorage storage,
    AttachmentPolicy policy,
    AttachmentLinks links,
    ChatKitAttachmentService attachments,
    ChatKitContextFactory contexts,
    ILogger<AttachmentsController> logger) : ControllerBase
{
    /// <summary>Two-phase upload: the bytes of an attachment made by <c>attachments.create</c>, as multipart field <c>file</c>.</summary>
    [HttpPost("{id}/upload")]
    [AllowAnonymous] // authorized by the signed link, or as the owner
    public async Task<IActionResult> Upload(string id, [FromQuery] string? sig, CancellationToken ct)
    {
        var context = Caller(sig, AttachmentLinks.UploadPurpose, id);
        var attachment = await store.LoadAttachmentAsync(id, context, ct);
        if (ChatKitAttachmentService.IsUploaded(attachment))
            throw new ChatKitConflictException($"Attachment '{id}' was already uploaded.");
        var file = await FileFieldAsync(ct);
        var declared = ChatKitAttachmentService.DeclaredSize(attachment);
        if (file.Length != declared)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but {file.Length} bytes arrived.");
        if (AttachmentPolicy.MediaType(file.ContentType) != attachment.MimeType)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as '{attachment.MimeType}' but '{AttachmentPolicy.MediaType(file.ContentType)}' arrived.");

        await SaveBytesAsync(id, file, declared, ct);
        attachment.UploadDescriptor = null;
        attachment.Metadata!["uploaded"] = true;
        await store.SaveAttachmentAsync(attachment, context, CancellationToken.None);
        logger.LogInformation("Uploaded {AttachmentId} ({Bytes} bytes, {MimeType}) for {UserId}", id, file.Length, attachment.MimeType, context.UserId);
        return Json(attachment);
    }

    /// <summary>Direct upload: multipart field <c>file</c>; answers the attachment, without upload descriptor.</summary>
    [HttpPost]
    [Authorize]
    public async Task<IActionResult> Direct(CancellationToken ct)
    {
        var context = contexts.Create(HttpContext);
        var file = await FileFieldAsync(ct);
        var type = policy.Check(file.FileName, file.ContentType, file.Length);
        var attachment = attachments.New(ChatKitIds.Attachment(), file.FileName, type, context.UserId, uploaded: true, file.Length);
        await SaveBytesAsync(attachment.Id, file, file.Length, ct);
        await store.SaveAttachmentAsync(attachment, context, CancellationToken.None);
        logger.LogInformation("Uploaded {AttachmentId} directly ({Bytes} bytes, {MimeType}) for {UserId}", attachment.Id, file.Length, type, context.UserId);
        return Json(attachment);
    }

    /// <summary>An image attachment's bytes, cacheable by the browser.</summary>
    [HttpGet("{id}/preview")]
    [AllowAnonymous] // authorized by the signed link, or as the owner
    public async Task<IActionResult> Preview(string id, [FromQuery] string? sig, CancellationToken ct)
    {
        var context = Caller(sig, AttachmentLinks.PreviewPurpose, id);
        var attachment = await store.LoadAttachmentAsync(id, context, ct);
        if (attachment is not ImageAttachment)
            throw new ChatKitNotFoundException($"Attachment '{id}' has no preview: it is not an image.");
        var bytes = await storage.OpenReadAsync(id, ct) ?? throw new ChatKitNotFoundException($"Attachment '{id}' has not been uploaded yet.");
        Response.Headers.CacheControl = "private, max-age=86400, immutable";
        Response.Headers.XContentTypeOptions = "nosniff";
        return File(bytes, attachment.MimeType, entityTag: new EntityTagHeaderValue("\"" + id + "\""), lastModified: null);
    }

    /// <summary>The owner named by a valid signature, else the authenticated caller; anyone else finds nothing.</summary>
    private ChatKitContext Caller(string? signature, string purpose, string id)
    {
        if (links.Verify(signature, purpose, id) is { } owner)
            return new ChatKitContext { UserId = owner };
        if (User.Identity?.IsAuthenticated == true)
            return contexts.Create(HttpContext);
        throw ChatKitNotFoundException.Attachment(id);
    }

    private async Task<IFormFile> FileFieldAsync(CancellationToken ct)
    {
        if (Request.ContentLength > policy.MaxBytes + 64 * 1024)
            throw AttachmentRejectedException.TooLarge(policy.MaxBytes);
        if (!Request.HasFormContentType)
            throw new ChatKitValidationException("Send the file as multipart/form-data in a field named 'file'.");
        var form = await Request.ReadFormAsync(ct);
        return form.Files.GetFile("file") ?? throw new ChatKitValidationException("The multipart body has no field named 'file'.");
    }

    private async Task SaveBytesAsync(string id, IFormFile file, long maxBytes, CancellationToken ct)
    {
        await using var content = file.OpenReadStream();
        try
        {
            await storage.SaveAsync(id, content, maxBytes, ct);
        }
        catch (AttachmentTooLargeException ex)
        {
            throw AttachmentRejectedException.TooLarge(ex.Limit);
        }
    }

    private ContentResult Json(Attachment attachment) =>
        Content(ChatKitJson.Serialize(attachment), "application/json");
}
