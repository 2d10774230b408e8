using System.Diagnostics;

namespace ChatKit;

/// <summary>
/// Streams a workflow item whose tasks appear and change as work goes on, ending with a summary:
/// <see cref="Begin"/> → <see cref="AddTask"/>/<see cref="UpdateTask"/>… → <see cref="Complete"/>.
/// </summary>
public sealed class WorkflowStream
{
    private readonly WorkflowItem _item;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A new workflow in <paramref name="threadId"/>.</summary>
    public WorkflowStream(string threadId, WorkflowType type = WorkflowType.Custom, bool expanded = false, TimeProvider? time = null)
    {
        _item = new WorkflowItem
        {
            Id = ChatKitIds.Workflow(),
            ThreadId = threadId,
            CreatedAt = ChatKitClock.Now(time),
            Workflow = new Workflow { Type = type, Expanded = expanded },
        };
    }

    /// <summary>The workflow item's id.</summary>
    public string ItemId => _item.Id;

    /// <summary>The tasks so far.</summary>
    public IReadOnlyList<WorkflowTask> Tasks => _item.Workflow.Tasks;

    /// <summary>Announces the (empty) workflow.</summary>
    public ThreadStreamEvent Begin() => new ThreadItemAddedEvent { Item = Json.ChatKitJson.Clone<ThreadItem>(_item) };

    /// <summary>Appends a task; returns the event and the task's index.</summary>
    public ThreadStreamEvent AddTask(WorkflowTask task, out int index)
    {
        _item.Workflow.Tasks.Add(task);
        index = _item.Workflow.Tasks.Count - 1;
        return new ThreadItemUpdatedEvent { ItemId = _item.Id, Update = new WorkflowTaskAdded { TaskIndex = index, Task = task } };
    }

    /// <summary>Replaces the task at <paramref name="index"/>.</summary>
    public ThreadStreamEvent UpdateTask(int index, WorkflowTask task)
    {
        _item.Workflow.Tasks[index] = task;
        return new ThreadItemUpdatedEvent { ItemId = _item.Id, Update = new WorkflowTaskUpdated { TaskIndex = index, Task = task } };
    }

    /// <summary>Finishes the workflow with a summary (by default, how long it took) and collapses it.</summary>
    public ThreadStreamEvent Complete(WorkflowSummary? summary = null, bool expanded = false)
    {
        _item.Workflow.Summary = summary ?? new DurationSummary { Duration = (int)Math.Round(_clock.Elapsed.TotalSeconds) };
        _item.Workflow.Expanded = expanded;
        return new ThreadItemDoneEvent { Item = Json.ChatKitJson.Clone<ThreadItem>(_item) };
    }
}
