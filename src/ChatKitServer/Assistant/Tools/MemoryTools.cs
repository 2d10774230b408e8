using System.Text.Json.Nodes;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant.Tools;

/// <summary>Facts kept per user across threads, for the <c>remember</c> and <c>recall</c> tools.</summary>
public interface IUserMemory
{
    Task<MemoryEntry> AddAsync(string userId, string text, CancellationToken cancellationToken);

    /// <summary>The user's memories that match <paramref name="query"/> (all of them, newest first, when null).</summary>
    Task<IReadOnlyList<MemoryEntry>> SearchAsync(string userId, string? query, int limit, CancellationToken cancellationToken);
}

public sealed record MemoryEntry(string Id, string Text, DateTimeOffset CreatedAt);

/// <summary><c>remember</c>: keep a fact about the user for later conversations.</summary>
public sealed class RememberTool(IUserMemory memory) : IChatKitTool
{
    public string Name => "remember";
    public string Description => "Save a fact the user wants you to remember across conversations (a preference, a name, a detail).";
    public string? Icon => "notebook-pencil"; // one of ChatKit's icon names (there is no "bookmark")
    private const string Schema = """{"type":"object","properties":{"fact":{"type":"string","description":"The fact to remember, as a short sentence."}},"required":["fact"]}""";
    public JsonObject Parameters => JsonNode.Parse(Schema)!.AsObject();
    public string ParametersJson => Schema;

    public string ProgressText(JsonObject arguments, IStringLocalizer<AssistantTexts> texts) => texts[AssistantTexts.SavingMemory];

    public async Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken)
    {
        // A fact is a line of text: control characters left out (PostgreSQL cannot store NUL, which a model can produce).
        var fact = ChatKit.ThreadTitles.Flatten(ToolArguments.RequiredString(arguments, "fact", 2000));
        var entry = await memory.AddAsync(context.Chat.UserId, fact, cancellationToken);
        return new JsonObject { ["saved"] = true, ["id"] = entry.Id };
    }
}

/// <summary><c>recall</c>: look up what was remembered about the user.</summary>
public sealed class RecallTool(IUserMemory memory) : IChatKitTool
{
    public string Name => "recall";
    public string Description => "Look up facts previously remembered about the user. Give a query to filter, or none to list the most recent.";
    public string? Icon => "book-open";
    private const string Schema = """{"type":"object","properties":{"query":{"type":"string","description":"Words to look for (optional)."}}}""";
    public JsonObject Parameters => JsonNode.Parse(Schema)!.AsObject();
    public string ParametersJson => Schema;

    public string ProgressText(JsonObject arguments, IStringLocalizer<AssistantTexts> texts) => texts[AssistantTexts.RecallingMemory];

    public async Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var query = ToolArguments.OptionalString(arguments, "query") is { } words ? ChatKit.ThreadTitles.Flatten(words) : null;
        var found = await memory.SearchAsync(context.Chat.UserId, query, 20, cancellationToken);
        return new JsonObject
        {
            ["memories"] = new JsonArray(found.Select(m => (JsonNode)new JsonObject { ["fact"] = m.Text, ["saved_at"] = m.CreatedAt.ToString("O") }).ToArray()),
        };
    }
}
