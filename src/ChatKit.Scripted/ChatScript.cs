using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit.Json;
using ChatKit.Widgets;

namespace ChatKit.Scripted;

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
    /// <summary>The turns, tried in order; the first that matches answers.</summary>
    public List<Turn> Turns { get; init; } = [];

    /// <summary>One scripted answer and the messages it answers.</summary>
    public sealed class Turn
    {
        /// <summary>A case-insensitive substring of the user's message, <c>regex:</c> and a pattern, or <c>*</c> (any message).</summary>
        public string Match { get; init; } = "*";
        /// <summary>The answer's text, chunk by chunk (each chunk a streamed delta).</summary>
        public List<string> Reply { get; init; } = [];
        /// <summary>A pause before each chunk, tool call or error, in milliseconds.</summary>
        public int DelayMs { get; init; }
        /// <summary>Tools the model calls before answering.</summary>
        public List<ScriptedToolCall> ToolCalls { get; init; } = [];
        /// <summary>The answer after the tool calls' results.</summary>
        public List<string> Then { get; init; } = [];
        /// <summary>A widget shown after the reply (the ChatKit widget JSON).</summary>
        public JsonObject? Widget { get; init; }
        /// <summary>The text copied with the widget.</summary>
        public string? CopyText { get; init; }
        /// <summary>An error instead of an answer.</summary>
        public ScriptedError? Error { get; init; }
        /// <summary>The thread title given when asked for one (else the message's start).</summary>
        public string? Title { get; init; }
        /// <summary>Prompt tokens reported in the answer's usage.</summary>
        public int PromptTokens { get; init; } = 10;
        /// <summary>Completion tokens reported in the answer's usage.</summary>
        public int CompletionTokens { get; init; } = 5;

        /// <summary>The match of <paramref name="text"/> (its groups fill <c>$1</c>… in tool arguments), or null when this turn does not answer it.</summary>
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

    /// <summary>A tool call the model makes.</summary>
    public sealed class ScriptedToolCall
    {
        /// <summary>The tool's name (it must be offered to the model).</summary>
        public string Name { get; init; } = "";
        /// <summary>The arguments; <c>$1</c>, <c>$2</c>… are filled from a <c>regex:</c> match.</summary>
        public JsonObject Arguments { get; init; } = [];
    }

    /// <summary>A failure of the model.</summary>
    public sealed class ScriptedError
    {
        /// <summary>The message the user sees; without one, the protocol's generic stream error.</summary>
        public string? Message { get; init; }
        /// <summary>Whether the user may retry.</summary>
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

    /// <summary>The script in the file at <paramref name="path"/>; throws a <see cref="JsonException"/> naming the line and the key when it says something wrong.</summary>
    public static ChatScript Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The script in <paramref name="json"/> (<paramref name="source"/> names it in errors); throws a <see cref="JsonException"/> naming the line and the key when it says something wrong.</summary>
    public static ChatScript Parse(string json, string source = "the script")
    {
        ChatScript script;
        try
        {
            script = JsonSerializer.Deserialize<ChatScript>(json, Json) ?? throw new JsonException("The script is empty.");
        }
        catch (JsonException ex) when (UnknownKey().Match(ex.Message) is { Success: true } unknown)
        {
            throw new JsonException($"{source}, line {(ex.LineNumber ?? 0) + 1}: unknown key '{unknown.Groups["key"].Value}' at {ex.Path}; "
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
