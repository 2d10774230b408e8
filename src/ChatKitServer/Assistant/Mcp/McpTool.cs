using System.Text.Json.Nodes;
using ChatKitServer.Assistant.Tools;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant.Mcp;

/// <summary>
/// A tool of an MCP server, named <c>{server}__{tool}</c> for the model so that tools of different
/// servers never collide.
/// </summary>
public sealed class McpTool(McpServers servers, string server, string tool, string? description, JsonObject parameters) : IChatKitTool
{
    public string Server => server;
    public string ToolName => tool;
    public string Name { get; } = NameFor(server, tool);
    public string Description => $"{description ?? tool} (tool '{tool}' of the '{server}' tool server)";
    public JsonObject Parameters => (JsonObject)parameters.DeepClone();
    public string? Icon => "cube";

    public string ProgressText(JsonObject arguments, IStringLocalizer<AssistantTexts> texts) => texts[AssistantTexts.CallingMcpTool, tool, server];

    public async Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken)
    {
        // A span of its own inside the tool's: the call to the MCP server, with the server named.
        using var span = ChatKit.ChatKitTelemetry.Source.StartActivity($"mcp {server}/{tool}", System.Diagnostics.ActivityKind.Client);
        span?.SetTag("mcp.server.name", server);
        span?.SetTag("mcp.tool.name", tool);
        return await servers.CallAsync(server, tool, arguments, cancellationToken);
    }

    /// <summary>Letters, digits, _ and - only, at most 64 characters, as model APIs require.</summary>
    public static string NameFor(string server, string tool)
    {
        var name = System.Text.RegularExpressions.Regex.Replace(server + "__" + tool, "[^A-Za-z0-9_-]", "_");
        return name.Length <= 64 ? name : name[..64];
    }
}
