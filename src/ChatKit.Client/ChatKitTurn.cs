using System.Text;
using ChatKit.Json;
using ChatKit.Widgets;

namespace ChatKit.Client;

/// <summary>
/// Everything a turn streamed, collected: the thread, the assistant's text, progress, errors, widgets. An error the
/// server reported in the stream is in <see cref="Errors"/>; <see cref="EnsureSuccess"/> throws it.
/// </summary>
public sealed class ChatKitTurn
{
    /// <summary>Every event, in order.</summary>
    public List<ThreadStreamEvent> Events { get; } = [];

    /// <summary>
    /// The <c>data</c> of every frame as the server wrote it, in order, when the turn was collected from frames
    /// (<see cref="ChatKitClient.StreamFramesAsync"/> then <c>CollectAsync</c>): to check the wire itself (a schema,
    /// a property left out, a time as written). Empty when collected from events.
    /// </summary>
    public List<string> Frames { get; } = [];

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

    /// <summary>
    /// Throws <see cref="ChatKitStreamErrorException"/> (with the first error's code, message and <c>allow_retry</c>)
    /// when the server reported an error in the stream; otherwise returns this turn, for chaining:
    /// <c>var text = (await stream.CollectAsync()).EnsureSuccess().AssistantText;</c>
    /// </summary>
    public ChatKitTurn EnsureSuccess()
    {
        foreach (var ev in Events)
        {
            if (ev is ErrorEvent error) throw new ChatKitStreamErrorException(this, error);
        }
        return this;
    }

    /// <summary>Reads a whole stream.</summary>
    public static Task<ChatKitTurn> CollectAsync(IAsyncEnumerable<ThreadStreamEvent> events, CancellationToken cancellationToken = default) =>
        CollectAsync(events, static (_, _) => ValueTask.CompletedTask, cancellationToken);

    /// <summary>
    /// Reads a whole stream, calling <paramref name="onEvent"/> with each event as it arrives (after adding it to the
    /// turn): to show the answer while it streams and still get the whole turn at the end.
    /// </summary>
    public static Task<ChatKitTurn> CollectAsync(IAsyncEnumerable<ThreadStreamEvent> events, Action<ThreadStreamEvent> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        return CollectAsync(events, (ev, _) =>
        {
            onEvent(ev);
            return ValueTask.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>
    /// Reads a whole stream, awaiting <paramref name="onEvent"/> with each event as it arrives (after adding it to the
    /// turn) before reading the next: for a callback that itself awaits (a UI dispatcher, a socket).
    /// </summary>
    public static async Task<ChatKitTurn> CollectAsync(IAsyncEnumerable<ThreadStreamEvent> events, Func<ThreadStreamEvent, CancellationToken, ValueTask> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var turn = new ChatKitTurn();
        await foreach (var ev in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            turn.Add(ev);
            await onEvent(ev, cancellationToken).ConfigureAwait(false);
        }
        return turn;
    }

    /// <summary>Reads a whole stream of raw frames (<see cref="ChatKitClient.StreamFramesAsync"/>), keeping each frame's text in <see cref="Frames"/>.</summary>
    public static async Task<ChatKitTurn> CollectFramesAsync(IAsyncEnumerable<string> frames, CancellationToken cancellationToken = default)
    {
        var turn = new ChatKitTurn();
        await foreach (var frame in frames.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            turn.Frames.Add(frame);
            turn.Add(ChatKitJson.Deserialize<ThreadStreamEvent>(frame));
        }
        return turn;
    }

    internal void Add(ThreadStreamEvent ev)
    {
        Events.Add(ev);
        ThreadId ??= ev switch
        {
            ThreadCreatedEvent c => c.Thread.Id,
            ThreadItemDoneEvent d => d.Item.ThreadId,
            ThreadItemAddedEvent a => a.Item.ThreadId,
            _ => null,
        };
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

    /// <summary>
    /// Reads the whole stream into a <see cref="ChatKitTurn"/>, calling <paramref name="onEvent"/> with each event as it
    /// arrives: <c>var turn = await stream.CollectAsync(ev => Console.Write(ev.TextDelta()));</c>
    /// </summary>
    public static Task<ChatKitTurn> CollectAsync(this IAsyncEnumerable<ThreadStreamEvent> events, Action<ThreadStreamEvent> onEvent, CancellationToken cancellationToken = default) =>
        ChatKitTurn.CollectAsync(events, onEvent, cancellationToken);

    /// <summary>Reads the whole stream into a <see cref="ChatKitTurn"/>, awaiting <paramref name="onEvent"/> with each event as it arrives.</summary>
    public static Task<ChatKitTurn> CollectAsync(this IAsyncEnumerable<ThreadStreamEvent> events, Func<ThreadStreamEvent, CancellationToken, ValueTask> onEvent, CancellationToken cancellationToken = default) =>
        ChatKitTurn.CollectAsync(events, onEvent, cancellationToken);

    /// <summary>Reads a whole stream of raw frames into a <see cref="ChatKitTurn"/> that keeps them in <see cref="ChatKitTurn.Frames"/>.</summary>
    public static Task<ChatKitTurn> CollectAsync(this IAsyncEnumerable<string> frames, CancellationToken cancellationToken = default) =>
        ChatKitTurn.CollectFramesAsync(frames, cancellationToken);
}
