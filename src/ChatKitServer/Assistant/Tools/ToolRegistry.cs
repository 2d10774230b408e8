using System.Text.Json;
using Microsoft.Extensions.AI;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant.Tools;

/// <summary>Every tool the model may call: the registered server tools and the configured client tools, by name.</summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, IChatKitTool> _tools = new(StringComparer.Ordinal);

    public ToolRegistry(IEnumerable<IChatKitTool> tools, IOptions<AssistantOptions> options, Mcp.McpServers? mcp = null)
    {
        var all = tools.Concat(options.Value.ClientTools.Select(c => (IChatKitTool)new ClientTool(c)))
            .Concat(mcp?.Tools() ?? []);
        foreach (var tool in all)
        {
            if (!_tools.TryAdd(tool.Name, tool))
                throw new InvalidOperationException($"Two tools are named '{tool.Name}'; tool names must be unique.");
        }
    }

    public IChatKitTool? Find(string name) => _tools.GetValueOrDefault(name);

    /// <summary>
    /// The tools as the model sees them: declarations only (name, description, JSON schema). The responder
    /// runs each call itself, so that it can show it (progress, workflow) and hand client tools to the client.
    /// </summary>
    public IList<AITool> Definitions() =>
        _tools.Values.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Description, JsonSerializer.SerializeToElement(t.Parameters, ChatKit.Json.ChatKitJson.Options))).ToList();
}
