using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ChatKitServer.Assistant.Mcp;

/// <summary>
/// The configured MCP tool servers, connected through the official SDK (stdio or streamable HTTP).
/// A server that fails to start or dies mid-call is isolated: a warning in the log, its tools
/// dropped, and it is tried again every <c>Assistant:McpReconnectSeconds</c>; the other servers
/// and the conversation go on. A call not answered within <c>Assistant:McpCallTimeoutSeconds</c> gets an error
/// result (the server stays up: it may only be slow at that tool); a server that does not list its tools within
/// that time is tried again later.
/// </summary>
public sealed class McpServers(IOptions<AssistantOptions> options, ILoggerFactory loggers, TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<McpServers>();
    private readonly Dictionary<string, Connection> _servers = options.Value.McpServers.ToDictionary(s => s.Name, s => new Connection(s), StringComparer.Ordinal);

    private sealed class Connection(McpServerOptions options)
    {
        public McpServerOptions Options { get; } = options;
        public readonly SemaphoreSlim Gate = new(1, 1);
        public McpClient? Client;
        public IReadOnlyList<Tool> Tools = [];
        public DateTimeOffset RetryAt;
    }

    /// <summary>The tools of the servers that are up now.</summary>
    public IReadOnlyList<McpTool> Tools()
    {
        var tools = new List<McpTool>();
        foreach (var server in _servers.Values)
        {
            if (server.Client is null) continue;
            tools.AddRange(server.Tools.Select(t => new McpTool(this, server.Options.Name, t.Name, t.Description, Schema(t.InputSchema))));
        }
        return tools;
    }

    /// <summary>Connects every server that is down and due for a try (all of them at start).</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        foreach (var server in _servers.Values.Where(s => s.Client is null && s.RetryAt <= time.GetUtcNow()))
        {
            await server.Gate.WaitAsync(ct);
            try
            {
                if (server.Client is not null) continue;
                var client = await McpClient.CreateAsync(Transport(server.Options), new McpClientOptions(), loggers, ct); // the SDK bounds the handshake
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(CallTimeout);
                try
                {
                    server.Tools = await ListToolsAsync(server.Options.Name, client, deadline.Token);
                }
                catch
                {
                    await client.DisposeAsync(); // the server's process or session goes with it, not left behind at each try
                    throw;
                }
                server.Client = client;
                _logger.LogInformation("MCP server {McpServer} is up with {ToolCount} tools", server.Options.Name, server.Tools.Count);
                foreach (var same in server.Tools.GroupBy(t => McpTool.NameFor(server.Options.Name, t.Name)).Where(g => g.Count() > 1))
                    _logger.LogWarning("MCP server {McpServer} has tools that reach the model under one name, {ToolName}: {McpTools}; only the first is offered",
                        server.Options.Name, same.Key, string.Join(", ", same.Select(t => t.Name)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                server.RetryAt = time.GetUtcNow().AddSeconds(options.Value.McpReconnectSeconds);
                _logger.LogWarning(ex, "MCP server {McpServer} could not be reached; its tools are unavailable until it is", server.Options.Name);
            }
            finally
            {
                server.Gate.Release();
            }
        }
    }

    /// <summary>
    /// The server's tools, page after page, each read on its own: a tool the SDK refuses (an input schema that is not an
    /// object, e.g. <c>{"type":"string"}</c> or no <c>type</c>) is left out with a warning naming the server and the tool.
    /// The SDK's <c>ListToolsAsync</c> reads a page as a whole, so one such tool made every tool of its server unavailable.
    /// </summary>
    private async Task<IReadOnlyList<Tool>> ListToolsAsync(string serverName, McpClient client, CancellationToken ct)
    {
        var tools = new List<Tool>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var response = await client.SendRequestAsync(new JsonRpcRequest
            {
                Method = RequestMethods.ToolsList,
                Params = cursor is null ? null : new JsonObject { ["cursor"] = cursor },
            }, ct);
            var page = response.Result as JsonObject ?? throw new McpException($"MCP server '{serverName}' answered tools/list without a result object.");
            foreach (var listed in page["tools"] as JsonArray ?? [])
            {
                if (ReadTool(serverName, listed) is { } tool) tools.Add(tool);
            }
            cursor = page["nextCursor"] is JsonValue next && next.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
        }
        while (cursor is not null && ++pages < MaxToolPages);
        client.AddKnownTools(tools); // what ListToolsAsync would have cached: the transport's per-tool headers
        return tools;
    }

    /// <summary>Pages of <c>tools/list</c> read at most: a server whose cursor never ends does not hold the connection forever.</summary>
    private const int MaxToolPages = 100;

    private Tool? ReadTool(string serverName, JsonNode? listed)
    {
        // Only an object has a name to read (an indexer on a string, a number or an array throws).
        var name = listed is JsonObject tool && tool["name"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "(no name)";
        try
        {
            if (listed is not JsonObject) throw new JsonException($"The tool is {listed?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not an object.");
            return listed.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<Tool>())
                ?? throw new JsonException("The tool is null.");
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException)
        {
            _logger.LogWarning("MCP server {McpServer} lists tool {McpTool} with an input schema or a definition the MCP SDK refuses ({Reason}); that tool is left out, the server's other tools are offered",
                serverName, name, ex.Message);
            return null;
        }
    }

    /// <summary>Calls a tool; a server failure takes the server down and comes back as an error result for the model.</summary>
    public async Task<JsonNode?> CallAsync(string serverName, string tool, JsonObject arguments, CancellationToken ct)
    {
        var server = _servers[serverName];
        var client = server.Client;
        if (client is null)
            return new JsonObject { ["error"] = $"The tool server '{serverName}' is not available right now." };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(CallTimeout);
        try
        {
            var args = arguments.ToDictionary(p => p.Key, p => (object?)p.Value?.Deserialize<JsonElement>());
            var result = await client.CallToolAsync(tool, args, cancellationToken: deadline.Token);
            var text = Cut(string.Join("\n", result.Content.OfType<TextContentBlock>().Select(b => b.Text)));
            return result.IsError == true ? new JsonObject { ["error"] = text } : new JsonObject { ["result"] = text };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            _logger.LogWarning("MCP server {McpServer} did not answer {McpTool} within {TimeoutSeconds} s", serverName, tool, options.Value.McpCallTimeoutSeconds);
            return new JsonObject { ["error"] = $"The tool server '{serverName}' did not answer '{tool}' within {options.Value.McpCallTimeoutSeconds} s." };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "MCP server {McpServer} failed during {McpTool}; taking it down until it answers again", serverName, tool);
            await TakeDownAsync(server, client);
            return new JsonObject { ["error"] = $"The tool server '{serverName}' failed while running '{tool}'." };
        }
    }

    private async Task TakeDownAsync(Connection server, McpClient client)
    {
        await server.Gate.WaitAsync();
        try
        {
            if (!ReferenceEquals(server.Client, client)) return;
            server.Client = null;
            server.Tools = [];
            server.RetryAt = time.GetUtcNow().AddSeconds(options.Value.McpReconnectSeconds);
        }
        finally
        {
            server.Gate.Release();
        }
        try
        {
            await client.DisposeAsync();
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Closing the failed MCP client of {McpServer} failed too", server.Options.Name);
        }
    }

    /// <summary>
    /// A result longer than <c>Assistant:HistoryBudgetChars</c>, cut to it, saying so (as the history cuts an item over the budget):
    /// more than the model sees of a whole thread would only fail the model call, and be stored whole with the turn.
    /// </summary>
    private string Cut(string text)
    {
        var budget = options.Value.HistoryBudgetChars;
        return text.Length <= budget ? text : ChatKit.TextClip.Prefix(text, budget) + $"\n[cut here: {text.Length} characters in all, only the first {budget} are shown]";
    }

    private TimeSpan CallTimeout => TimeSpan.FromSeconds(options.Value.McpCallTimeoutSeconds);

    private IClientTransport Transport(McpServerOptions server) => server.Url is { } url
        ? new HttpClientTransport(new HttpClientTransportOptions { Name = server.Name, Endpoint = url, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = server.Headers }, loggers)
        : new StdioClientTransport(new StdioClientTransportOptions { Name = server.Name, Command = server.Command!, Arguments = server.Arguments, EnvironmentVariables = server.Environment }, loggers);

    private static JsonObject Schema(JsonElement schema) =>
        JsonNode.Parse(schema.GetRawText()) as JsonObject ?? new JsonObject { ["type"] = "object" };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_servers.Count == 0) return;
        await ConnectAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.McpReconnectSeconds)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await ConnectAsync(stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var server in _servers.Values)
        {
            if (server.Client is { } client) await client.DisposeAsync();
        }
    }
}
