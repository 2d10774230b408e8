namespace ChatKit;

/// <summary>The wire names of the protocol's request types (the <c>type</c> of a <see cref="ChatKitRequest"/>), written once.</summary>
public static class RequestTypes
{
    /// <summary><see cref="ThreadsGetByIdRequest"/>.</summary>
    public const string ThreadsGetById = "threads.get_by_id";
    /// <summary><see cref="ThreadsCreateRequest"/>.</summary>
    public const string ThreadsCreate = "threads.create";
    /// <summary><see cref="ThreadsListRequest"/>.</summary>
    public const string ThreadsList = "threads.list";
    /// <summary><see cref="ThreadsAddUserMessageRequest"/>.</summary>
    public const string ThreadsAddUserMessage = "threads.add_user_message";
    /// <summary><see cref="ThreadsAddClientToolOutputRequest"/>.</summary>
    public const string ThreadsAddClientToolOutput = "threads.add_client_tool_output";
    /// <summary><see cref="ThreadsAddStructuredInputRequest"/>.</summary>
    public const string ThreadsAddStructuredInput = "threads.add_structured_input";
    /// <summary><see cref="ThreadsCustomActionRequest"/>.</summary>
    public const string ThreadsCustomAction = "threads.custom_action";
    /// <summary><see cref="ThreadsSyncCustomActionRequest"/>.</summary>
    public const string ThreadsSyncCustomAction = "threads.sync_custom_action";
    /// <summary><see cref="ThreadsRetryAfterItemRequest"/>.</summary>
    public const string ThreadsRetryAfterItem = "threads.retry_after_item";
    /// <summary><see cref="ItemsFeedbackRequest"/>.</summary>
    public const string ItemsFeedback = "items.feedback";
    /// <summary><see cref="AttachmentsDeleteRequest"/>.</summary>
    public const string AttachmentsDelete = "attachments.delete";
    /// <summary><see cref="AttachmentsCreateRequest"/>.</summary>
    public const string AttachmentsCreate = "attachments.create";
    /// <summary><see cref="InputTranscribeRequest"/>.</summary>
    public const string InputTranscribe = "input.transcribe";
    /// <summary><see cref="ItemsListRequest"/>.</summary>
    public const string ItemsList = "items.list";
    /// <summary><see cref="ThreadsUpdateRequest"/>.</summary>
    public const string ThreadsUpdate = "threads.update";
    /// <summary><see cref="ThreadsDeleteRequest"/>.</summary>
    public const string ThreadsDelete = "threads.delete";

    /// <summary>Every request type of the protocol.</summary>
    public static IReadOnlyList<string> All { get; } = [ThreadsGetById, ThreadsCreate, ThreadsList, ThreadsAddUserMessage, ThreadsAddClientToolOutput, ThreadsAddStructuredInput, ThreadsCustomAction, ThreadsSyncCustomAction, ThreadsRetryAfterItem, ItemsFeedback, AttachmentsDelete, AttachmentsCreate, InputTranscribe, ItemsList, ThreadsUpdate, ThreadsDelete];
}
