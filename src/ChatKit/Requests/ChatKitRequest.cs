using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>One request to <c>POST /chatkit</c>, chosen by <c>type</c>. Use <see cref="ChatKitRequestParser"/> to read one.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ThreadsGetByIdRequest), "threads.get_by_id")]
[JsonDerivedType(typeof(ThreadsCreateRequest), "threads.create")]
[JsonDerivedType(typeof(ThreadsListRequest), "threads.list")]
[JsonDerivedType(typeof(ThreadsAddUserMessageRequest), "threads.add_user_message")]
[JsonDerivedType(typeof(ThreadsAddClientToolOutputRequest), "threads.add_client_tool_output")]
[JsonDerivedType(typeof(ThreadsAddStructuredInputRequest), "threads.add_structured_input")]
[JsonDerivedType(typeof(ThreadsCustomActionRequest), "threads.custom_action")]
[JsonDerivedType(typeof(ThreadsSyncCustomActionRequest), "threads.sync_custom_action")]
[JsonDerivedType(typeof(ThreadsRetryAfterItemRequest), "threads.retry_after_item")]
[JsonDerivedType(typeof(ItemsFeedbackRequest), "items.feedback")]
[JsonDerivedType(typeof(AttachmentsDeleteRequest), "attachments.delete")]
[JsonDerivedType(typeof(AttachmentsCreateRequest), "attachments.create")]
[JsonDerivedType(typeof(InputTranscribeRequest), "input.transcribe")]
[JsonDerivedType(typeof(ItemsListRequest), "items.list")]
[JsonDerivedType(typeof(ThreadsUpdateRequest), "threads.update")]
[JsonDerivedType(typeof(ThreadsDeleteRequest), "threads.delete")]
public abstract class ChatKitRequest
{
    /// <summary>Integration metadata sent by the client; keys untouched.</summary>
    public JsonObject Metadata { get; set; } = [];

    /// <summary>The wire name of this request (its <c>type</c>).</summary>
    [JsonIgnore] public abstract string Kind { get; }

    /// <summary>Whether the answer is an SSE stream (otherwise JSON).</summary>
    [JsonIgnore] public abstract bool IsStreaming { get; }
}

/// <summary>A request answered with an SSE stream.</summary>
public abstract class StreamingRequest : ChatKitRequest
{
    /// <inheritdoc />
    [JsonIgnore] public sealed override bool IsStreaming => true;
}

/// <summary>A request answered with JSON.</summary>
public abstract class NonStreamingRequest : ChatKitRequest
{
    /// <inheritdoc />
    [JsonIgnore] public sealed override bool IsStreaming => false;
}

/// <summary><c>threads.create</c>: a new thread from a user message.</summary>
public sealed class ThreadsCreateRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.create";
    /// <summary>The parameters.</summary>
    public required ThreadCreateParams Params { get; set; }
}

/// <summary><c>threads.add_user_message</c>: a user message on an existing thread.</summary>
public sealed class ThreadsAddUserMessageRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.add_user_message";
    /// <summary>The parameters.</summary>
    public required ThreadAddUserMessageParams Params { get; set; }
}

/// <summary><c>threads.add_client_tool_output</c>: the client's result for a pending client tool call.</summary>
public sealed class ThreadsAddClientToolOutputRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.add_client_tool_output";
    /// <summary>The parameters.</summary>
    public required ThreadAddClientToolOutputParams Params { get; set; }
}

/// <summary><c>threads.add_structured_input</c>: answers to a pending structured input item.</summary>
public sealed class ThreadsAddStructuredInputRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.add_structured_input";
    /// <summary>The parameters.</summary>
    public required ThreadAddStructuredInputParams Params { get; set; }
}

/// <summary><c>threads.retry_after_item</c>: drop everything after a user message and answer it again.</summary>
public sealed class ThreadsRetryAfterItemRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.retry_after_item";
    /// <summary>The parameters.</summary>
    public required ThreadItemRefParams Params { get; set; }
}

/// <summary><c>threads.custom_action</c>: a widget action answered with a stream.</summary>
public sealed class ThreadsCustomActionRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.custom_action";
    /// <summary>The parameters.</summary>
    public required ThreadCustomActionParams Params { get; set; }
}

/// <summary><c>threads.sync_custom_action</c>: a widget action answered with JSON.</summary>
public sealed class ThreadsSyncCustomActionRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.sync_custom_action";
    /// <summary>The parameters.</summary>
    public required ThreadCustomActionParams Params { get; set; }
}

/// <summary><c>threads.get_by_id</c>: a thread with its first items.</summary>
public sealed class ThreadsGetByIdRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.get_by_id";
    /// <summary>The parameters.</summary>
    public required ThreadIdParams Params { get; set; }
}

/// <summary><c>threads.list</c>: a page of the caller's threads.</summary>
public sealed class ThreadsListRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.list";
    /// <summary>The parameters.</summary>
    public ListParams Params { get; set; } = new();
}

/// <summary><c>threads.update</c>: rename a thread.</summary>
public sealed class ThreadsUpdateRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.update";
    /// <summary>The parameters.</summary>
    public required ThreadUpdateParams Params { get; set; }
}

/// <summary><c>threads.delete</c>: delete a thread and its items.</summary>
public sealed class ThreadsDeleteRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "threads.delete";
    /// <summary>The parameters.</summary>
    public required ThreadIdParams Params { get; set; }
}

/// <summary><c>items.list</c>: a page of a thread's items.</summary>
public sealed class ItemsListRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "items.list";
    /// <summary>The parameters.</summary>
    public required ItemsListParams Params { get; set; }
}

/// <summary><c>items.feedback</c>: thumbs up or down on items.</summary>
public sealed class ItemsFeedbackRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "items.feedback";
    /// <summary>The parameters.</summary>
    public required ItemFeedbackParams Params { get; set; }
}

/// <summary><c>attachments.create</c>: register an attachment before its upload.</summary>
public sealed class AttachmentsCreateRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "attachments.create";
    /// <summary>The parameters.</summary>
    public required AttachmentCreateParams Params { get; set; }
}

/// <summary><c>attachments.delete</c>: remove an attachment.</summary>
public sealed class AttachmentsDeleteRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "attachments.delete";
    /// <summary>The parameters.</summary>
    public required AttachmentDeleteParams Params { get; set; }
}

/// <summary><c>input.transcribe</c>: speech to text for the composer.</summary>
public sealed class InputTranscribeRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "input.transcribe";
    /// <summary>The parameters.</summary>
    public required InputTranscribeParams Params { get; set; }
}
