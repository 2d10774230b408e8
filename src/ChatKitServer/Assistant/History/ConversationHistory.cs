using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Assistant.Models;

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
        var turns = new List<List<ChatModelMessage>>();
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

    private static List<ChatModelMessage> Ordered(List<List<ChatModelMessage>> newestFirst)
    {
        newestFirst.Reverse();
        return newestFirst.SelectMany(m => m).ToList();
    }

    /// <summary>The texts of <paramref name="messages"/> cut so that they hold at most <paramref name="budget"/> characters in all, each cut one saying so.</summary>
    private static List<ChatModelMessage> Cut(List<ChatModelMessage> messages, int budget)
    {
        var left = budget;
        string Take(string text)
        {
            var kept = text.Length <= left ? text : text[..Math.Max(0, left)] + $"\n[cut here: {text.Length} characters in all, only the first {Math.Max(0, left)} are shown]";
            left = Math.Max(0, left - text.Length);
            return kept;
        }
        return messages.Select(m => m switch
        {
            SystemMessage s => new SystemMessage(Take(s.Text)),
            UserMessage u => new UserMessage(u.Parts.Select(p => p is TextPart t ? new TextPart(Take(t.Text)) : p).ToList()),
            AssistantMessage a => a with { Text = a.Text is null ? null : Take(a.Text) },
            ToolResultMessage r => r with { Result = Take(r.Result) },
            _ => m,
        }).ToList();
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

/// <summary>The messages for the model, and whether the newest user message had to be cut to fit the budget.</summary>
public sealed record ModelHistory(List<ChatModelMessage> Messages, CutMessage? NewestCut);

/// <summary>A user message of <paramref name="Length"/> characters of which only the first <paramref name="Kept"/> reach the model.</summary>
public sealed record CutMessage(int Length, int Kept);
