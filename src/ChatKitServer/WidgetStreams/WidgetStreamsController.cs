using ChatKit;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKit.AspNetCore;
using ChatKitServer.Endpoint;
using ChatKitServer.Limits;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// <c>GET /api/chat/widgets/streams/{id}/events</c>: an SSE subscription, one <c>id:</c> + <c>data: {widget}</c>
/// frame per widget (a reconnecting client sends <c>Last-Event-ID</c>), for the callers
/// <see cref="WidgetStreamAccess"/> lets read the stream (anyone else: 404);
/// <c>POST</c> the same path to publish a widget (admins or the configured publisher role).
/// </summary>
[ApiController]
[Route("api/chat/widgets/streams/{streamId}/events")]
[Tags("Widget streams")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
[Authorize]
public sealed class WidgetStreamsController(
    IWidgetSseService streams,
    WidgetStreamAccess access,
    IChatKitContextFactory contexts,
    ChatKitRequestBody body,
    ServerSentEventsWriter sse,
    ILogger<WidgetStreamsController> logger) : ControllerBase
{
    public const string PublisherPolicy = "widget-publisher";

    [HttpGet]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/event-stream")]
    [EndpointSummary("Subscribes to a widget stream (SSE: id + data per widget; send Last-Event-ID to resume).")]
    [DisableRequestTimeout] // a subscription is a stream: it stays open as long as the client wants
    [EnableRateLimiting(UserLimits.WidgetSubscriptions)]
    public async Task Subscribe(string streamId, [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader, [FromQuery] long? lastEventId, CancellationToken ct)
    {
        WidgetStreamIds.Check(streamId);
        var caller = await contexts.CreateAsync(HttpContext, ct);
        if (!await access.MayReadAsync(streamId, caller, ct))
        {
            logger.LogWarning("Widget stream {StreamId} refused to {UserId}: not theirs to read", streamId, caller.UserId);
            throw new ChatKitNotFoundException($"Widget stream '{ChatKitNotFoundException.Shown(streamId)}' was not found.");
        }
        long? last = lastEventId;
        if (!string.IsNullOrEmpty(lastEventIdHeader))
            last = long.TryParse(lastEventIdHeader, out var parsed) ? parsed : throw new ChatKitValidationException("Last-Event-ID must be a number.");
        // Asked before the response starts: with Redis down the replay could not be read, and the stream ended at once
        // after a 200. A 503 (Retry-After, ProblemDetails body) says why instead. Browsers' EventSource follows the HTML
        // standard here: any status but 200 "fails the connection" (one error event, readyState CLOSED, no automatic
        // reconnection, the body and Retry-After unread), where a 200 that ends made it reconnect every few seconds.
        // An EventSource client must therefore open a new EventSource itself on an error that leaves it CLOSED (fetch-based
        // clients can read the status and Retry-After). Older drafts (W3C 2012) had 500/502/503/504 reconnect; browsers
        // following today's standard do not.
        await streams.EnsureAvailableAsync(ct);
        logger.LogInformation("Widget stream {StreamId} subscribed from {LastEventId}", streamId, last);
        await sse.WriteAsync(Response, streams.SubscribeAsync(streamId, last, ct), new SseStream<WidgetStreamMessage>
        {
            Kind = "widget stream",
            Subject = streamId,
            WaitForFirstItem = false, // a subscription may stay quiet for long: headers (and keep-alives) go out at once
            EventId = static message => message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            WriteData = static (message, json) => json.WriteRawValue(message.WidgetJson, skipInputValidation: true),
        }, ct);
    }

    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType(StatusCodes.Status202Accepted)]
    [EndpointSummary("Publishes a widget root (Card, ListView, Basic) to the stream (admins or the publisher role).")]
    [Authorize(Policy = PublisherPolicy)]
    [EnableRateLimiting(UserLimits.WidgetPublishing)]
    public async Task<IActionResult> Publish(string streamId, CancellationToken ct)
    {
        WidgetStreamIds.Check(streamId);
        WidgetRoot widget;
        try
        {
            using var json = await body.ReadAsync(Request, ct); // within ChatKit:MaxRequestBodyBytes
            widget = ChatKitJson.Deserialize<WidgetRoot>(json.Span);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ChatKitValidationException("The body is not a widget root (Card, ListView, Basic, …): "
                + ChatKitRequestParser.DescribeJsonError(ex, ChatKitJson.TypeInfo<WidgetRoot>()), ex);
        }
        var id = await streams.PublishAsync(streamId, widget, ct);
        return Accepted(new { id });
    }
}
