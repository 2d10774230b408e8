using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant.Tools;

/// <summary>
/// Every tool the model may call: the registered server tools and the configured client tools, by name, then the tools of
/// the MCP servers that are up. An MCP tool whose name for the model is taken (two tools of a server that differ only in
/// characters a model name cannot hold, or past its 64th character) is left out: the first keeps the name, and the
/// server's listing cannot fail every turn (<see cref="Mcp.McpServers"/> warns of it when the server connects).
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, IChatKitTool> _tools = new(StringComparer.Ordinal);

    public ToolRegistry(IEnumerable<IChatKitTool> tools, IOptions<AssistantOptions> options, Mcp.McpServers? mcp = null)
    {
        var all = tools.Concat(options.Value.ClientTools.Select(c => (IChatKitTool)new ClientTool(c)));
        foreach (var tool in all)
        {
            if (!_tools.TryAdd(tool.Name, tool))
                throw new InvalidOperationException($"Two tools are named '{tool.Name}'; tool names must be unique.");
        }
        foreach (var tool in mcp?.Tools() ?? [])
            _tools.TryAdd(tool.Name, tool);
    }

    public IChatKitTool? Find(string name) => _tools.GetValueOrDefault(name);

    /// <summary>
    /// The tools as the model sees them: declarations only (name, description, JSON schema). The responder
    /// runs each call itself, so that it can show it (progress, workflow) and hand client tools to the client.
    /// </summary>
    public IList<AITool> Definitions() => _tools.Values.Select(Declaration).ToList();

    /// <summary>Declarations made so far, shared by every turn; emptied when it reaches <see cref="MaxDeclarations"/>.</summary>
    private static readonly ConcurrentDictionary<(string Name, string Description, string Schema), AITool> Declarations = new();

    /// <summary>More declarations than any set of tools has: schemas that keep changing (an MCP server's) do not pile up.</summary>
    private const int MaxDeclarations = 1024;

    /// <summary>
    /// A tool's declaration, made once for its name, description and schema: every turn made each one again, with its schema
    /// parsed into a new document, and held them for as long as it streamed (about 1 KB of every open stream). The key is the
    /// schema's text (<see cref="IChatKitTool.ParametersJson"/>), which the built-in tools keep as one string: building their
    /// schemas to write them out was 3% of the bytes a turn allocated.
    /// </summary>
    private static AITool Declaration(IChatKitTool tool)
    {
        var key = (tool.Name, tool.Description, tool.ParametersJson);
        if (Declarations.TryGetValue(key, out var known)) return known;
        if (Declarations.Count >= MaxDeclarations) Declarations.Clear();
        return Declarations.GetOrAdd(key, static k =>
        {
            using var schema = JsonDocument.Parse(k.Schema);
            return AIFunctionFactory.CreateDeclaration(k.Name, k.Description, schema.RootElement.Clone());
        });
    }
}
