using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>One request to <c>POST /chatkit</c>, chosen by <c>type</c>. Use <see cref="ChatKitRequestParser"/> to read one.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ThreadsGetByIdRequest), RequestTypes.ThreadsGetById)]
[JsonDerivedType(typeof(ThreadsCreateRequest), RequestTypes.ThreadsCreate)]
[JsonDerivedType(typeof(ThreadsListRequest), RequestTypes.ThreadsList)]
[JsonDerivedType(typeof(ThreadsAddUserMessageRequest), RequestTypes.ThreadsAddUserMessage)]
[JsonDerivedType(typeof(ThreadsAddClientToolOutputRequest), RequestTypes.ThreadsAddClientToolOutput)]
[JsonDerivedType(typeof(ThreadsAddStructuredInputRequest), RequestTypes.ThreadsAddStructuredInput)]
[JsonDerivedType(typeof(ThreadsCustomActionRequest), RequestTypes.ThreadsCustomAction)]
[JsonDerivedType(typeof(ThreadsSyncCustomActionRequest), RequestTypes.ThreadsSyncCustomAction)]
[JsonDerivedType(typeof(ThreadsRetryAfterItemRequest), RequestTypes.ThreadsRetryAfterItem)]
[JsonDerivedType(typeof(ItemsFeedbackRequest), RequestTypes.ItemsFeedback)]
[JsonDerivedType(typeof(AttachmentsDeleteRequest), RequestTypes.AttachmentsDelete)]
[JsonDerivedType(typeof(AttachmentsCreateRequest), RequestTypes.AttachmentsCreate)]
[JsonDerivedType(typeof(InputTranscribeRequest), RequestTypes.InputTranscribe)]
[JsonDerivedType(typeof(ItemsListRequest), RequestTypes.ItemsList)]
[JsonDerivedType(typeof(ThreadsUpdateRequest), RequestTypes.ThreadsUpdate)]
[JsonDerivedType(typeof(ThreadsDeleteRequest), RequestTypes.ThreadsDelete)]
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
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsCreate;
    /// <summary>The parameters.</summary>
    public required ThreadCreateParams Params { get; set; }
}

/// <summary><c>threads.add_user_message</c>: a user message on an existing thread.</summary>
public sealed class ThreadsAddUserMessageRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsAddUserMessage;
    /// <summary>The parameters.</summary>
    public required ThreadAddUserMessageParams Params { get; set; }
}

/// <summary><c>threads.add_client_tool_output</c>: the client's result for a pending client tool call.</summary>
public sealed class ThreadsAddClientToolOutputRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsAddClientToolOutput;
    /// <summary>The parameters.</summary>
    public required ThreadAddClientToolOutputParams Params { get; set; }
}

/// <summary><c>threads.add_structured_input</c>: answers to a pending structured input item.</summary>
public sealed class ThreadsAddStructuredInputRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsAddStructuredInput;
    /// <summary>The parameters.</summary>
    public required ThreadAddStructuredInputParams Params { get; set; }
}

/// <summary><c>threads.retry_after_item</c>: drop everything after a user message and answer it again.</summary>
public sealed class ThreadsRetryAfterItemRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsRetryAfterItem;
    /// <summary>The parameters.</summary>
    public required ThreadItemRefParams Params { get; set; }
}

/// <summary><c>threads.custom_action</c>: a widget action answered with a stream.</summary>
public sealed class ThreadsCustomActionRequest : StreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsCustomAction;
    /// <summary>The parameters.</summary>
    public required ThreadCustomActionParams Params { get; set; }
}

/// <summary><c>threads.sync_custom_action</c>: a widget action answered with JSON.</summary>
public sealed class ThreadsSyncCustomActionRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsSyncCustomAction;
    /// <summary>The parameters.</summary>
    public required ThreadCustomActionParams Params { get; set; }
}

/// <summary><c>threads.get_by_id</c>: a thread with its first items.</summary>
public sealed class ThreadsGetByIdRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsGetById;
    /// <summary>The parameters.</summary>
    public required ThreadIdParams Params { get; set; }
}

/// <summary><c>threads.list</c>: a page of the caller's threads.</summary>
public sealed class ThreadsListRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsList;
    /// <summary>The parameters.</summary>
    public ListParams Params { get; set; } = new();
}

/// <summary><c>threads.update</c>: rename a thread.</summary>
public sealed class ThreadsUpdateRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsUpdate;
    /// <summary>The parameters.</summary>
    public required ThreadUpdateParams Params { get; set; }
}

/// <summary><c>threads.delete</c>: delete a thread and its items.</summary>
public sealed class ThreadsDeleteRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ThreadsDelete;
    /// <summary>The parameters.</summary>
    public required ThreadIdParams Params { get; set; }
}

/// <summary><c>items.list</c>: a page of a thread's items.</summary>
public sealed class ItemsListRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ItemsList;
    /// <summary>The parameters.</summary>
    public required ItemsListParams Params { get; set; }
}

/// <summary><c>items.feedback</c>: thumbs up or down on items.</summary>
public sealed class ItemsFeedbackRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.ItemsFeedback;
    /// <summary>The parameters.</summary>
    public required ItemFeedbackParams Params { get; set; }
}

/// <summary><c>attachments.create</c>: register an attachment before its upload.</summary>
public sealed class AttachmentsCreateRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.AttachmentsCreate;
    /// <summary>The parameters.</summary>
    public required AttachmentCreateParams Params { get; set; }
}

/// <summary><c>attachments.delete</c>: remove an attachment.</summary>
public sealed class AttachmentsDeleteRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.AttachmentsDelete;
    /// <summary>The parameters.</summary>
    public required AttachmentDeleteParams Params { get; set; }
}

/// <summary><c>input.transcribe</c>: speech to text for the composer.</summary>
public sealed class InputTranscribeRequest : NonStreamingRequest
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => RequestTypes.InputTranscribe;
    /// <summary>The parameters.</summary>
    public required InputTranscribeParams Params { get; set; }
}
