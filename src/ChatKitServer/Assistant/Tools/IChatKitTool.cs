using System.Text.Json.Nodes;
using ChatKit;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant.Tools;

/// <summary>
/// A tool the model may call. Server tools run here and their result goes back to the model;
/// client tools (<see cref="RunsOnClient"/>) end the turn with a pending <c>client_tool_call</c>
/// that the client answers with <c>threads.add_client_tool_output</c>.
/// Register implementations in DI as <see cref="IChatKitTool"/>.
/// </summary>
public interface IChatKitTool
{
    /// <summary>The name the model calls it by (letters, digits, _ and -).</summary>
    string Name { get; }

    /// <summary>What it does, for the model.</summary>
    string Description { get; }

    /// <summary>JSON schema of the arguments.</summary>
    JsonObject Parameters { get; }

    /// <summary>
    /// The same schema as JSON text, which is what the model is given. The tool registry reads it on every turn: a tool whose
    /// schema does not change returns one string here instead of having <see cref="Parameters"/> built and written each time.
    /// </summary>
    string ParametersJson => Parameters.ToJsonString(ChatKit.Json.ChatKitJson.Options);

    /// <summary>The icon of its progress update (a ChatKit icon name).</summary>
    string? Icon => "bolt";

    /// <summary>Whether the client runs it.</summary>
    bool RunsOnClient => false;

    /// <summary>The progress text shown while it runs, in the request's language.</summary>
    string ProgressText(JsonObject arguments, IStringLocalizer<AssistantTexts> texts) => texts[AssistantTexts.ExecutingTool, Name];

    /// <summary>Runs the tool; the result (any JSON) goes back to the model.</summary>
    Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken);
}

/// <summary>Where a tool runs: the thread and the caller.</summary>
public sealed record ToolContext(ThreadMetadata Thread, ChatKitContext Chat);

/// <summary>A tool's arguments are not what its schema asks for; the model gets the message and may try again.</summary>
public sealed class ToolArgumentException(string message) : Exception(message);

internal static class ToolArguments
{
    public static string RequiredString(JsonObject arguments, string name, int maxLength = 4000)
    {
        if (arguments[name] is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text))
            throw new ToolArgumentException($"'{name}' must be a non-empty string.");
        if (text.Length > maxLength)
            throw new ToolArgumentException($"'{name}' must be at most {maxLength} characters.");
        return text.Trim();
    }

    public static string? OptionalString(JsonObject arguments, string name) =>
        arguments[name] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    public static string Cut(string text, int max) => text.Length <= max ? text : TextClip.Prefix(text, max) + "…";
}
