using System.Text.Json.Nodes;
using ChatKit;

namespace ChatKitServer.Assistant.History;

/// <summary>
/// What the assistant keeps in a thread as hidden items (never sent to clients): the server tool
/// calls with their results (so later turns show the model what it did), the token usage of
/// each answer and the error that ended a turn, if one did (both for admins). All are <see cref="HiddenContextItem"/>s whose content has a
/// <c>kind</c>, so any <see cref="IChatKitStore"/> keeps them without a schema of its own.
/// </summary>
public static class HiddenRecords
{
    public const string ToolCallKind = "tool_call";
    public const string UsageKind = "usage";
    public const string ErrorKind = "error";

    public static HiddenContextItem ToolCall(string threadId, string callId, string name, string arguments, string result, DateTimeOffset at) => new()
    {
        Id = ChatKitIds.Message(),
        ThreadId = threadId,
        CreatedAt = at,
        Content = new JsonObject { ["kind"] = ToolCallKind, ["call_id"] = callId, ["name"] = name, ["arguments"] = arguments, ["result"] = result },
    };

    public static HiddenContextItem Usage(string threadId, string itemId, string model, long promptTokens, long completionTokens, DateTimeOffset at) => new()
    {
        Id = ChatKitIds.Message(),
        ThreadId = threadId,
        CreatedAt = at,
        Content = new JsonObject
        {
            ["kind"] = UsageKind, ["item_id"] = itemId, ["model"] = model,
            ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens,
        },
    };

    /// <summary>
    /// The error a turn ended with: the protocol code the client was sent, the message it showed (custom
    /// errors only), whether it offered a retry, and the .NET type of the failure (its cause when wrapped),
    /// never the exception's message (the log has it).
    /// </summary>
    public static HiddenContextItem Error(string threadId, string code, string? message, bool allowRetry, string? exception, DateTimeOffset at) => new()
    {
        Id = ChatKitIds.Message(),
        ThreadId = threadId,
        CreatedAt = at,
        Content = new JsonObject
        {
            ["kind"] = ErrorKind, ["code"] = code, ["message"] = message, ["allow_retry"] = allowRetry, ["exception"] = exception,
        },
    };

    public static string? KindOf(HiddenContextItem item) =>
        item.Content is JsonObject o && o["kind"] is JsonValue v && v.TryGetValue<string>(out var kind) ? kind : null;
}
