using ChatKit;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;
using ChatKitServer.Limits;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

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
        NotJsonException.ThrowIfForm(Request);
        ChatKitRequest request;
        using (var json = await body.ReadAsync(Request, cancellationToken))
            request = ChatKitRequestParser.Parse(json.Span, options.Value.RequestLimits);
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
                RequestDeadlines.Lift(HttpContext); // the deadline covered reading the request; a stream runs as long as it needs
                await writer.WriteAsync(Response, stream, cancellationToken);
                break;
        }
    }
}
