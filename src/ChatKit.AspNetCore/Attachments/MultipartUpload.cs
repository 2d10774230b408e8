using ChatKit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChatKit.AspNetCore;

/// <summary>
/// The file of a <c>multipart/form-data</c> upload, read as it arrives with <see cref="MultipartReader"/>
/// (no form buffering, nothing spooled to disk): what the request declares is checked before its body
/// is read, the file's name and type before its bytes are, and its size while they are copied.
/// </summary>
internal static class MultipartUpload
{
    /// <summary>Room for the multipart framing around the file: boundaries, part headers, a long file name.</summary>
    public const long FramingBytes = 64 * 1024;

    /// <summary>Bytes of other fields that may come before the file (they are read and dropped).</summary>
    private const long OtherFieldsBytes = 64 * 1024;

    /// <summary>
    /// Checks the request's headers alone: a declared <c>Content-Length</c> within
    /// <paramref name="maxFileBytes"/> plus framing (413), and a multipart/form-data body with a boundary (400).
    /// A body without <c>Content-Length</c> is cut by Kestrel at the same size. Returns the boundary.
    /// </summary>
    public static string CheckDeclared(HttpRequest request, long maxFileBytes)
    {
        var maxBody = maxFileBytes + FramingBytes;
        if (request.ContentLength > maxBody)
            throw AttachmentRejectedException.TooLarge(maxFileBytes);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBody;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !string.Equals(type.MediaType.Value, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ChatKitValidationException("Send the file as multipart/form-data in a field named 'file'.");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
            throw new ChatKitValidationException("The multipart/form-data body has no valid boundary.");
        return boundary;
    }

    /// <summary>The part of the field named <c>file</c>, its headers read and its bytes not yet.</summary>
    public static async Task<FileMultipartSection> FileAsync(HttpRequest request, string boundary, CancellationToken ct)
    {
        var body = new StoppableRequestBody(request.BodyReader, ct);
        request.HttpContext.Response.RegisterForDispose(body); // the file's bytes are read after this returns
        var reader = new MultipartReader(boundary, body) { HeadersCountLimit = 16, HeadersLengthLimit = 16 * 1024 };
        long skipped = 0;
        while (await NextAsync(reader, ct) is { } section)
        {
            var file = section.AsFileSection();
            if (file is not null && file.Name == "file")
            {
                section.Body = new MultipartFileBody(section.Body); // a body cut inside the file is the client's error too
                return file;
            }
            skipped += await DropAsync(section.Body, OtherFieldsBytes - skipped, ct);
        }
        throw new ChatKitValidationException("The multipart body has no file in a field named 'file'.");
    }

    private static async Task<MultipartSection?> NextAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (Exception ex) when (IsMalformed(ex, ct))
        {
            throw new ChatKitValidationException("The multipart/form-data body is malformed: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// A malformed body, as the multipart reader reports it; Kestrel's own refusals (too slow, too large,
    /// cut short) keep their status, and a stopped read stays a cancellation.
    /// </summary>
    internal static bool IsMalformed(Exception ex, CancellationToken ct) =>
        ex is InvalidDataException or IOException && ex is not BadHttpRequestException && !ct.IsCancellationRequested;

    private static async Task<long> DropAsync(Stream field, long allowed, CancellationToken ct)
    {
        var buffer = new byte[4096];
        long total = 0;
        int read;
        while ((read = await field.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > allowed)
                throw new AttachmentRejectedException(StatusCodes.Status413PayloadTooLarge,
                    $"Only the field 'file' is read; other fields may hold at most {OtherFieldsBytes} bytes in all.");
        }
        return total;
    }
}
