using System.Text;
using ChatKit;

namespace ChatKitServer.SimpleChat;

/// <summary>What a client that does not speak ChatKit sees of a turn: text deltas, then the whole answer with its widgets.</summary>
public sealed class SimpleChatTurn(string? threadId)
{
    private readonly StringBuilder _text = new();

    public string? ThreadId { get; private set; } = threadId;
    public List<WidgetItem> Widgets { get; } = [];
    public List<string> AssistantItemIds { get; } = [];
    public ErrorEvent? Error { get; private set; }
    public List<NoticeEvent> Notices { get; } = [];
    public string Content => _text.ToString();

    /// <summary>Follows one engine event; returns the text delta it carries, if any.</summary>
    public string? Observe(ThreadStreamEvent ev)
    {
        switch (ev)
        {
            case ThreadCreatedEvent created:
                ThreadId = created.Thread.Id;
                break;
            case ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta delta }:
                _text.Append(delta.Delta);
                return delta.Delta;
            case ThreadItemDoneEvent { Item: AssistantMessageItem message }:
                AssistantItemIds.Add(message.Id);
                // The saved text is the truth (a responder may finish without deltas).
                if (!Content.EndsWith(message.Text, StringComparison.Ordinal))
                    _text.Append(message.Text);
                break;
            case ThreadItemDoneEvent { Item: WidgetItem widget }:
                Widgets.Add(widget);
                break;
            case ErrorEvent error:
                Error = error;
                break;
            case NoticeEvent notice:
                Notices.Add(notice);
                break;
        }
        return null;
    }
}
