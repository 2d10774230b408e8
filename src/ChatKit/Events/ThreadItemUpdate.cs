using System.Text.Json.Serialization;
using ChatKit.Widgets;

namespace ChatKit;

/// <summary>An incremental change to a streaming item.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AssistantMessageContentPartAdded), "assistant_message.content_part.added")]
[JsonDerivedType(typeof(AssistantMessageContentPartTextDelta), "assistant_message.content_part.text_delta")]
[JsonDerivedType(typeof(AssistantMessageContentPartAnnotationAdded), "assistant_message.content_part.annotation_added")]
[JsonDerivedType(typeof(AssistantMessageContentPartDone), "assistant_message.content_part.done")]
[JsonDerivedType(typeof(WidgetStreamingTextValueDelta), "widget.streaming_text.value_delta")]
[JsonDerivedType(typeof(WidgetRootUpdated), "widget.root.updated")]
[JsonDerivedType(typeof(WidgetComponentUpdated), "widget.component.updated")]
[JsonDerivedType(typeof(WorkflowTaskAdded), "workflow.task.added")]
[JsonDerivedType(typeof(WorkflowTaskUpdated), "workflow.task.updated")]
[JsonDerivedType(typeof(GeneratedImageUpdated), "generated_image.updated")]
public abstract class ThreadItemUpdate;

/// <summary>A new text part of an assistant message.</summary>
public sealed class AssistantMessageContentPartAdded : ThreadItemUpdate
{
    /// <summary>The part's index.</summary>
    public required int ContentIndex { get; set; }
    /// <summary>The part as it starts.</summary>
    public required AssistantMessageContent Content { get; set; }
}

/// <summary>Text appended to a part.</summary>
public sealed class AssistantMessageContentPartTextDelta : ThreadItemUpdate
{
    /// <summary>The part's index.</summary>
    public required int ContentIndex { get; set; }
    /// <summary>The text appended.</summary>
    public required string Delta { get; set; }
}

/// <summary>An annotation added to a part.</summary>
public sealed class AssistantMessageContentPartAnnotationAdded : ThreadItemUpdate
{
    /// <summary>The part's index.</summary>
    public required int ContentIndex { get; set; }
    /// <summary>Where the annotation goes in the part's list.</summary>
    public required int AnnotationIndex { get; set; }
    /// <summary>The annotation.</summary>
    public required Annotation Annotation { get; set; }
}

/// <summary>A part is final.</summary>
public sealed class AssistantMessageContentPartDone : ThreadItemUpdate
{
    /// <summary>The part's index.</summary>
    public required int ContentIndex { get; set; }
    /// <summary>The final part.</summary>
    public required AssistantMessageContent Content { get; set; }
}

/// <summary>Text appended to a streaming Text or Markdown component of a widget.</summary>
public sealed class WidgetStreamingTextValueDelta : ThreadItemUpdate
{
    /// <summary>The component's id.</summary>
    public required string ComponentId { get; set; }
    /// <summary>The text appended.</summary>
    public required string Delta { get; set; }
    /// <summary>Whether the component's text is complete.</summary>
    public required bool Done { get; set; }
}

/// <summary>The whole widget root replaced.</summary>
public sealed class WidgetRootUpdated : ThreadItemUpdate
{
    /// <summary>The new root.</summary>
    public required WidgetRoot Widget { get; set; }
}

/// <summary>One widget component replaced.</summary>
public sealed class WidgetComponentUpdated : ThreadItemUpdate
{
    /// <summary>The component's id.</summary>
    public required string ComponentId { get; set; }
    /// <summary>The new component.</summary>
    public required WidgetComponent Component { get; set; }
}

/// <summary>A task appended to a workflow.</summary>
public sealed class WorkflowTaskAdded : ThreadItemUpdate
{
    /// <summary>The task's index.</summary>
    public required int TaskIndex { get; set; }
    /// <summary>The task.</summary>
    public required WorkflowTask Task { get; set; }
}

/// <summary>A workflow task changed.</summary>
public sealed class WorkflowTaskUpdated : ThreadItemUpdate
{
    /// <summary>The task's index.</summary>
    public required int TaskIndex { get; set; }
    /// <summary>The task as it is now.</summary>
    public required WorkflowTask Task { get; set; }
}

/// <summary>A generated image changed.</summary>
public sealed class GeneratedImageUpdated : ThreadItemUpdate
{
    /// <summary>The image.</summary>
    public required GeneratedImage Image { get; set; }
    /// <summary>Progress from 0 to 1.</summary>
    public double? Progress { get; set; }
}
