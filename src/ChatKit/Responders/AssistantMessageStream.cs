using System.Runtime.CompilerServices;

namespace ChatKit;

/// <summary>
/// Streams one assistant message the way clients expect: <c>thread.item.added</c> →
/// <c>content_part.added</c> → <c>text_delta</c>… → <c>content_part.done</c> → <c>thread.item.done</c>.
/// Use it step by step from a responder (<see cref="Begin"/>, <see cref="Append"/>, <see cref="Complete"/>)
/// or all at once with <see cref="FromChunksAsync"/>.
/// </summary>
public sealed class AssistantMessageStream
{
    private readonly AssistantMessageItem _item;
    private readonly System.Text.StringBuilder _text = new();
    private readonly List<Annotation> _annotations = [];
    private bool _begun;
    private bool _completed;

    /// <summary>A new message in <paramref name="threadId"/>.</summary>
    public AssistantMessageStream(string threadId, TimeProvider? time = null, string? itemId = null)
    {
        _item = new AssistantMessageItem
        {
            Id = itemId ?? ChatKitIds.Message(),
            ThreadId = threadId,
            CreatedAt = ChatKitClock.Now(time),
        };
    }

    /// <summary>The message's id.</summary>
    public string ItemId => _item.Id;

    /// <summary>The text streamed so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Whether <see cref="Begin"/> has been called.</summary>
    public bool HasBegun => _begun;

    /// <summary>Announces the message and its (single) text part.</summary>
    public IEnumerable<ThreadStreamEvent> Begin()
    {
        if (_begun) throw new InvalidOperationException("The message has already begun.");
        _begun = true;
        yield return new ThreadItemAddedEvent { Item = Snapshot("") };
        yield return Update(new AssistantMessageContentPartAdded { ContentIndex = 0, Content = new AssistantMessageContent { Text = "" } });
    }

    /// <summary>Appends text (a <c>text_delta</c>).</summary>
    public ThreadStreamEvent Append(string delta)
    {
        EnsureOpen();
        _text.Append(delta);
        return Update(new AssistantMessageContentPartTextDelta { ContentIndex = 0, Delta = delta });
    }

    /// <summary>Cites a source (an <c>annotation_added</c>).</summary>
    public ThreadStreamEvent Annotate(Annotation annotation)
    {
        EnsureOpen();
        _annotations.Add(annotation);
        return Update(new AssistantMessageContentPartAnnotationAdded { ContentIndex = 0, AnnotationIndex = _annotations.Count - 1, Annotation = annotation });
    }

    /// <summary>Finishes the part and the message (the engine saves the message on <c>thread.item.done</c>).</summary>
    public IEnumerable<ThreadStreamEvent> Complete()
    {
        EnsureOpen();
        _completed = true;
        var final = Snapshot(_text.ToString());
        yield return Update(new AssistantMessageContentPartDone { ContentIndex = 0, Content = final.Content[0] });
        yield return new ThreadItemDoneEvent { Item = final };
    }

    /// <summary>Streams a whole message from text chunks as they arrive.</summary>
    public static async IAsyncEnumerable<ThreadStreamEvent> FromChunksAsync(
        string threadId, IAsyncEnumerable<string> chunks, TimeProvider? time = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var message = new AssistantMessageStream(threadId, time);
        foreach (var ev in message.Begin()) yield return ev;
        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (chunk.Length > 0) yield return message.Append(chunk);
        }
        foreach (var ev in message.Complete()) yield return ev;
    }

    private AssistantMessageItem Snapshot(string text) => new()
    {
        Id = _item.Id,
        ThreadId = _item.ThreadId,
        CreatedAt = _item.CreatedAt,
        Content = [new AssistantMessageContent { Text = text, Annotations = [.. _annotations] }],
    };

    private ThreadItemUpdatedEvent Update(ThreadItemUpdate update) => new() { ItemId = _item.Id, Update = update };

    private void EnsureOpen()
    {
        if (!_begun) throw new InvalidOperationException("Call Begin() first.");
        if (_completed) throw new InvalidOperationException("The message is already complete.");
    }
}
