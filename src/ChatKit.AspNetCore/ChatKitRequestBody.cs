using ChatKit;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace ChatKit.AspNetCore;

/// <summary>
/// Reads a request body up to <see cref="ChatKitHttpOptions.MaxRequestBodyBytes"/> (beyond it, 413) into
/// pooled blocks that are taken as the bytes arrive. A declared <c>Content-Length</c> is checked against
/// the limit but reserves nothing: a request that promises 10 MB and sends 1 KB holds one 4 KiB block.
/// </summary>
public sealed class ChatKitRequestBody(IOptions<ChatKitHttpOptions> options, RecyclableMemoryStreamManager buffers)
{
    /// <summary>The whole body; dispose the result as soon as it is parsed (its blocks go back to the pool).</summary>
    public async Task<RequestBodyBuffer> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
            throw new RequestTooLargeException(limit);
        var buffer = buffers.GetStream("request-body");
        await using var body = new StoppableRequestBody(request.BodyReader, cancellationToken);
        try
        {
            while (true)
            {
                // Reads straight into the free part of the current block; a new block is taken only when it is full.
                var read = await body.ReadAsync(buffer.GetMemory(), cancellationToken);
                if (read == 0)
                    return new RequestBodyBuffer(buffer);
                if (buffer.Length + read > limit)
                    throw new RequestTooLargeException(limit);
                buffer.Advance(read);
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The pool of request-body blocks: 4 KiB blocks (a body that stops after 1 KiB holds one), bodies of
    /// several blocks made contiguous in pooled buffers of 64 KiB, 128 KiB, … up to 16 MiB; the free space
    /// kept for reuse is bounded.
    /// </summary>
    public static RecyclableMemoryStreamManager CreatePool() => new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 4 * 1024,
        LargeBufferMultiple = 64 * 1024,
        UseExponentialLargeBuffer = true,
        MaximumBufferSize = 16 * 1024 * 1024,
        MaximumSmallPoolFreeBytes = 4 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 32 * 1024 * 1024,
    });
}

/// <summary>A request body read by <see cref="ChatKitRequestBody"/>; its blocks return to the pool on dispose.</summary>
public sealed class RequestBodyBuffer(RecyclableMemoryStream stream) : IDisposable
{
    /// <summary>The number of bytes read.</summary>
    public long Length => stream.Length;

    /// <summary>The bytes, contiguous (a body of several blocks is copied once into a pooled buffer of its size).</summary>
    public ReadOnlySpan<byte> Span => stream.GetBuffer().AsSpan(0, (int)stream.Length);

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}

/// <summary>The request body is larger than the configured limit (413).</summary>
public sealed class RequestTooLargeException(long limit)
    : ChatKitException($"The request body is larger than the limit of {limit} bytes.")
{
    /// <inheritdoc />
    public override int StatusCode => StatusCodes.Status413PayloadTooLarge;
}

/// <summary>The body is a form, not JSON (415): a form post's fields are not a ChatKit request.</summary>
public sealed class NotJsonException(string contentType)
    : ChatKitException($"The request body is '{contentType}'; a ChatKit request is JSON: send it as application/json.")
{
    /// <inheritdoc />
    public override int StatusCode => StatusCodes.Status415UnsupportedMediaType;

    /// <summary>
    /// Refuses a form body: urlencoded, multipart, or <c>text/plain</c>, the three encodings an HTML form can send, and so the
    /// three a page on another site can post without a CORS preflight (with a cookie or a development identity, that page
    /// would otherwise start turns as the user). Any other type, or none, is read as JSON, as clients of the protocol send it.
    /// </summary>
    public static void ThrowIfForm(HttpRequest request)
    {
        if (request.HasFormContentType)
            throw new NotJsonException(request.ContentType!.Split(';')[0].Trim());
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
            throw new NotJsonException(type.MediaType.Value!);
    }
}

/// <summary>
/// The body comes with a <c>Content-Encoding</c> (gzip, br, …), which is not decoded (415): read as it is,
/// a compressed body would be refused as "not JSON" without saying why, and a body that only claims an
/// encoding would be taken as plain.
/// </summary>
public sealed class EncodedBodyException(string encoding)
    : ChatKitException($"The request body has Content-Encoding '{encoding}', which this server does not decode: send it uncompressed, without a Content-Encoding header.")
{
    /// <inheritdoc />
    public override int StatusCode => StatusCodes.Status415UnsupportedMediaType;

    /// <summary>
    /// Refuses a request that may carry a body and names a content coding other than <c>identity</c>. A host that
    /// decodes request bodies (ASP.NET Core's request decompression middleware) removes the header first.
    /// </summary>
    public static void ThrowIfEncoded(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length == 0 || string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase)) return;
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) return;
        throw new EncodedBodyException(encoding);
    }
}
