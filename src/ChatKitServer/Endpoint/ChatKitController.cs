using ChatKit;
using ChatKitServer.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Endpoint;

/// <summary>
/// <c>POST /chatkit</c>: every ChatKit request. Reads the body (within the size limit), has the
/// engine parse and run it, and answers JSON or a Server-Sent-Events stream. Errors thrown before
/// a stream starts are mapped to statuses by <see cref="Errors.ChatKitExceptionHandler"/>.
/// </summary>
[ApiController]
[Route("chatkit")]
[Authorize]
[EnableRateLimiting(Auth.AuthSetup.ChatKitRateLimit)]
public sealed class ChatKitController(
    ChatKitEngine engine,
    ChatKitRequestBody body,
    ChatKitContextFactory contexts,
    ChatKitStreamWriter writer,
    IOptions<ChatKitServerOptions> options) : ControllerBase
{
    [HttpPost]
    public async Task Post(CancellationToken cancellationToken)
    {
        var json = await body.ReadAsync(Request, cancellationToken);
        var request = ChatKitRequestParser.Parse(json.Span, options.Value.RequestLimits);
        var context = contexts.Create(HttpContext);
        var response = await engine.ProcessAsync(request, context, cancellationToken);
        switch (response)
        {
            case ChatKitJsonResponse plain:
                Response.StatusCode = StatusCodes.Status200OK;
                Response.ContentType = "application/json";
                Response.ContentLength = plain.Json.Length;
                await Response.Body.WriteAsync(plain.Json, cancellationToken);
                break;
            case ChatKitStreamResponse stream:
                await writer.WriteAsync(Response, stream, cancellationToken);
                break;
        }
    }
}

/// <summary>Reads a request body up to <see cref="ChatKitServerOptions.MaxRequestBodyBytes"/>; beyond it, 413.</summary>
public sealed class ChatKitRequestBody(IOptions<ChatKitServerOptions> options)
{
    public async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
            throw new RequestTooLargeException(limit);
        using var buffer = new MemoryStream(request.ContentLength is { } length and > 0 ? (int)length : 4096);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                    throw new RequestTooLargeException(limit);
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}

/// <summary>The request body is larger than the configured limit (413).</summary>
public sealed class RequestTooLargeException(long limit)
    : ChatKitException($"The request body is larger than the limit of {limit} bytes.")
{
    public override int StatusCode => StatusCodes.Status413PayloadTooLarge;
}
