using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Items announced with <c>thread.item.added</c> and not yet done, kept up to date with their
/// updates so that a cancelled or failed stream can save what the user already saw.
/// </summary>
internal sealed class PendingItems
{
    private readonly Dictionary<string, ThreadItem> _items = new(StringComparer.Ordinal);
    // Deltas are gathered per content part and joined when the text is read: appending to a string per
    // delta would copy the whole answer each time (quadratic on long answers).
    private readonly Dictionary<(string ItemId, int Part), System.Text.StringBuilder> _texts = [];

    public IReadOnlyCollection<ThreadItem> Items => _items.Values;

    /// <summary>Every pending item, with the text gathered so far written into its content.</summary>
    private void Materialize()
    {
        foreach (var ((itemId, part), text) in _texts)
        {
            if (_items.TryGetValue(itemId, out var item) && item is AssistantMessageItem message && part < message.Content.Count)
                message.Content[part].Text = text.ToString();
        }
    }

    public void Track(ThreadStreamEvent ev)
    {
        switch (ev)
        {
            case ThreadItemAddedEvent added:
                // An isolated copy: the responder keeps using (and may mutate) its own instance.
                _items[added.Item.Id] = ChatKitJson.Clone(added.Item);
                break;
            case ThreadItemDoneEvent done:
                Forget(done.Item.Id);
                break;
            case ThreadItemReplacedEvent replaced:
                Forget(replaced.Item.Id);
                break;
            case ThreadItemRemovedEvent removed:
                Forget(removed.ItemId);
                break;
            case ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta delta } updated when _items.TryGetValue(updated.ItemId, out var item) && item is AssistantMessageItem message:
                Pad(message, delta.ContentIndex);
                if (!_texts.TryGetValue((updated.ItemId, delta.ContentIndex), out var text))
                    _texts[(updated.ItemId, delta.ContentIndex)] = text = new System.Text.StringBuilder(message.Content[delta.ContentIndex].Text);
                text.Append(delta.Delta);
                break;
            case ThreadItemUpdatedEvent updated when _items.TryGetValue(updated.ItemId, out var item):
                var part = updated.Update switch
                {
                    AssistantMessageContentPartAdded a => a.ContentIndex,
                    AssistantMessageContentPartDone d => d.ContentIndex,
                    AssistantMessageContentPartAnnotationAdded n => n.ContentIndex,
                    _ => -1,
                };
                if (part >= 0)
                {
                    Materialize(); // the part's text so far, before it is replaced or annotated
                    _texts.Remove((updated.ItemId, part));
                }
                Apply(item, updated.Update);
                break;
        }
    }

    /// <summary>Pending assistant messages that carry some text.</summary>
    public IEnumerable<AssistantMessageItem> NonEmptyAssistantMessages()
    {
        Materialize();
        return _items.Values.OfType<AssistantMessageItem>().Where(m => m.Content.Any(c => !string.IsNullOrWhiteSpace(c.Text)));
    }

    public void Clear()
    {
        _items.Clear();
        _texts.Clear();
    }

    private void Forget(string itemId)
    {
        _items.Remove(itemId);
        foreach (var key in _texts.Keys.Where(k => k.ItemId == itemId).ToList())
            _texts.Remove(key);
    }

    internal static void Apply(ThreadItem item, ThreadItemUpdate update)
    {
        switch (item, update)
        {
            case (AssistantMessageItem message, AssistantMessageContentPartAdded u):
                Pad(message, u.ContentIndex);
                message.Content[u.ContentIndex] = ChatKitJson.Clone(u.Content);
                break;
            case (AssistantMessageItem message, AssistantMessageContentPartTextDelta u):
                Pad(message, u.ContentIndex);
                message.Content[u.ContentIndex].Text += u.Delta;
                break;
            case (AssistantMessageItem message, AssistantMessageContentPartAnnotationAdded u):
                Pad(message, u.ContentIndex);
                var annotations = message.Content[u.ContentIndex].Annotations;
                if (u.AnnotationIndex >= 0 && u.AnnotationIndex <= annotations.Count)
                    annotations.Insert(u.AnnotationIndex, u.Annotation);
                else
                    annotations.Add(u.Annotation);
                break;
            case (AssistantMessageItem message, AssistantMessageContentPartDone u):
                Pad(message, u.ContentIndex);
                message.Content[u.ContentIndex] = ChatKitJson.Clone(u.Content);
                break;
            case (WorkflowItem workflow, WorkflowTaskAdded u):
                workflow.Workflow.Tasks.Add(ChatKitJson.Clone(u.Task));
                break;
            case (WorkflowItem workflow, WorkflowTaskUpdated u) when u.TaskIndex >= 0 && u.TaskIndex < workflow.Workflow.Tasks.Count:
                workflow.Workflow.Tasks[u.TaskIndex] = ChatKitJson.Clone(u.Task);
                break;
        }
    }

    // Updates may name a part that has not been announced yet.
    private static void Pad(AssistantMessageItem message, int index)
    {
        if (index < 0 || index > 10_000)
            throw new ArgumentOutOfRangeException(nameof(index), index, "content_index out of range.");
        while (message.Content.Count <= index)
            message.Content.Add(new AssistantMessageContent { Text = "" });
    }
}
