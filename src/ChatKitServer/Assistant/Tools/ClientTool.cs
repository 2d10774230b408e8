using System.Text.Json.Nodes;
using ChatKitServer.Configuration;

namespace ChatKitServer.Assistant.Tools;

/// <summary>A tool declared in <c>Assistant:ClientTools</c>: the client runs it.</summary>
public sealed class ClientTool(ClientToolOptions options) : IChatKitTool
{
    public string Name => options.Name;
    public string Description => options.Description;
    public JsonObject Parameters => JsonNode.Parse(options.Parameters)!.AsObject();
    public string ParametersJson => options.Parameters; // checked to be a JSON object at start
    public bool RunsOnClient => true;

    public Task<JsonNode?> ExecuteAsync(JsonObject arguments, ToolContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"'{Name}' runs on the client; the server never executes it.");
}
