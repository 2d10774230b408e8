using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>How a task's status shows inside a workflow.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<TaskStatusIndicator>))]
public enum TaskStatusIndicator
{
    /// <summary>No indicator.</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>A spinner: the task is running.</summary>
    [JsonStringEnumMemberName("loading")] Loading,
    /// <summary>A check: the task is done.</summary>
    [JsonStringEnumMemberName("complete")] Complete,
}

/// <summary>A task of a workflow (<c>Task</c> on the wire): custom, web search, thought, file or image.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(CustomTask), "custom")]
[JsonDerivedType(typeof(SearchTask), "web_search")]
[JsonDerivedType(typeof(ThoughtTask), "thought")]
[JsonDerivedType(typeof(FileTask), "file")]
[JsonDerivedType(typeof(ImageTask), "image")]
public abstract class WorkflowTask
{
    /// <summary>The status shown when the task is part of a workflow.</summary>
    public TaskStatusIndicator StatusIndicator { get; set; } = TaskStatusIndicator.None;
    /// <summary>The title.</summary>
    public string? Title { get; set; }
}

/// <summary>A task with the integration's own content.</summary>
public sealed class CustomTask : WorkflowTask
{
    /// <summary>An icon name.</summary>
    public string? Icon { get; set; }
    /// <summary>Markdown content.</summary>
    public string? Content { get; set; }
}

/// <summary>A web search.</summary>
public sealed class SearchTask : WorkflowTask
{
    /// <summary>The query shown in the title.</summary>
    public string? TitleQuery { get; set; }
    /// <summary>The queries run.</summary>
    public List<string> Queries { get; set; } = [];
    /// <summary>The pages found (<see cref="UrlSource"/>s; typed as the base so each is written with its <c>type</c>).</summary>
    public List<Source> Sources { get; set; } = [];
}

/// <summary>A step of the model's reasoning.</summary>
public sealed class ThoughtTask : WorkflowTask
{
    /// <summary>The thought.</summary>
    public required string Content { get; set; }
}

/// <summary>Files consulted.</summary>
public sealed class FileTask : WorkflowTask
{
    /// <summary>The files (<see cref="FileSource"/>s; typed as the base so each is written with its <c>type</c>).</summary>
    public List<Source> Sources { get; set; } = [];
}

/// <summary>An image step.</summary>
public sealed class ImageTask : WorkflowTask;
