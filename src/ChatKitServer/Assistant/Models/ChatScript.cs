using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit.Json;
using ChatKit.Widgets;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// A script for <see cref="ScriptedChatClient"/>: turns matched against the user's message, in order.
/// <code>
/// { "turns": [
///   { "match": "weather", "reply": ["It is ", "sunny."], "delayMs": 20 },
///   { "match": "regex:^remember (.+)$", "toolCalls": [ { "name": "remember", "arguments": { "fact": "$1" } } ], "then": ["Saved."] },
///   { "match": "card", "reply": ["Here:"], "widget": { "type": "Card", "children": [] } },
///   { "match": "fail", "error": { "message": "Upstream down", "retry": true } },
///   { "match": "*", "reply": ["I have no script for that."], "title": "Misc" } ] }
/// </code>
/// <c>match</c> is a case-insensitive substring, <c>regex:</c> a pattern (groups fill <c>$1</c>… in tool
/// arguments), or <c>*</c>. After tool calls, the model answers with <c>then</c>.
/// </summary>
public sealed partial class ChatScript
{
    public List<Turn> Turns { get; init; } = [];

    public sealed class Turn
    {
        public string Match { get; init; } = "*";
        public List<string> Reply { get; init; } = [];
        public int DelayMs { get; init; }
        public List<ScriptedToolCall> ToolCalls { get; init; } = [];
        public List<string> Then { get; init; } = [];
        public JsonObject? Widget { get; init; }
        public string? CopyText { get; init; }
        public ScriptedError? Error { get; init; }
        public string? Title { get; init; }
        public int PromptTokens { get; init; } = 10;
        public int CompletionTokens { get; init; } = 5;

        public Match? Matches(string text)
        {
            if (Match == "*") return System.Text.RegularExpressions.Match.Empty;
            if (Match.StartsWith("regex:", StringComparison.Ordinal))
            {
                var m = Regex.Match(text, Match["regex:".Length..], RegexOptions.IgnoreCase | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
                return m.Success ? m : null;
            }
            return text.Contains(Match, StringComparison.OrdinalIgnoreCase) ? System.Text.RegularExpressions.Match.Empty : null;
        }
    }

    public sealed class ScriptedToolCall
    {
        public string Name { get; init; } = "";
        public JsonObject Arguments { get; init; } = [];
    }

    public sealed class ScriptedError
    {
        public string? Message { get; init; }
        public bool Retry { get; init; }
    }

    // Unknown keys are refused: a typo ("replly") must fail the test that uses the script, not give an empty answer.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The keys a turn may have.</summary>
    public static readonly IReadOnlyList<string> TurnKeys =
        ["match", "reply", "delayMs", "toolCalls", "then", "widget", "copyText", "error", "title", "promptTokens", "completionTokens"];

    public static ChatScript Load(string path)
    {
        ChatScript script;
        try
        {
            script = JsonSerializer.Deserialize<ChatScript>(File.ReadAllText(path), Json) ?? throw new JsonException("The script is empty.");
        }
        catch (JsonException ex) when (UnknownKey().Match(ex.Message) is { Success: true } unknown)
        {
            throw new JsonException($"{path}, line {(ex.LineNumber ?? 0) + 1}: unknown key '{unknown.Groups["key"].Value}' at {ex.Path}; "
                + $"a turn's keys are {string.Join(", ", TurnKeys)}; a tool call has name and arguments; an error has message and retry.", ex);
        }
        foreach (var turn in script.Turns.Where(t => t.Widget is not null))
            ChatKitJson.Deserialize<WidgetRoot>(turn.Widget!.ToJsonString()); // fails early on a bad widget
        return script;
    }

    [GeneratedRegex("The JSON property '(?<key>[^']*)' could not be mapped")]
    private static partial Regex UnknownKey();

    /// <summary>Fills <c>$1</c>, <c>$2</c>… in tool arguments (JSON) with the groups of the turn's <c>regex:</c> match, JSON-escaped.</summary>
    internal static string Fill(string json, Match? match)
    {
        if (match is null || !match.Success) return json;
        for (var g = match.Groups.Count - 1; g >= 1; g--)
            json = json.Replace("$" + g, JsonEncodedText.Encode(match.Groups[g].Value).ToString());
        return json;
    }

    /// <summary>What is wrong with the script file, or null.</summary>
    public static string? Problem(string path)
    {
        try
        {
            return Load(path).Turns.Count == 0 ? "it has no turns." : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or RegexParseException)
        {
            return ex.Message;
        }
    }
}
