using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Assistant.Models;

namespace ChatKitServer.Assistant.History;

/// <summary>
/// Turns a thread's stored items into the messages the model sees: user and assistant messages,
/// client and server tool calls with their results, hidden context (such as "the user cancelled"),
/// newest first until the character budget is spent, then in order.
/// </summary>
public sealed class ConversationHistory(IChatKitStore store, AttachmentParts attachments)
{
    private const int PageSize = 50;
    private const int MaxItems = 2000;

    /// <summary>The thread's newest items (one page, newest first), to pass to <see cref="BuildAsync"/>.</summary>
    public Task<Page<ThreadItem>> LoadNewestAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken ct) =>
        store.LoadThreadItemsAsync(thread.Id, null, PageSize, SortOrder.Desc, context, ct);

    /// <summary>The messages for the model; <paramref name="newest"/> is the first page when the caller already has it.</summary>
    public async Task<List<ChatModelMessage>> BuildAsync(ThreadMetadata thread, ChatKitContext context, int budgetChars, Page<ThreadItem>? newest, CancellationToken ct)
    {
        var turns = new List<List<ChatModelMessage>>();
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
                    return Ordered(turns);
                spent += size;
                turns.Add(messages);
            }
            if (!page.HasMore || page.After is null) break;
            after = page.After;
        }
        return Ordered(turns);
    }

    private static List<ChatModelMessage> Ordered(List<List<ChatModelMessage>> newestFirst)
    {
        newestFirst.Reverse();
        return newestFirst.SelectMany(m => m).ToList();
    }

    internal static List<ChatModelMessage> ToMessages(ThreadItem item) => item switch
    {
        UserMessageItem m => [new UserMessage(UserText(m, withAttachments: true))],
        AssistantMessageItem m when m.Text.Length > 0 => [new AssistantMessage(m.Text)],
        ClientToolCallItem { Status: ClientToolCallStatus.Completed } c =>
        [
            new AssistantMessage(null, [new ToolCall(c.CallId, c.Name, c.Arguments.ToJsonString())]),
            new ToolResultMessage(c.CallId, c.Output?.ToJsonString() ?? "null"),
        ],
        HiddenContextItem h when HiddenRecords.KindOf(h) == HiddenRecords.ToolCallKind => ToolCallMessages(h),
        HiddenContextItem h when HiddenRecords.KindOf(h) == HiddenRecords.UsageKind => [],
        HiddenContextItem h => [new SystemMessage("Context: " + (h.Content?.ToJsonString() ?? "null"))],
        SdkHiddenContextItem s => [new SystemMessage(s.Content)],
        WidgetItem w => [new AssistantMessage("[A widget was shown to the user]" + (w.CopyText is { Length: > 0 } copy ? ": " + copy : ""))],
        StructuredInputItem s => StructuredInputMessages(s),
        _ => [],
    };

    private async Task<ChatModelMessage> UserMessageAsync(UserMessageItem m, CancellationToken ct)
    {
        var parts = new List<UserPart> { new TextPart(UserText(m, withAttachments: false)) };
        foreach (var attachment in m.Attachments)
            parts.Add(await attachments.ForModelAsync(attachment, ct));
        return new UserMessage(parts);
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

    private static List<ChatModelMessage> ToolCallMessages(HiddenContextItem h)
    {
        var o = (JsonObject)h.Content!;
        var callId = (string?)o["call_id"] ?? h.Id;
        return
        [
            new AssistantMessage(null, [new ToolCall(callId, (string?)o["name"] ?? "tool", (string?)o["arguments"] ?? "{}")]),
            new ToolResultMessage(callId, (string?)o["result"] ?? "null"),
        ];
    }

    private static List<ChatModelMessage> StructuredInputMessages(StructuredInputItem s)
    {
        var asked = "I asked: " + string.Join(" / ", s.Inputs.Select(i => i.Question));
        if (s.Status == StructuredInputStatus.Pending) return [new AssistantMessage(asked)];
        var answers = string.Join("\n", s.Inputs.Select(i => $"{i.Question} → " + (i.Answer is { Skipped: false } a ? string.Join(", ", a.Values) : "(skipped)")));
        return [new AssistantMessage(asked), new UserMessage(answers)];
    }

    private static int Size(ChatModelMessage m) => m switch
    {
        SystemMessage s => s.Text.Length,
        UserMessage u => u.Parts.Sum(p => p is TextPart t ? t.Text.Length : 1000),
        AssistantMessage a => (a.Text?.Length ?? 0) + a.ToolCalls.Sum(c => c.Name.Length + c.Arguments.Length),
        ToolResultMessage r => r.Result.Length,
        _ => 0,
    };
}
