using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Assistant.History;

namespace ChatKitServer.Admin;

/// <summary>A file to download: its bytes, content type and name.</summary>
public sealed record AdminExportFile(byte[] Content, string ContentType, string FileName);

/// <summary>
/// One thread as a file: JSON (the thread, every item exactly as stored, hidden ones included, and the
/// feedback) or a readable Markdown transcript (messages, tool calls, widgets as their copy text, usage,
/// errors, feedback). The admin API and the admin pages serve the same files.
/// </summary>
public sealed partial class AdminThreadExport(AdminQueries queries, TimeProvider time)
{
    public async Task<AdminExportFile> JsonAsync(string threadId, CancellationToken ct)
    {
        var detail = await queries.GetAsync(threadId, ct);
        var thread = JsonNode.Parse(ChatKitJson.Serialize(detail.Metadata))!.AsObject();
        thread["user_id"] = detail.Thread.UserId;
        thread["updated_at"] = JsonValue.Create(ChatKitClock.ToMicroseconds(detail.Thread.UpdatedAt));
        var export = new JsonObject
        {
            ["thread"] = thread,
            ["items"] = new JsonArray(detail.StoredItems.Select(json => JsonNode.Parse(json)).ToArray()),
            ["feedback"] = new JsonArray(detail.Feedback.Select(f => (JsonNode)new JsonObject
            {
                ["item_id"] = f.ItemId, ["kind"] = f.Kind, ["created_at"] = JsonValue.Create(ChatKitClock.ToMicroseconds(f.At)),
            }).ToArray()),
            ["exported_at"] = JsonValue.Create(ChatKitClock.Now(time)),
        };
        return new AdminExportFile(Encoding.UTF8.GetBytes(export.ToJsonString(ChatKitJson.Options)), "application/json", threadId + ".json");
    }

    public async Task<AdminExportFile> MarkdownAsync(string threadId, CancellationToken ct)
    {
        var detail = await queries.GetAsync(threadId, ct);
        var feedback = detail.Feedback.ToDictionary(f => f.ItemId, f => f.Kind);
        var md = new StringBuilder();
        md.Append("# ").AppendLine(detail.Thread.Title is { } title ? Literal(title) : "(untitled)").AppendLine();
        md.Append("- Thread: `").Append(detail.Thread.Id).AppendLine("`");
        md.Append("- User: `").Append(detail.Thread.UserId).AppendLine("`");
        md.Append("- Created: ").AppendLine(Time(detail.Thread.CreatedAt));
        md.Append("- Updated: ").AppendLine(Time(detail.Thread.UpdatedAt));
        md.Append("- Status: ").AppendLine(detail.Thread.Status);
        md.Append(CultureInfo.InvariantCulture, $"- Tokens: {detail.PromptTokens} prompt, {detail.CompletionTokens} completion, over {detail.Usage.Count} {(detail.Usage.Count == 1 ? "answer" : "answers")}").AppendLine();
        md.Append("- Exported: ").AppendLine(Time(ChatKitClock.Now(time)));
        foreach (var item in detail.Items)
        {
            if (item is EndOfTurnItem) continue;
            md.AppendLine();
            Write(md, item);
            if (feedback.TryGetValue(item.Id, out var kind)) md.AppendLine().Append("_Feedback: ").Append(kind).AppendLine("_");
        }
        return new AdminExportFile(Encoding.UTF8.GetBytes(md.ToString()), "text/markdown; charset=utf-8", threadId + ".md");
    }

    private static void Write(StringBuilder md, ThreadItem item)
    {
        var at = Time(item.CreatedAt);
        switch (item)
        {
            case UserMessageItem u:
                // What the user typed, as typed: in a fence it cannot pass for a part of the transcript (an answer, feedback) nor carry HTML.
                md.Append("## User · ").AppendLine(at);
                if (u.QuotedText is not null) Block(md, "Quoting", u.QuotedText, "text");
                Block(md, null, u.Text, "text");
                foreach (var a in u.Attachments) md.AppendLine().Append("Attachment: ").Append(Literal(a.Name)).Append(" (").Append(Literal(a.MimeType)).AppendLine(")");
                break;
            case AssistantMessageItem a:
                // Fenced as well: a model can be led to write what looks like another turn, feedback or HTML.
                md.Append("## Assistant · ").AppendLine(at);
                Block(md, null, a.Text, "markdown");
                break;
            case ClientToolCallItem c:
                md.Append("### Client tool call ").Append(Code(c.Name)).Append(" (").Append(c.Status.ToString().ToLowerInvariant()).Append(") · ").AppendLine(at);
                Block(md, "Arguments", c.Arguments.ToJsonString(ChatKitJson.Options), "json");
                if (c.Output is not null) Block(md, "Output", c.Output.ToJsonString(ChatKitJson.Options), "json");
                break;
            case WidgetItem w:
                md.Append("### Widget (").Append(Literal(w.Widget.Type)).Append(") · ").AppendLine(at);
                if (string.IsNullOrWhiteSpace(w.CopyText)) md.AppendLine().AppendLine("_(no copy text)_");
                else Block(md, null, w.CopyText, "text");
                break;
            case WorkflowItem wf:
                md.Append("### Workflow · ").AppendLine(at).AppendLine();
                foreach (var task in wf.Workflow.Tasks) md.Append("- ").AppendLine(Literal(task.Title ?? task.GetType().Name));
                break;
            case HiddenContextItem h when h.Content is JsonObject content && HiddenRecords.KindOf(h) is { } kind && kind != HiddenRecords.ToolCallKind:
                if (kind == HiddenRecords.UsageKind)
                    md.Append(CultureInfo.InvariantCulture, $"_Usage: {(string?)content["model"]} · {(long?)content["prompt_tokens"]} prompt + {(long?)content["completion_tokens"]} completion tokens_").AppendLine();
                else if (kind == HiddenRecords.ErrorKind)
                {
                    md.Append("### Error ").Append(Code((string?)content["code"] ?? "")).Append(" · ").AppendLine(at);
                    Block(md, null, (string?)content["message"] ?? (string?)content["exception"] ?? "", "text");
                }
                else
                    Hidden(md, at, content);
                break;
            case HiddenContextItem h when HiddenRecords.KindOf(h) == HiddenRecords.ToolCallKind:
                var call = (JsonObject)h.Content!;
                md.Append("### Tool call ").Append(Code((string?)call["name"] ?? "")).Append(" · ").AppendLine(at);
                Block(md, "Arguments", (string?)call["arguments"] ?? "", "json");
                Block(md, "Result", (string?)call["result"] ?? "", "");
                break;
            case HiddenContextItem h:
                Hidden(md, at, h.Content);
                break;
            case SdkHiddenContextItem s:
                md.Append("### Hidden note · ").AppendLine(at);
                Block(md, null, s.Content, "text");
                break;
            default:
                md.Append("### ").Append(item.Kind.Replace('_', ' ')).Append(" · ").AppendLine(at);
                Block(md, null, ChatKitJson.Serialize(item), "json");
                break;
        }
    }

    private static void Hidden(StringBuilder md, string at, JsonNode? content)
    {
        md.Append("### Hidden context · ").AppendLine(at);
        Block(md, null, content?.ToJsonString(ChatKitJson.Options) ?? "null", "json");
    }

    /// <summary>A fenced block whose fence is longer than any run of backticks in the text, so the text cannot end it.</summary>
    private static void Block(StringBuilder md, string? label, string text, string language)
    {
        var fence = new string('`', Math.Max(3, Backticks().Matches(text).Select(m => m.Length + 1).DefaultIfEmpty(0).Max()));
        md.AppendLine();
        if (label is not null) md.Append(label).AppendLine(":").AppendLine();
        md.Append(fence).AppendLine(language).AppendLine(text).AppendLine(fence);
    }

    /// <summary>A code span on one line whose backticks outnumber any run in the text, so the text cannot end it.</summary>
    private static string Code(string text)
    {
        text = OneLine(text);
        var ticks = new string('`', Backticks().Matches(text).Select(m => m.Length + 1).DefaultIfEmpty(1).Max());
        var pad = text.StartsWith('`') || text.EndsWith('`') ? " " : "";
        return ticks + pad + text + pad + ticks;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>User text on one line of running Markdown, with the characters that begin Markdown or HTML escaped, so it reads as written.</summary>
    private static string Literal(string text) => MarkdownSyntax().Replace(OneLine(text), @"\$0");

    [GeneratedRegex("`+")]
    private static partial Regex Backticks();

    [GeneratedRegex(@"[\\`*_\[\]<>!&#|~]")]
    private static partial Regex MarkdownSyntax();
}
