using System.Text;
using ChatKit.Widgets;

namespace ChatKit.Client;

/// <summary>Everything a turn streamed, collected: the thread, the assistant's text, progress, errors, widgets.</summary>
public sealed class ChatKitTurn
{
    /// <summary>Every event, in order.</summary>
    public List<ThreadStreamEvent> Events { get; } = [];

    /// <summary>The thread (from <c>thread.created</c> or any item).</summary>
    public string? ThreadId { get; private set; }

    /// <summary>The text of every assistant message of the turn, joined.</summary>
    public string AssistantText => string.Concat(Items<AssistantMessageItem>().Select(m => m.Text));

    /// <summary>The progress texts shown.</summary>
    public IReadOnlyList<string> ProgressUpdates => Events.OfType<ProgressUpdateEvent>().Select(p => p.Text).ToList();

    /// <summary>The error events.</summary>
    public IReadOnlyList<ErrorEvent> Errors => Events.OfType<ErrorEvent>().ToList();

    /// <summary>The notices.</summary>
    public IReadOnlyList<NoticeEvent> Notices => Events.OfType<NoticeEvent>().ToList();

    /// <summary>The widgets shown (final states).</summary>
    public IReadOnlyList<WidgetRoot> Widgets => Items<WidgetItem>().Select(w => w.Widget).ToList();

    /// <summary>Finished items of one kind.</summary>
    public IEnumerable<T> Items<T>() where T : ThreadItem =>
        Events.Select(e => e switch { ThreadItemDoneEvent d => d.Item, ThreadItemReplacedEvent r => r.Item, _ => null }).OfType<T>();

    /// <summary>Reads a whole stream.</summary>
    public static async Task<ChatKitTurn> CollectAsync(IAsyncEnumerable<ThreadStreamEvent> events, CancellationToken cancellationToken = default)
    {
        var turn = new ChatKitTurn();
        await foreach (var ev in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            turn.Events.Add(ev);
            turn.ThreadId ??= ev switch
            {
                ThreadCreatedEvent c => c.Thread.Id,
                ThreadItemDoneEvent d => d.Item.ThreadId,
                ThreadItemAddedEvent a => a.Item.ThreadId,
                _ => null,
            };
        }
        return turn;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder($"turn in {ThreadId}: \"{AssistantText}\"");
        foreach (var error in Errors) text.Append($"; error {error.Code} {error.Message}");
        return text.ToString();
    }
}

/// <summary>Collecting helpers on event streams.</summary>
public static class ChatKitTurnExtensions
{
    /// <summary>Reads the whole stream into a <see cref="ChatKitTurn"/>.</summary>
    public static Task<ChatKitTurn> CollectAsync(this IAsyncEnumerable<ThreadStreamEvent> events, CancellationToken cancellationToken = default) =>
        ChatKitTurn.CollectAsync(events, cancellationToken);
}
