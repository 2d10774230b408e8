using System.Text.Json.Nodes;
using ChatKit;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant.Tools;

/// <summary>Finds the caller's own past threads that mention some words.</summary>
public interface IThreadSearch
{
    Task<IReadOnlyList<ThreadSearchHit>> SearchAsync(ChatKitContext context, string query, int limit, CancellationToken cancellationToken);
}

public sealed record ThreadSearchHit(string ThreadId, string? Title, string Snippet, DateTimeOffset CreatedAt);

/// <summary><c>search_threads</c>: search the caller's own past conversations.</summary>
public sealed class SearchThreadsTool(IThreadSearch search) : IChatKitTool
{
    public string Name => "search_threads";
    public string Description => "Search the user's own past conversations for words or a topic; returns matching threads with a snippet.";
    public string? Icon => "search";
    private const string Schema = """{"type":"object","properties":{"query":{"type":"string","description":"Words to search for."}},"required":["query"]}""";
    public JsonObject Parameters => JsonNode.Parse(Schema)!.AsObject();
    public string ParametersJson => Schema;

    public string ProgressText(JsonObject arguments, IStringLocalizer<AssistantTexts> texts) =>
        texts[AssistantTexts.Searching, ToolArguments.Cut(ToolArguments.OptionalString(arguments, "query") ?? "", 50)];

    public async Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var query = ToolArguments.RequiredString(arguments, "query", 200);
        var hits = await search.SearchAsync(context.Chat, query, 10, cancellationToken);
        return new JsonObject
        {
            ["results"] = new JsonArray(hits.Where(h => h.ThreadId != context.Thread.Id).Select(h => (JsonNode)new JsonObject
            {
                ["thread_id"] = h.ThreadId,
                ["title"] = h.Title,
                ["snippet"] = h.Snippet,
                ["created_at"] = h.CreatedAt.ToString("O"),
            }).ToArray()),
        };
    }
}
