using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Items announced with <c>thread.item.added</c> and not yet done, kept up to date with their
/// updates so that a cancelled or failed stream can save what the user already saw.
/// </summary>
internal sealed class PendingItems
{
    private readonly Dictionary<string, Pending> _items = new(StringComparer.Ordinal);
    // The item the last event named: a message's deltas come in a row, so most events find it without hashing its id.
    private Pending? _last;

    /// <summary>One pending item and, per content part, the deltas gathered since the part was last replaced.</summary>
    private sealed class Pending(ThreadItem item)
    {
        public readonly ThreadItem Item = item;
        // Deltas are gathered per content part and joined when the text is read: appending to a string per
        // delta would copy the whole answer each time (quadratic on long answers).
        public List<System.Text.StringBuilder?>? Texts;

        /// <summary>The text gathered so far written into the item's content.</summary>
        public void Materialize()
        {
            if (Texts is null || Item is not AssistantMessageItem message) return;
            for (var part = 0; part < Texts.Count && part < message.Content.Count; part++)
            {
                if (Texts[part] is { } text) message.Content[part].Text = text.ToString();
            }
        }
    }

    public int Count => _items.Count;

    public void Track(ThreadStreamEvent ev)
    {
        switch (ev)
        {
            case ThreadItemUpdatedEvent updated:
                if (Find(updated.ItemId) is not { } pending) break;
                if (updated.Update is AssistantMessageContentPartTextDelta delta)
                {
                    if (pending.Item is AssistantMessageItem message) Gather(pending, message, delta);
                    break;
                }
                var part = updated.Update switch
                {
                    AssistantMessageContentPartAdded a => a.ContentIndex,
                    AssistantMessageContentPartDone d => d.ContentIndex,
                    AssistantMessageContentPartAnnotationAdded n => n.ContentIndex,
                    _ => -1,
                };
                if (part >= 0)
                {
                    pending.Materialize(); // the part's text so far, before it is replaced or annotated
                    if (pending.Texts is { } texts && part < texts.Count) texts[part] = null;
                }
                Apply(pending.Item, updated.Update);
                break;
            case ThreadItemAddedEvent added:
                // An isolated copy: the responder keeps using (and may mutate) its own instance.
                _items[added.Item.Id] = _last = new Pending(ChatKitJson.Clone(added.Item));
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
        }
    }

    private Pending? Find(string itemId)
    {
        if (_last is { } last && (ReferenceEquals(last.Item.Id, itemId) || last.Item.Id == itemId)) return last;
        return _items.TryGetValue(itemId, out var pending) ? _last = pending : null;
    }

    private static void Gather(Pending pending, AssistantMessageItem message, AssistantMessageContentPartTextDelta delta)
    {
        Pad(message, delta.ContentIndex);
        var texts = pending.Texts ??= [];
        while (texts.Count <= delta.ContentIndex) texts.Add(null);
        (texts[delta.ContentIndex] ??= new System.Text.StringBuilder(message.Content[delta.ContentIndex].Text)).Append(delta.Delta);
    }

    /// <summary>Pending assistant messages that carry some text.</summary>
    public IEnumerable<AssistantMessageItem> NonEmptyAssistantMessages()
    {
        foreach (var pending in _items.Values) pending.Materialize();
        return _items.Values.Select(p => p.Item).OfType<AssistantMessageItem>().Where(m => m.Content.Any(c => !string.IsNullOrWhiteSpace(c.Text)));
    }

    public void Clear()
    {
        _items.Clear();
        _last = null;
    }

    private void Forget(string itemId)
    {
        _items.Remove(itemId);
        if (_last is { } last && last.Item.Id == itemId) _last = null;
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
