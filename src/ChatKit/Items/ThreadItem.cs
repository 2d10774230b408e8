using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChatKit.Widgets;

namespace ChatKit;

/// <summary>One item of a thread. The <c>type</c> discriminator chooses the kind.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(UserMessageItem), ItemTypes.UserMessage)]
[JsonDerivedType(typeof(AssistantMessageItem), ItemTypes.AssistantMessage)]
[JsonDerivedType(typeof(ClientToolCallItem), ItemTypes.ClientToolCall)]
[JsonDerivedType(typeof(WidgetItem), ItemTypes.Widget)]
[JsonDerivedType(typeof(GeneratedImageItem), ItemTypes.GeneratedImage)]
[JsonDerivedType(typeof(StructuredInputItem), ItemTypes.StructuredInput)]
[JsonDerivedType(typeof(WorkflowItem), ItemTypes.Workflow)]
[JsonDerivedType(typeof(TaskItem), ItemTypes.Task)]
[JsonDerivedType(typeof(EndOfTurnItem), ItemTypes.EndOfTurn)]
[JsonDerivedType(typeof(HiddenContextItem), ItemTypes.HiddenContext)]
[JsonDerivedType(typeof(SdkHiddenContextItem), ItemTypes.SdkHiddenContext)]
public abstract class ThreadItem
{
    /// <summary>The item id (<c>msg_…</c>, <c>tc_…</c>, <c>wf_…</c>, …).</summary>
    public required string Id { get; set; }

    /// <summary>The thread this item belongs to.</summary>
    public required string ThreadId { get; set; }

    /// <summary>When the item was created.</summary>
    public required DateTimeOffset CreatedAt { get; set; }

    /// <summary>The wire name of this item's kind (its <c>type</c>).</summary>
    [JsonIgnore] public abstract string Kind { get; }

    /// <summary>Hidden items are kept for the model and never sent to clients.</summary>
    [JsonIgnore] public virtual bool IsHidden => false;
}

/// <summary>A message the user sent.</summary>
public sealed class UserMessageItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.UserMessage;
    /// <summary>Text and tags the user typed.</summary>
    public List<UserMessageContent> Content { get; set; } = [];
    /// <summary>The attachments, with <c>thread_id</c> set.</summary>
    public List<Attachment> Attachments { get; set; } = [];
    /// <summary>Text the user quoted from an earlier message.</summary>
    public string? QuotedText { get; set; }
    /// <summary>The model and tool the user chose.</summary>
    public InferenceOptions InferenceOptions { get; set; } = new();

    /// <summary>The message's text: its text parts and tag texts joined.</summary>
    [JsonIgnore] public string Text => string.Concat(Content.Select(c => c switch
    {
        UserMessageTextContent t => t.Text,
        UserMessageTagContent tag => "@" + tag.Text,
        _ => "",
    }));
}

/// <summary>A message from the assistant: one or more text parts with annotations.</summary>
public sealed class AssistantMessageItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.AssistantMessage;
    /// <summary>The text parts.</summary>
    public List<AssistantMessageContent> Content { get; set; } = [];

    /// <summary>All text parts joined.</summary>
    [JsonIgnore] public string Text => string.Concat(Content.Select(c => c.Text));
}

/// <summary>Status of a client tool call.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<ClientToolCallStatus>))]
public enum ClientToolCallStatus
{
    /// <summary>Waiting for the client's output.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    /// <summary>The client sent its output.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
}

/// <summary>A tool the client runs; the server waits for <c>threads.add_client_tool_output</c>.</summary>
public sealed class ClientToolCallItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.ClientToolCall;
    /// <summary>Pending until the client answers.</summary>
    public ClientToolCallStatus Status { get; set; } = ClientToolCallStatus.Pending;
    /// <summary>The model's call id.</summary>
    public required string CallId { get; set; }
    /// <summary>The tool's name.</summary>
    public required string Name { get; set; }
    /// <summary>The call's arguments, keys untouched.</summary>
    public JsonObject Arguments { get; set; } = [];
    /// <summary>The client's result, once completed.</summary>
    public JsonNode? Output { get; set; }
}

/// <summary>A widget shown in the thread.</summary>
public sealed class WidgetItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.Widget;
    /// <summary>The widget's root component.</summary>
    public required WidgetRoot Widget { get; set; }
    /// <summary>Text copied when the user copies the widget.</summary>
    public string? CopyText { get; set; }
}

/// <summary>An image made by the model.</summary>
public sealed class GeneratedImage
{
    /// <summary>The image id.</summary>
    public required string Id { get; set; }
    /// <summary>Where the image loads from.</summary>
    public required string Url { get; set; }
}

/// <summary>An image made by the model (possibly still in progress).</summary>
public sealed class GeneratedImageItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.GeneratedImage;
    /// <summary>The image, once there is one.</summary>
    public GeneratedImage? Image { get; set; }
}

/// <summary>A task shown on its own.</summary>
public sealed class TaskItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.Task;
    /// <summary>The task.</summary>
    public required WorkflowTask Task { get; set; }
}

/// <summary>A workflow: a list of tasks with an optional summary.</summary>
public sealed class WorkflowItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.Workflow;
    /// <summary>The workflow.</summary>
    public required Workflow Workflow { get; set; }
}

/// <summary>Marks the end of the assistant's turn.</summary>
public sealed class EndOfTurnItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.EndOfTurn;
}

/// <summary>Context for the model kept in the thread and never sent to clients.</summary>
public sealed class HiddenContextItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.HiddenContext;
    /// <inheritdoc />
    [JsonIgnore] public override bool IsHidden => true;
    /// <summary>Any JSON the integration wants the model to see.</summary>
    public JsonNode? Content { get; set; }
}

/// <summary>Context the SDK itself keeps (for example "the user cancelled"); never sent to clients.</summary>
public sealed class SdkHiddenContextItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.SdkHiddenContext;
    /// <inheritdoc />
    [JsonIgnore] public override bool IsHidden => true;
    /// <summary>The text for the model.</summary>
    public required string Content { get; set; }
}
