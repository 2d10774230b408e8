using ChatKit;
using ChatKit.Json;
using ChatKit.AspNetCore;
using ChatKitServer.Endpoint;
using ChatKitServer.Limits;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;

namespace ChatKitServer.Attachments;

/// <summary>
/// The bytes of attachments: the two-phase upload target named in <c>upload_descriptor</c>, the
/// direct upload endpoint, and image previews. Upload and preview addresses carry a signature that
/// names the owner; without one, the caller must be the owner. Not yours = 404.
/// </summary>
[ApiController]
[Route("chatkit/attachments")]
[Tags("Attachments")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
public sealed class AttachmentsController(
    IChatKitStore store,
    IAttachmentStorage storage,
    AttachmentPolicy policy,
    AttachmentLinks links,
    ChatKitAttachmentService attachments,
    IChatKitContextFactory contexts,
    ILogger<AttachmentsController> logger) : ControllerBase
{
    /// <summary>
    /// Two-phase upload: the bytes of an attachment made by <c>attachments.create</c>, as multipart field
    /// <c>file</c>. The signature, the declared size and the file's type are checked before its bytes are read.
    /// </summary>
    [HttpPost("{id}/upload")]
    [AllowAnonymous] // authorized by the signed link, or as the owner
    [DisableFormValueModelBinding]
    [EnableRateLimiting(UserLimits.Uploads)]
    [RequestTimeout(RequestDeadlines.LongPolicy)]
    public async Task<IActionResult> Upload(string id, [FromQuery] string? sig, CancellationToken ct)
    {
        var context = await CallerAsync(sig, AttachmentLinks.UploadPurpose, id, ct);
        var boundary = MultipartUpload.CheckDeclared(Request, policy.MaxBytes);
        var attachment = await store.LoadAttachmentAsync(id, context, ct);
        if (ChatKitAttachmentService.IsUploaded(attachment))
            throw new ChatKitConflictException($"Attachment '{id}' was already uploaded.");
        var declared = ChatKitAttachmentService.DeclaredSize(attachment);
        if (Request.ContentLength > declared + MultipartUpload.FramingBytes)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but the request carries {Request.ContentLength} bytes.");

        var file = await MultipartUpload.FileAsync(Request, boundary, ct);
        var arrivingType = AttachmentPolicy.MediaType(file.Section.ContentType);
        if (arrivingType != attachment.MimeType)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as '{attachment.MimeType}' but '{arrivingType}' arrived.");
        var bytes = new CheckedUploadStream(file.Section.Body, declared, declared,
            count => new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but {count} or more bytes arrived."),
            count => new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but {count} bytes arrived."));
        await SaveBytesAsync(id, bytes, declared, ct);

        attachment.UploadDescriptor = null;
        attachment.Metadata!["uploaded"] = true;
        await store.SaveAttachmentAsync(attachment, context, CancellationToken.None);
        logger.LogInformation("Uploaded {AttachmentId} ({Bytes} bytes, {MimeType}) for {UserId}", id, bytes.Count, attachment.MimeType, context.UserId);
        return Json(attachment);
    }

    /// <summary>
    /// Direct upload: multipart field <c>file</c>; answers the attachment, without upload descriptor. The
    /// declared size, the file's name and type are checked before its bytes are read; its size while they arrive.
    /// </summary>
    [HttpPost]
    [Authorize]
    [DisableFormValueModelBinding]
    [EnableRateLimiting(UserLimits.Uploads)]
    [RequestTimeout(RequestDeadlines.LongPolicy)]
    public async Task<IActionResult> Direct(CancellationToken ct)
    {
        var context = await contexts.CreateAsync(HttpContext, ct);
        var boundary = MultipartUpload.CheckDeclared(Request, policy.MaxBytes);
        var file = await MultipartUpload.FileAsync(Request, boundary, ct);
        var type = policy.CheckNameAndType(file.FileName, file.Section.ContentType);
        var id = ChatKitIds.Attachment();
        var bytes = new CheckedUploadStream(file.Section.Body, 1, policy.MaxBytes,
            _ => AttachmentRejectedException.TooLarge(policy.MaxBytes),
            _ => new ChatKitValidationException("The file is empty."));
        await SaveBytesAsync(id, bytes, policy.MaxBytes, ct);

        var attachment = attachments.New(id, file.FileName, type, context.UserId, uploaded: true, bytes.Count);
        await store.SaveAttachmentAsync(attachment, context, CancellationToken.None);
        logger.LogInformation("Uploaded {AttachmentId} directly ({Bytes} bytes, {MimeType}) for {UserId}", id, bytes.Count, type, context.UserId);
        return Json(attachment);
    }

    /// <summary>An image attachment's bytes, cacheable by the browser.</summary>
    [HttpGet("{id}/preview")]
    [EnableRateLimiting(UserLimits.Previews)]
    [AllowAnonymous] // authorized by the signed link, or as the owner
    public async Task<IActionResult> Preview(string id, [FromQuery] string? sig, CancellationToken ct)
    {
        var context = await CallerAsync(sig, AttachmentLinks.PreviewPurpose, id, ct);
        var attachment = await store.LoadAttachmentAsync(id, context, ct);
        if (attachment is not ImageAttachment)
            throw new ChatKitNotFoundException($"Attachment '{id}' has no preview: it is not an image.");
        var bytes = await storage.OpenReadAsync(id, ct) ?? throw new ChatKitNotFoundException($"Attachment '{id}' has not been uploaded yet.");
        Response.Headers.CacheControl = "private, max-age=86400, immutable";
        Response.Headers.XContentTypeOptions = "nosniff";
        return File(bytes, attachment.MimeType, entityTag: new EntityTagHeaderValue("\"" + id + "\""), lastModified: null);
    }

    /// <summary>The owner named by a valid signature, else the authenticated caller; anyone else finds nothing.</summary>
    private async ValueTask<ChatKitContext> CallerAsync(string? signature, string purpose, string id, CancellationToken ct)
    {
        if (links.Verify(signature, purpose, id) is { } owner)
            return new ChatKitContext { UserId = owner };
        if (User.Identity?.IsAuthenticated == true)
            return await contexts.CreateAsync(HttpContext, ct);
        throw ChatKitNotFoundException.Attachment(id);
    }

    private async Task SaveBytesAsync(string id, Stream content, long maxBytes, CancellationToken ct)
    {
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
