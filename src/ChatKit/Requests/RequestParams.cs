using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>Parameters naming a thread.</summary>
public sealed class ThreadIdParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
}

/// <summary>Parameters naming an item of a thread.</summary>
public sealed class ThreadItemRefParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The item id.</summary>
    public required string ItemId { get; set; }
}

/// <summary>Parameters of <c>threads.create</c>.</summary>
public sealed class ThreadCreateParams
{
    /// <summary>The first user message.</summary>
    public required UserMessageInput Input { get; set; }
}

/// <summary>Parameters of <c>threads.add_user_message</c>.</summary>
public sealed class ThreadAddUserMessageParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The user message.</summary>
    public required UserMessageInput Input { get; set; }
}

/// <summary>Parameters of <c>threads.add_client_tool_output</c>.</summary>
public sealed class ThreadAddClientToolOutputParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The tool's result (any JSON, null included; required, as in the reference, so a null is written too).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required JsonNode? Result { get; set; }
}

/// <summary>Parameters of <c>threads.add_structured_input</c>.</summary>
public sealed class ThreadAddStructuredInputParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The structured input item answered.</summary>
    public required string ItemId { get; set; }
    /// <summary>The answers.</summary>
    public required StructuredInputSubmission Input { get; set; }
}

/// <summary>An action sent by a widget or the client: a type and a payload.</summary>
public sealed class ChatKitAction
{
    /// <summary>The action's type, chosen by the integration.</summary>
    public required string Type { get; set; }
    /// <summary>The payload (any JSON, keys untouched).</summary>
    public JsonNode? Payload { get; set; }
}

/// <summary>Parameters of <c>threads.custom_action</c> and <c>threads.sync_custom_action</c>.</summary>
public sealed class ThreadCustomActionParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The widget item that sent the action, if any.</summary>
    public string? ItemId { get; set; }
    /// <summary>The action.</summary>
    public required ChatKitAction Action { get; set; }
}

/// <summary>Paging parameters of <c>threads.list</c>.</summary>
public sealed class ListParams
{
    /// <summary>Page size (default 20). Read leniently, as the reference does (<c>"20"</c>, <c>20.0</c>).</summary>
    [JsonConverter(typeof(ChatKit.Json.LaxNullableInt32Converter))]
    public int? Limit { get; set; }
    /// <summary>Sort order (default newest first).</summary>
    public SortOrder Order { get; set; } = SortOrder.Desc;
    /// <summary>Cursor: the last id of the previous page.</summary>
    public string? After { get; set; }
}

/// <summary>Paging parameters of <c>items.list</c>.</summary>
public sealed class ItemsListParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>Page size (default 20). Read leniently, as the reference does (<c>"20"</c>, <c>20.0</c>).</summary>
    [JsonConverter(typeof(ChatKit.Json.LaxNullableInt32Converter))]
    public int? Limit { get; set; }
    /// <summary>Sort order (default newest first).</summary>
    public SortOrder Order { get; set; } = SortOrder.Desc;
    /// <summary>Cursor: the last id of the previous page.</summary>
    public string? After { get; set; }
}

/// <summary>Parameters of <c>threads.update</c>.</summary>
public sealed class ThreadUpdateParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The new title.</summary>
    public required string Title { get; set; }
}

/// <summary>Feedback sentiment.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<FeedbackKind>))]
public enum FeedbackKind
{
    /// <summary>Thumbs up.</summary>
    [JsonStringEnumMemberName("positive")] Positive,
    /// <summary>Thumbs down.</summary>
    [JsonStringEnumMemberName("negative")] Negative,
}

/// <summary>Parameters of <c>items.feedback</c>.</summary>
public sealed class ItemFeedbackParams
{
    /// <summary>The thread id.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The items the feedback is about.</summary>
    public required List<string> ItemIds { get; set; }
    /// <summary>Positive or negative.</summary>
    public required FeedbackKind Kind { get; set; }
}

/// <summary>Parameters of <c>attachments.create</c>.</summary>
public sealed class AttachmentCreateParams
{
    /// <summary>The file name.</summary>
    public required string Name { get; set; }
    /// <summary>The size in bytes. Read leniently, as the reference does (<c>"1024"</c>, <c>1024.0</c>).</summary>
    [JsonConverter(typeof(ChatKit.Json.LaxInt64Converter))]
    public required long Size { get; set; }
    /// <summary>The MIME type.</summary>
    public required string MimeType { get; set; }
}

/// <summary>Parameters of <c>attachments.delete</c>.</summary>
public sealed class AttachmentDeleteParams
{
    /// <summary>The attachment id.</summary>
    public required string AttachmentId { get; set; }
}

/// <summary>Parameters of <c>input.transcribe</c>.</summary>
public sealed class InputTranscribeParams
{
    /// <summary>The audio, base64-encoded.</summary>
    public required string AudioBase64 { get; set; }
    /// <summary>The raw MIME type, e.g. <c>audio/webm;codecs=opus</c>.</summary>
    public required string MimeType { get; set; }
}

/// <summary>The answer of <c>input.transcribe</c>.</summary>
public sealed class TranscriptionResult
{
    /// <summary>The text for the composer.</summary>
    public required string Text { get; set; }
}

/// <summary>The answer of <c>threads.sync_custom_action</c>.</summary>
public sealed class SyncCustomActionResponse
{
    /// <summary>The item the action changed, if any (the engine saves it).</summary>
    public ThreadItem? UpdatedItem { get; set; }
}
