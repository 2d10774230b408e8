using ChatKit;
using ChatKit.Json;
using Microsoft.Net.Http.Headers;

namespace ChatKit.AspNetCore;

/// <summary>
/// The bytes of attachments (mapped by <see cref="ChatKitAttachmentsExtensions.MapChatKitAttachments"/>): the two-phase
/// upload target named in <c>upload_descriptor</c>, the direct upload endpoint, and image previews. Upload and preview
/// addresses carry a signature that names the owner; without one, the caller must be the (authenticated) owner.
/// Not yours = 404. Problems become a status with a ProblemDetails body (<see cref="ChatKitExceptionHandler"/>: 400,
/// 404, 409, 410, 413, 415), whether or not the host uses the exception handler middleware.
/// </summary>
public static class ChatKitAttachmentEndpoints
{
    /// <summary>The path under which the endpoints are mapped by default (<see cref="ChatKitAttachmentOptions.RoutePrefix"/>).</summary>
    public const string Path = "/chatkit/attachments";

    /// <summary>The display name of the preview endpoint (to tell its answers apart, e.g. for their response headers).</summary>
    public const string PreviewDisplayName = "ChatKit attachment preview";

    /// <summary>
    /// Two-phase upload: the bytes of an attachment made by <c>attachments.create</c>, as multipart field <c>file</c>.
    /// The signature, the declared size and the file's type are checked before its bytes are read.
    /// </summary>
    public static Task UploadAsync(HttpContext http, string id, string? sig) => Answer(http, async (services, ct) =>
    {
        var store = services.GetRequiredService<IChatKitStore>();
        var context = await CallerAsync(http, sig, AttachmentLinks.UploadPurpose, id, ct);
        var boundary = MultipartUpload.CheckDeclared(http.Request, services.GetRequiredService<AttachmentPolicy>().MaxBytes);
        var attachment = await store.LoadAttachmentAsync(id, context, ct);
        if (ChatKitAttachmentService.IsUploaded(attachment))
            throw new ChatKitConflictException($"Attachment '{id}' was already uploaded.");
        var declared = ChatKitAttachmentService.DeclaredSize(attachment);
        if (http.Request.ContentLength > declared + MultipartUpload.FramingBytes)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but the request carries {http.Request.ContentLength} bytes.");

        var file = await MultipartUpload.FileAsync(http.Request, boundary, ct);
        var arrivingType = AttachmentPolicy.MediaType(file.Section.ContentType);
        if (arrivingType != attachment.MimeType)
            throw new ChatKitValidationException($"Attachment '{id}' was declared as '{attachment.MimeType}' but '{arrivingType}' arrived.");
        var bytes = new CheckedUploadStream(file.Section.Body, declared, declared,
            count => new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but {count} or more bytes arrived."),
            count => new ChatKitValidationException($"Attachment '{id}' was declared as {declared} bytes but {count} bytes arrived."));
        await SaveBytesAsync(services, id, bytes, declared, ct);
        await EnsureNotDeletedWhileUploadingAsync(services, store, id, context);

        attachment.UploadDescriptor = null;
        attachment.Metadata!["uploaded"] = true;
        await store.SaveAttachmentAsync(attachment, context, CancellationToken.None);
        Logger(services).LogInformation("Uploaded {AttachmentId} ({Bytes} bytes, {MimeType}) for {UserId}", id, bytes.Count, attachment.MimeType, context.UserId);
        await WriteAsync(http, attachment, ct);
    });

    /// <summary>
    /// Direct upload: multipart field <c>file</c>; answers the attachment, without upload descriptor. The declared size,
    /// the file's name and type are checked before its bytes are read; its size while they arrive.
    /// </summary>
    public static Task DirectAsync(HttpContext http) => Answer(http, async (services, ct) =>
    {
        var policy = services.GetRequiredService<AttachmentPolicy>();
        var context = await services.GetRequiredService<IChatKitContextFactory>().CreateAsync(http, ct);
        var boundary = MultipartUpload.CheckDeclared(http.Request, policy.MaxBytes);
        var file = await MultipartUpload.FileAsync(http.Request, boundary, ct);
        var type = policy.CheckNameAndType(file.FileName, file.Section.ContentType);
        var id = ChatKitIds.Attachment();
        var bytes = new CheckedUploadStream(file.Section.Body, 1, policy.MaxBytes,
            _ => AttachmentRejectedException.TooLarge(policy.MaxBytes),
            _ => new ChatKitValidationException("The file is empty."));
        await SaveBytesAsync(services, id, bytes, policy.MaxBytes, ct);

        var attachment = services.GetRequiredService<ChatKitAttachmentService>().New(id, file.FileName, type, context.UserId, uploaded: true, bytes.Count);
        await services.GetRequiredService<IChatKitStore>().SaveAttachmentAsync(attachment, context, CancellationToken.None);
        Logger(services).LogInformation("Uploaded {AttachmentId} directly ({Bytes} bytes, {MimeType}) for {UserId}", id, bytes.Count, type, context.UserId);
        await WriteAsync(http, attachment, ct);
    });

    /// <summary>An image attachment's bytes, cacheable by the browser (<c>private, max-age=86400, immutable</c>, with an ETag).</summary>
    public static Task PreviewAsync(HttpContext http, string id, string? sig) => Answer(http, async (services, ct) =>
    {
        var context = await CallerAsync(http, sig, AttachmentLinks.PreviewPurpose, id, ct);
        var attachment = await services.GetRequiredService<IChatKitStore>().LoadAttachmentAsync(id, context, ct);
        if (attachment is not ImageAttachment)
            throw new ChatKitNotFoundException($"Attachment '{id}' has no preview: it is not an image.");
        var bytes = await services.GetRequiredService<IAttachmentStorage>().OpenReadAsync(id, ct)
            ?? throw new ChatKitNotFoundException($"Attachment '{id}' has not been uploaded yet.");
        http.Response.Headers.CacheControl = "private, max-age=86400, immutable";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        await Results.File(bytes, attachment.MimeType, entityTag: new EntityTagHeaderValue("\"" + id + "\"")).ExecuteAsync(http);
    });

    /// <summary>The owner named by a valid signature, else the authenticated caller; anyone else finds nothing.</summary>
    private static async ValueTask<ChatKitContext> CallerAsync(HttpContext http, string? signature, string purpose, string id, CancellationToken ct)
    {
        if (http.RequestServices.GetRequiredService<AttachmentLinks>().Verify(signature, purpose, id) is { } owner)
            return new ChatKitContext { UserId = owner };
        if (http.User.Identity?.IsAuthenticated == true)
            return await http.RequestServices.GetRequiredService<IChatKitContextFactory>().CreateAsync(http, ct);
        throw ChatKitNotFoundException.Attachment(id);
    }

    private static async Task SaveBytesAsync(IServiceProvider services, string id, Stream content, long maxBytes, CancellationToken ct)
    {
        try
        {
            await services.GetRequiredService<IAttachmentStorage>().SaveAsync(id, content, maxBytes, ct);
        }
        catch (AttachmentTooLargeException ex)
        {
            throw AttachmentRejectedException.TooLarge(ex.Limit);
        }
        catch (AttachmentAlreadyStoredException ex)
        {
            throw new ChatKitConflictException(ex.Message);
        }
    }

    /// <summary>
    /// An <c>attachments.delete</c> (on any instance) while the bytes arrived wins: the bytes go and the upload is a 404, where
    /// saving the record would have brought the attachment back (found by a multi-instance audit, 2026-12).
    /// </summary>
    private static async Task EnsureNotDeletedWhileUploadingAsync(IServiceProvider services, IChatKitStore store, string id, ChatKitContext context)
    {
        try
        {
            await store.LoadAttachmentAsync(id, context, CancellationToken.None);
        }
        catch (ChatKitNotFoundException)
        {
            await services.GetRequiredService<IAttachmentStorage>().DeleteAsync(id, CancellationToken.None);
            throw;
        }
    }

    private static async Task WriteAsync(HttpContext http, Attachment attachment, CancellationToken ct)
    {
        var json = ChatKitJson.SerializeToUtf8Bytes(attachment);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, ct);
    }

    private static ILogger Logger(IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ChatKitAttachmentEndpoints).FullName!);

    /// <summary>
    /// Runs <paramref name="handle"/>; a failure before the response started becomes a status with a ProblemDetails body,
    /// as <see cref="ChatKitEndpoint"/> does. A cancellation of the request is the host's to answer (the client left, or a
    /// request deadline passed).
    /// </summary>
    private static async Task Answer(HttpContext http, Func<IServiceProvider, CancellationToken, Task> handle)
    {
        var cancellationToken = http.RequestAborted;
        try
        {
            await handle(http.RequestServices, cancellationToken);
        }
        catch (Exception ex) when (!http.Response.HasStarted && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            await http.RequestServices.GetRequiredService<ChatKitExceptionHandler>().TryHandleAsync(http, ex, CancellationToken.None);
        }
    }
}
