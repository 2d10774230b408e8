using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Items announced with <c>thread.item.added</c> and not yet done, kept up to date with their
/// updates so that a cancelled or failed stream can save what the user already saw.
/// </summary>
internal sealed class PendingItems
{
    private readonly Dictionary<string, ThreadItem> _items = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ThreadItem> Items => _items.Values;

    public void Track(ThreadStreamEvent ev)
    {
        switch (ev)
        {
            case ThreadItemAddedEvent added:
                // An isolated copy: the responder keeps using (and may mutate) its own instance.
                _items[added.Item.Id] = ChatKitJson.Clone(added.Item);
                break;
            case ThreadItemDoneEvent done:
                _items.Remove(done.Item.Id);
                break;
            case ThreadItemReplacedEvent replaced:
                _items.Remove(replaced.Item.Id);
                break;
            case ThreadItemRemovedEvent removed:
                _items.Remove(removed.ItemId);
                break;
            case ThreadItemUpdatedEvent updated when _items.TryGetValue(updated.ItemId, out var item):
                Apply(item, updated.Update);
                break;
        }
    }

    /// <summary>Pending assistant messages that carry some text.</summary>
    public IEnumerable<AssistantMessageItem> NonEmptyAssistantMessages() =>
        _items.Values.OfType<AssistantMessageItem>().Where(m => m.Content.Any(c => !string.IsNullOrWhiteSpace(c.Text)));

    public void Clear() => _items.Clear();

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
