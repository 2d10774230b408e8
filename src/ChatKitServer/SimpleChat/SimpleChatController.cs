using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Assistant.History;
using ChatKitServer.Auth;
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
[Authorize]
[EnableRateLimiting(AuthSetup.ChatKitRateLimit)]
public sealed class SimpleChatController(ChatKitEngine engine, ChatKitContextFactory contexts, IChatKitStore store) : ControllerBase
{
    public const int MaxMessageChars = 32_000;

    [HttpPost("stream/message")]
    public async Task<IResult> Stream([FromBody] SimpleChatRequest request, CancellationToken ct)
    {
        var (context, stream) = await StartAsync(request, ct);
        RequestDeadlines.Lift(HttpContext); // the deadline covered reading the request; a stream runs as long as it needs
        Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(Frames(new SimpleChatTurn(stream.ThreadId), stream, ct));
    }

    [HttpPost("message")]
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
        var context = contexts.Create(HttpContext);
        var response = (ChatKitStreamResponse)await engine.ProcessAsync(chatKit, context, ct);
        return (context, response);
    }

    private static async IAsyncEnumerable<SseItem<string>> Frames(SimpleChatTurn turn, ChatKitStreamResponse stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var ev in stream.Events.WithCancellation(ct))
        {
            if (turn.Observe(ev) is { } delta)
                yield return Frame(new JsonObject { ["threadId"] = turn.ThreadId, ["content"] = delta, ["isDelta"] = true });
        }
        yield return Frame(Final(turn));
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

    private static SseItem<string> Frame(JsonObject data) => new(data.ToJsonString(ChatKitJson.Options));

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
