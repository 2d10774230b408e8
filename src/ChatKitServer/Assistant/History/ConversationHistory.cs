using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json;
using ChatKit;
using ChatKit.Json;
using Microsoft.Extensions.AI;

namespace ChatKitServer.Assistant.History;

/// <summary>
/// Turns a thread's stored items into the messages the model sees: user and assistant messages,
/// client and server tool calls with their results, hidden context (such as "the user cancelled"),
/// newest first until the character budget is spent, then in order. The newest item always goes,
/// cut to the budget when it is larger (with a note to the model that it was cut).
/// </summary>
public sealed class ConversationHistory(IChatKitStore store, AttachmentParts attachments)
{
    private const int PageSize = 50;
    private const int MaxItems = 2000;

    /// <summary>The thread's newest items (one page, newest first), to pass to <see cref="BuildAsync"/>.</summary>
    public Task<Page<ThreadItem>> LoadNewestAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken ct) =>
        store.LoadThreadItemsAsync(thread.Id, null, PageSize, SortOrder.Desc, context, ct);

    /// <summary>The messages for the model; <paramref name="newest"/> is the first page when the caller already has it.</summary>
    public async Task<ModelHistory> BuildAsync(ThreadMetadata thread, ChatKitContext context, int budgetChars, Page<ThreadItem>? newest, CancellationToken ct)
    {
        var turns = new List<List<ChatMessage>>();
        CutMessage? cut = null;
        var spent = 0;
        var seen = 0;
        string? after = null;
        while (seen < MaxItems)
        {
            var page = after is null && newest is not null ? newest : await store.LoadThreadItemsAsync(thread.Id, after, PageSize, SortOrder.Desc, context, ct);
            foreach (var item in page.Data)
            {
                seen++;
                var messages = item is UserMessageItem user ? [await UserMessageAsync(user, ct)] : ToMessages(item);
                if (messages.Count == 0) continue;
                var size = messages.Sum(Size);
                if (spent + size > budgetChars && turns.Count > 0)
                    return new ModelHistory(Ordered(turns), cut);
                if (size > budgetChars)
                {
                    // The newest item alone is over the budget: it goes cut, never whole.
                    messages = Cut(messages, budgetChars);
                    if (item is UserMessageItem) cut = new CutMessage(size, budgetChars);
                    size = budgetChars;
                }
                spent += size;
                turns.Add(messages);
            }
            if (!page.HasMore || page.After is null) break;
            after = page.After;
        }
        return new ModelHistory(Ordered(turns), cut);
    }

    private static List<ChatMessage> Ordered(List<List<ChatMessage>> newestFirst)
    {
        newestFirst.Reverse();
        return newestFirst.SelectMany(m => m).ToList();
    }

    /// <summary>The texts of <paramref name="messages"/> cut so that they hold at most <paramref name="budget"/> characters in all, each cut one saying so.</summary>
    private static List<ChatMessage> Cut(List<ChatMessage> messages, int budget)
    {
        var left = budget;
        string Take(string text)
        {
            var kept = text.Length <= left ? text : TextClip.Prefix(text, Math.Max(0, left)) + $"\n[cut here: {text.Length} characters in all, only the first {Math.Max(0, left)} are shown]";
            left = Math.Max(0, left - text.Length);
            return kept;
        }
        return messages.Select(m => new ChatMessage(m.Role, m.Contents.Select(c => c switch
        {
            TextContent t => new TextContent(Take(t.Text)),
            FunctionResultContent r => new FunctionResultContent(r.CallId, Take(r.Result as string ?? "")),
            _ => c,
        }).ToList())).ToList();
    }

    internal static List<ChatMessage> ToMessages(ThreadItem item) => item switch
    {
        UserMessageItem m => [new ChatMessage(ChatRole.User, UserText(m, withAttachments: true))],
        AssistantMessageItem m when m.Text.Length > 0 => [new ChatMessage(ChatRole.Assistant, m.Text)],
        ClientToolCallItem { Status: ClientToolCallStatus.Completed } c =>
            ToolCallMessages(c.CallId, c.Name, c.Arguments.ToJsonString(ChatKitJson.Options), c.Output?.ToJsonString(ChatKitJson.Options) ?? "null"),
        HiddenContextItem h when HiddenRecords.KindOf(h) == HiddenRecords.ToolCallKind => ToolCallMessages(h),
        HiddenContextItem h when HiddenRecords.KindOf(h) is HiddenRecords.UsageKind or HiddenRecords.ErrorKind => [],
        HiddenContextItem h => [new ChatMessage(ChatRole.System, "Context: " + (h.Content?.ToJsonString(ChatKitJson.Options) ?? "null"))],
        SdkHiddenContextItem s => [new ChatMessage(ChatRole.System, s.Content)],
        WidgetItem w => [new ChatMessage(ChatRole.Assistant, "[A widget was shown to the user]" + (w.CopyText is { Length: > 0 } copy ? ": " + copy : ""))],
        StructuredInputItem s => StructuredInputMessages(s),
        _ => [],
    };

    private async Task<ChatMessage> UserMessageAsync(UserMessageItem m, CancellationToken ct)
    {
        var parts = new List<AIContent> { new TextContent(UserText(m, withAttachments: false)) };
        foreach (var attachment in m.Attachments)
            parts.Add(await attachments.ForModelAsync(attachment, ct));
        return new ChatMessage(ChatRole.User, parts);
    }

    private static string UserText(UserMessageItem m, bool withAttachments)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(m.QuotedText))
            text.Append("> ").Append(m.QuotedText.ReplaceLineEndings("\n> ")).Append("\n\n");
        text.Append(m.Text);
        if (withAttachments)
        {
            foreach (var a in m.Attachments)
                text.Append($"\n[Attached {a.Kind}: {a.Name} ({a.MimeType})]");
        }
        return text.ToString();
    }

    private static List<ChatMessage> ToolCallMessages(HiddenContextItem h)
    {
        var o = (JsonObject)h.Content!;
        return ToolCallMessages((string?)o["call_id"] ?? h.Id, (string?)o["name"] ?? "tool", (string?)o["arguments"] ?? "{}", (string?)o["result"] ?? "null");
    }

    /// <summary>A tool call the assistant made and its result, as the model sent and received them.</summary>
    internal static List<ChatMessage> ToolCallMessages(string callId, string name, string argumentsJson, string result) =>
    [
        new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, name, Arguments(argumentsJson))]),
        new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, result)]),
    ];

    /// <summary>Tool arguments (a JSON object) as a function call carries them; anything else as no arguments.</summary>
    internal static Dictionary<string, object?>? Arguments(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(string.IsNullOrWhiteSpace(json) ? "{}" : json, AIJsonUtilities.DefaultOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<ChatMessage> StructuredInputMessages(StructuredInputItem s)
    {
        var asked = "I asked: " + string.Join(" / ", s.Inputs.Select(i => i.Question));
        if (s.Status == StructuredInputStatus.Pending) return [new ChatMessage(ChatRole.Assistant, asked)];
        var answers = string.Join("\n", s.Inputs.Select(i => $"{i.Question} → " + (i.Answer is { Skipped: false } a ? string.Join(", ", a.Values) : "(skipped)")));
        return [new ChatMessage(ChatRole.Assistant, asked), new ChatMessage(ChatRole.User, answers)];
    }

    private static int Size(ChatMessage m) => m.Contents.Sum(c => c switch
    {
        TextContent t => t.Text.Length,
        FunctionCallContent f => f.Name.Length + (f.Arguments is null ? 0 : JsonSerializer.Serialize(f.Arguments, AIJsonUtilities.DefaultOptions).Length),
        FunctionResultContent r => (r.Result as string)?.Length ?? 0,
        _ => 1000, // an image or other data: a flat estimate
    });
}

/// <summary>The messages for the model, and whether the newest user message had to be cut to fit the budget.</summary>
public sealed record ModelHistory(List<ChatMessage> Messages, CutMessage? NewestCut);

/// <summary>A user message of <paramref name="Length"/> characters of which only the first <paramref name="Kept"/> reach the model.</summary>
public sealed record CutMessage(int Length, int Kept);
