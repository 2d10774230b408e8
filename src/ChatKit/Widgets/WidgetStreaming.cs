using System.Runtime.CompilerServices;

namespace ChatKit.Widgets;

/// <summary>Streams a widget item: at once when static, or state by state with <see cref="WidgetDiff"/>.</summary>
public static class WidgetStreaming
{
    /// <summary>A finished widget: one <c>thread.item.done</c>.</summary>
    public static ThreadItemDoneEvent Static(string threadId, WidgetRoot widget, string? copyText = null, TimeProvider? time = null) => new()
    {
        Item = new WidgetItem
        {
            Id = ChatKitIds.Message(),
            ThreadId = threadId,
            CreatedAt = ChatKitClock.Now(time),
            Widget = widget,
            CopyText = copyText,
        },
    };

    /// <summary>
    /// A widget that changes as work goes on: the first state is announced with
    /// <c>thread.item.added</c>, each next state sends the updates from the diff, and the last one
    /// is saved with <c>thread.item.done</c>.
    /// </summary>
    public static async IAsyncEnumerable<ThreadStreamEvent> StreamAsync(
        string threadId, IAsyncEnumerable<WidgetRoot> states, string? copyText = null, TimeProvider? time = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var e = states.GetAsyncEnumerator(cancellationToken);
        if (!await e.MoveNextAsync()) yield break;
        var item = new WidgetItem
        {
            Id = ChatKitIds.Message(),
            ThreadId = threadId,
            CreatedAt = ChatKitClock.Now(time),
            Widget = e.Current,
            CopyText = copyText,
        };
        yield return new ThreadItemAddedEvent { Item = item };
        var last = e.Current;
        while (await e.MoveNextAsync())
        {
            foreach (var update in WidgetDiff.Diff(last, e.Current))
                yield return new ThreadItemUpdatedEvent { ItemId = item.Id, Update = update };
            last = e.Current;
        }
        item.Widget = last;
        yield return new ThreadItemDoneEvent { Item = item };
    }
}
