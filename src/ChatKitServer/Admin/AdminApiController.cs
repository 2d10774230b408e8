using System.Globalization;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.Admin;

/// <summary>
/// Thread inspection for administrators (the <c>role</c> claim holds <c>Auth:AdminRole</c>):
/// threads across users with filters and paging, one thread with every item (hidden ones
/// included), its token usage and feedback, and deletion. JSON in snake_case like the protocol.
/// </summary>
[ApiController]
[Route("admin/api/threads")]
[Tags("Admin")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
[EnableRateLimiting(Limits.UserLimits.Admin)]
[Authorize(Policy = AuthSetup.AdminPolicy)]
public sealed class AdminApiController(AdminQueries queries, AdminThreadExport export, ILogger<AdminApiController> logger) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> List([FromQuery] string? user, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? q,
        [FromQuery] int limit = 50, [FromQuery] string? after = null, CancellationToken ct = default)
    {
        var page = await queries.ListAsync(new AdminThreadFilter(user, Date(from, "from"), Date(to, "to"), q, limit, after), ct);
        return Json(new JsonObject
        {
            ["data"] = new JsonArray(page.Threads.Select(Row).ToArray<JsonNode?>()),
            ["has_more"] = page.HasMore,
            ["after"] = page.After,
        });
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(string id, CancellationToken ct)
    {
        var detail = await queries.GetAsync(id, ct);
        var thread = Row(detail.Thread);
        thread["metadata"] = detail.Metadata.Metadata.DeepClone();
        thread["items"] = new JsonArray(detail.Items.Select(i => JsonNode.Parse(ChatKitJson.Serialize(i))).ToArray());
        thread["usage"] = new JsonObject
        {
            ["prompt_tokens"] = detail.PromptTokens,
            ["completion_tokens"] = detail.CompletionTokens,
            ["per_answer"] = new JsonArray(detail.Usage.Select(u => (JsonNode)new JsonObject
            {
                ["item_id"] = u.ItemId, ["model"] = u.Model, ["prompt_tokens"] = u.PromptTokens, ["completion_tokens"] = u.CompletionTokens,
            }).ToArray()),
        };
        thread["feedback"] = new JsonArray(detail.Feedback.Select(f => (JsonNode)new JsonObject { ["item_id"] = f.ItemId, ["kind"] = f.Kind, ["at"] = Time(f.At) }).ToArray());
        return Json(thread);
    }

    /// <summary>The thread and every item exactly as stored (hidden ones included) and its feedback, as a JSON file.</summary>
    [HttpGet("{id}/export.json")]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ExportJson(string id, CancellationToken ct) => Download(await export.JsonAsync(id, ct));

    /// <summary>The thread as a readable Markdown transcript: messages, tool calls, widgets as their copy text, usage, errors, feedback.</summary>
    [HttpGet("{id}/export.md")]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/markdown")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public async Task<IActionResult> ExportMarkdown(string id, CancellationToken ct) => Download(await export.MarkdownAsync(id, ct));

    [HttpDelete("{id}")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        await queries.DeleteAsync(id, ct);
        logger.LogWarning("Admin {AdminId} deleted thread {ThreadId}", ExactClaims.Subject(User), id);
        return NoContent();
    }

    internal static JsonObject Row(AdminThreadRow t) => new()
    {
        ["id"] = t.Id, ["user_id"] = t.UserId, ["title"] = t.Title, ["status"] = t.Status,
        ["created_at"] = Time(t.CreatedAt), ["updated_at"] = Time(t.UpdatedAt), ["item_count"] = t.ItemCount,
    };

    /// <summary>A time as the protocol writes it (UTC, to the microsecond), so the admin API and the protocol show the same string.</summary>
    private static JsonNode Time(DateTimeOffset at) => JsonValue.Create(ChatKitClock.ToMicroseconds(at));

    internal static DateTimeOffset? Date(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw new ChatKitValidationException($"'{name}' is not a date: '{value}' (use ISO-8601, e.g. 2026-11-23 or 2026-11-23T10:00:00Z).");
    }

    /// <summary>A file to save (<c>Content-Disposition: attachment</c>).</summary>
    internal static FileContentResult Download(AdminExportFile file) => new(file.Content, file.ContentType) { FileDownloadName = file.FileName };

    private ContentResult Json(JsonNode node) => Content(node.ToJsonString(ChatKitJson.Options), "application/json");
}
