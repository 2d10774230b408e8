using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Usage: McpTestServer            (stdio)
//        McpTestServer --hostile  (stdio, with HostileTools besides TestTools)
//        McpTestServer --hang-on-list (stdio, never answers tools/list)
//        McpTestServer --bad-schemas (stdio, TestTools listed with two more whose input schema is not an object, and entries that are no tool)
//        McpTestServer --http URL (streamable HTTP, e.g. http://127.0.0.1:5123)
if (args.Length == 2 && args[0] == "--http")
{
    var web = WebApplication.CreateSlimBuilder();
    web.WebHost.UseUrls(args[1]);
    web.Logging.ClearProviders();
    web.Services.AddMcpServer().WithHttpTransport().WithToolsFromAssembly();
    var app = web.Build();
    app.MapMcp("/mcp");
    await app.RunAsync();
    return;
}

var host = Host.CreateApplicationBuilder();
host.Logging.ClearProviders(); // stdout carries the protocol
var mcp = host.Services.AddMcpServer().WithStdioServerTransport();
if (args is ["--hang-on-list"])
{
    mcp.WithListToolsHandler(async (_, cancellationToken) =>
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new();
    });
}
else mcp.WithToolsFromAssembly();
if (args is ["--hostile"]) mcp.WithTools([typeof(HostileTools)]);
if (args is ["--bad-schemas"])
{
    // The SDK will not make a Tool whose input schema is not an object, so the listing is changed on its way out:
    // one tool whose arguments are a string, one whose schema names no type. The others stay as they are.
    mcp.WithMessageFilters(filters => filters.AddOutgoingFilter(next => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result } && result["tools"] is JsonArray tools)
        {
            tools.Insert(0, new JsonObject { ["name"] = "shout", ["description"] = "Arguments that are a string.", ["inputSchema"] = new JsonObject { ["type"] = "string" } });
            tools.Add(new JsonObject { ["name"] = "whisper", ["description"] = "A schema without a type.", ["inputSchema"] = new JsonObject { ["properties"] = new JsonObject() } });
            // Entries that are not tools at all: a string, a number, null, an array, and a tool whose name is not a string.
            tools.Add("mumble");
            tools.Add(42);
            tools.Add(null);
            tools.Add(new JsonArray("hum"));
            tools.Add(new JsonObject { ["name"] = 7, ["description"] = "A name that is a number.", ["inputSchema"] = new JsonObject { ["type"] = "object" } });
        }
        await next(context, cancellationToken);
    }));
}
await host.Build().RunAsync();

/// <summary>The tools the tests ask the model to call.</summary>
[McpServerToolType]
public static class TestTools
{
    [McpServerTool(Name = "echo"), Description("Echoes the text back, upper-cased.")]
    public static string Echo([Description("The text to echo.")] string text) => "ECHO: " + text.ToUpperInvariant();

    [McpServerTool(Name = "add"), Description("Adds two integers.")]
    public static int Add(int a, int b) => a + b;

    [McpServerTool(Name = "crash"), Description("Kills the server in the middle of the call.")]
    public static string Crash()
    {
        Environment.Exit(3);
        return "never";
    }
}

/// <summary>
/// Tools of a server that misbehaves, offered with <c>--hostile</c> only (no <c>McpServerToolType</c>, so the assembly
/// scan leaves them out): two names that reach the model as one, a call that never answers, a huge result.
/// </summary>
public static class HostileTools
{
    [McpServerTool(Name = "look.up"), Description("Looks up (a dotted name: it reaches the model as look_up).")]
    public static string LookUpDotted() => "dotted";

    [McpServerTool(Name = "look_up"), Description("Looks up (reaches the model as look_up too).")]
    public static string LookUp() => "underscored";

    [McpServerTool(Name = "hang"), Description("Never answers.")]
    public static async Task<string> Hang(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return "never";
    }

    [McpServerTool(Name = "huge"), Description("Answers 100,000 characters.")]
    public static string Huge() => new('x', 100_000);
}
