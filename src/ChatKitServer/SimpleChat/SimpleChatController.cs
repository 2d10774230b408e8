using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Assistant.History;
using ChatKitServer.Auth;
using ChatKit.AspNetCore;
using ChatKitServer.Endpoint;
using ChatKitServer.Limits;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.SimpleChat;

/// <summary>The message a simple client sends.</summary>
public sealed record SimpleChatRequest(string? Message, string? ThreadId);

/// <summary>
/// A chat API for clients that do not speak ChatKit, on the same engine, store and responder (the
/// conversation is a normal ChatKit thread):
/// <c>POST /api/chat/stream/message</c> streams <c>{threadId, content, isDelta: true}</c> frames, then one
/// final frame with the whole text and the widgets; <c>POST /api/chat/message</c> answers once, with usage.
/// </summary>
[ApiController]
[Route("api/chat")]
[Tags("Simple chat")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
[Authorize]
[EnableRateLimiting(AuthSetup.ChatKitRateLimit)]
public sealed class SimpleChatController(ChatKitEngine engine, IChatKitContextFactory contexts, IChatKitStore store, ServerSentEventsWriter sse) : ControllerBase
{
    public const int MaxMessageChars = 32_000;

    [HttpPost("stream/message")]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/event-stream")]
    [EndpointSummary("Sends a message and streams the answer as SSE: {threadId, content, isDelta: true} frames, then a final frame with the whole text and widgets.")]
    public async Task Stream([FromBody] SimpleChatRequest request, CancellationToken ct)
    {
        var (_, stream) = await StartAsync(request, ct);
        RequestDeadlines.Lift(HttpContext); // the deadline covered reading the request; a stream runs as long as it needs
        var turn = new SimpleChatTurn(stream.ThreadId);
        // The engine's first event decides the status (a failure before it is still an HTTP error); frames
        // come only with the answer's text, so headers and keep-alives go out without waiting for one.
        var events = stream.Events.GetAsyncEnumerator(ct);
        bool any;
        try
        {
            any = await events.MoveNextAsync();
        }
        catch
        {
            await events.DisposeAsync();
            throw;
        }
        await sse.WriteAsync(Response, Frames(turn, Resumed(events, any), ct), new SseStream<JsonObject>
        {
            Kind = "simple chat",
            Subject = stream.ThreadId,
            WaitForFirstItem = false,
            SubjectOf = static frame => (string?)frame["threadId"],
            WriteData = static (frame, json) => frame.WriteTo(json, ChatKitJson.Options),
            OnShutdown = () => Failed(turn, allowRetry: true),
            OnFailure = () => Failed(turn, allowRetry: true),
        }, ct);
    }

    [HttpPost("message")]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(System.Text.Json.Nodes.JsonObject), StatusCodes.Status200OK, "application/json")]
    [EndpointSummary("Sends a message and answers once the whole answer is there, with its token usage.")]
    [RequestTimeout(RequestDeadlines.LongPolicy)] // waits for the whole answer
    public async Task<IActionResult> Message([FromBody] SimpleChatRequest request, CancellationToken ct)
    {
        var (context, stream) = await StartAsync(request, ct);
        var turn = new SimpleChatTurn(stream.ThreadId);
        await foreach (var ev in stream.Events.WithCancellation(ct))
            turn.Observe(ev);
        if (turn.Error is { } error)
        {
            return Problem(
                detail: error.Message ?? "The assistant could not answer; try again.",
                statusCode: error.AllowRetry ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict,
                title: error.AllowRetry ? "The answer failed; it may be retried" : "The answer could not be given");
        }
        var body = Final(turn);
        body["usage"] = await UsageAsync(turn, context, ct);
        return Content(body.ToJsonString(ChatKitJson.Options), "application/json");
    }

    private async Task<(ChatKitContext, ChatKitStreamResponse)> StartAsync(SimpleChatRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Message))
            throw new ChatKitValidationException("'message' is required and must not be empty.");
        if (request.Message.Length > MaxMessageChars)
            throw new ChatKitValidationException($"'message' is {request.Message.Length} characters long; the limit is {MaxMessageChars}.");
        var input = new UserMessageInput { Content = [new UserMessageTextContent { Text = request.Message }] };
        ChatKitRequest chatKit = string.IsNullOrWhiteSpace(request.ThreadId)
            ? new ThreadsCreateRequest { Params = new ThreadCreateParams { Input = input } }
            : new ThreadsAddUserMessageRequest { Params = new ThreadAddUserMessageParams { ThreadId = request.ThreadId, Input = input } };
        var context = await contexts.CreateAsync(HttpContext, ct);
        var response = (ChatKitStreamResponse)await engine.ProcessAsync(chatKit, context, ct);
        return (context, response);
    }

    /// <summary>The rest of an enumeration whose first step was taken (<paramref name="current"/>: whether it gave an item).</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> Resumed(IAsyncEnumerator<ThreadStreamEvent> events, bool current)
    {
        await using (events)
        {
            while (current)
            {
                yield return events.Current;
                current = await events.MoveNextAsync();
            }
        }
    }

    private static async IAsyncEnumerable<JsonObject> Frames(SimpleChatTurn turn, IAsyncEnumerable<ThreadStreamEvent> events, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var ev in events.WithCancellation(ct))
        {
            if (turn.Observe(ev) is { } delta)
                yield return new JsonObject { ["threadId"] = turn.ThreadId, ["content"] = delta, ["isDelta"] = true };
        }
        yield return Final(turn);
    }

    /// <summary>The last frame of a stream cut short (the server stopping): what was said, and a retryable error.</summary>
    private static JsonObject Failed(SimpleChatTurn turn, bool allowRetry)
    {
        var final = Final(turn);
        final["error"] = new JsonObject { ["code"] = ErrorCodes.StreamError, ["message"] = null, ["allowRetry"] = allowRetry };
        return final;
    }

    private static JsonObject Final(SimpleChatTurn turn)
    {
        var final = new JsonObject
        {
            ["threadId"] = turn.ThreadId,
            ["content"] = turn.Content,
            ["isDelta"] = false,
            ["widgets"] = new JsonArray(turn.Widgets.Select(w => JsonNode.Parse(ChatKitJson.Serialize(w.Widget))).ToArray()),
        };
        if (turn.Notices.Count > 0)
            final["notices"] = new JsonArray(turn.Notices.Select(n => (JsonNode)new JsonObject { ["level"] = n.Level.ToString().ToLowerInvariant(), ["message"] = n.Message }).ToArray());
        if (turn.Error is { } error)
            final["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["allowRetry"] = error.AllowRetry };
        return final;
    }

    private async Task<JsonObject?> UsageAsync(SimpleChatTurn turn, ChatKitContext context, CancellationToken ct)
    {
        if (turn.ThreadId is null || turn.AssistantItemIds.Count == 0) return null;
        var recent = await store.LoadThreadItemsAsync(turn.ThreadId, null, 50, SortOrder.Desc, context, ct);
        var usage = recent.Data.OfType<HiddenContextItem>()
            .Where(h => HiddenRecords.KindOf(h) == HiddenRecords.UsageKind && turn.AssistantItemIds.Contains((string?)h.Content!["item_id"] ?? ""))
            .Select(h => h.Content!.AsObject()).ToList();
        if (usage.Count == 0) return null;
        return new JsonObject
        {
            ["model"] = (string?)usage[0]["model"],
            ["promptTokens"] = usage.Sum(u => (int?)u["prompt_tokens"] ?? 0),
            ["completionTokens"] = usage.Sum(u => (int?)u["completion_tokens"] ?? 0),
        };
    }
}
