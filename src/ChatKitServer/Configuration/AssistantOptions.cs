using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>Which model answers and how (section <c>Assistant</c>).</summary>
public sealed class AssistantOptions : IValidatableObject
{
    public const string Section = "Assistant";

    /// <summary><c>Offline</c> (default, no network), <c>OpenAI</c> or <c>AzureOpenAI</c>.</summary>
    public AssistantProvider Provider { get; set; } = AssistantProvider.Offline;

    /// <summary>The system prompt; the request's locale is appended to it.</summary>
    [Required]
    public string SystemPrompt { get; set; } =
        "You are a helpful assistant inside a chat application. Answer clearly and concisely, using Markdown when it helps. " +
        "Use the tools you are given when they help: remember facts the user asks you to keep, recall them when relevant, " +
        "and search the user's past conversations when they refer to them.";

    /// <summary>Models a request may pick with <c>inference_options.model</c>; the provider's default model is always allowed.</summary>
    public string[] Models { get; set; } = [];

    /// <summary>Most model calls in one turn (each tool round is one); the last round gets no tools, so it must answer.</summary>
    [Range(1, 20)]
    public int MaxToolRounds { get; set; } = 5;

    /// <summary>How many characters of thread history the model sees (newest first until the budget is spent).</summary>
    [Range(1000, 2_000_000)]
    public int HistoryBudgetChars { get; set; } = 24_000;

    /// <summary>The offline responder's pause between words, so its answer streams like a model's (0: none).</summary>
    [Range(0, 5000)]
    public int OfflineWordDelayMs { get; set; } = 15;

    /// <summary>Tools the client runs: a call ends the turn with a pending client_tool_call.</summary>
    public List<ClientToolOptions> ClientTools { get; set; } = [];

    /// <summary>MCP tool servers whose tools join the model's tool list.</summary>
    public List<McpServerOptions> McpServers { get; set; } = [];

    /// <summary>Seconds between attempts to reach an MCP server that is down.</summary>
    [Range(1, 3600)]
    public int McpReconnectSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds an MCP server has to answer a tool call (then the model gets an error result), and to list its tools once
    /// connected (then it is tried again later): a server that never answers must not hold a turn, or the other servers, forever.
    /// </summary>
    [Range(1, 3600)]
    public int McpCallTimeoutSeconds { get; set; } = 60;

    /// <summary>Show each server-side tool call as a workflow item whose tasks move from loading to complete.</summary>
    public bool ShowToolWork { get; set; } = true;

    /// <summary>The script of <see cref="AssistantProvider.Scripted"/>: a JSON file of turns.</summary>
    public string? ScriptPath { get; set; }

    /// <summary>Give a thread without a title one after its first answer.</summary>
    public bool AutoTitles { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == AssistantProvider.Scripted)
        {
            if (string.IsNullOrWhiteSpace(ScriptPath) || !File.Exists(ScriptPath))
                yield return new ValidationResult($"Assistant:Provider=Scripted needs Assistant:ScriptPath naming a script file; '{ScriptPath}' does not exist.", [nameof(ScriptPath)]);
            else if (ChatKit.Scripted.ChatScript.Problem(ScriptPath) is { } problem)
                yield return new ValidationResult($"Assistant:ScriptPath '{ScriptPath}' is not a valid script: {problem}", [nameof(ScriptPath)]);
        }
        foreach (var server in McpServers)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(server.Name ?? "", "^[A-Za-z0-9_-]{1,24}$"))
                yield return new ValidationResult($"Assistant:McpServers: '{server.Name}' is not a valid server name (letters, digits, _ and -, at most 24).");
            if (string.IsNullOrWhiteSpace(server.Command) == (server.Url is null))
                yield return new ValidationResult($"Assistant:McpServers:{server.Name}: give either Command (stdio) or Url (streamable HTTP).");
        }
        if (McpServers.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            yield return new ValidationResult($"Assistant:McpServers: the name '{duplicate.Key}' is used twice.");
        foreach (var tool in ClientTools)
        {
            if (string.IsNullOrWhiteSpace(tool.Name) || !System.Text.RegularExpressions.Regex.IsMatch(tool.Name, "^[A-Za-z0-9_-]{1,64}$"))
                yield return new ValidationResult($"Assistant:ClientTools: '{tool.Name}' is not a valid tool name (letters, digits, _ and -, at most 64).");
            string? problem = null;
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(tool.Parameters) is not System.Text.Json.Nodes.JsonObject)
                    problem = "is not a JSON object";
            }
            catch (System.Text.Json.JsonException ex)
            {
                problem = "is not valid JSON: " + ex.Message;
            }
            if (problem is not null)
                yield return new ValidationResult($"Assistant:ClientTools:{tool.Name}:Parameters {problem}.");
        }
    }
}

/// <summary>An MCP tool server: a command speaking stdio, or a streamable HTTP endpoint.</summary>
public sealed class McpServerOptions
{
    public string Name { get; set; } = "";
    public string? Command { get; set; }
    public string[] Arguments { get; set; } = [];
    public Dictionary<string, string?> Environment { get; set; } = [];
    public Uri? Url { get; set; }
    public Dictionary<string, string> Headers { get; set; } = [];
}

/// <summary>A tool declared as client-side.</summary>
public sealed class ClientToolOptions
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    /// <summary>JSON schema of the arguments, as a JSON string.</summary>
    public string Parameters { get; set; } = """{"type":"object","properties":{}}""";
}

public enum AssistantProvider
{
    Offline,
    OpenAI,
    AzureOpenAI,
    /// <summary>A deterministic model read from <see cref="AssistantOptions.ScriptPath"/> (QA and integration tests).</summary>
    Scripted,
}
