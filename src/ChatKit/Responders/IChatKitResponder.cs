namespace ChatKit;

/// <summary>
/// Produces the assistant's answer as a stream of events. The engine saves items as their
/// events pass (<c>thread.item.done</c> → add, <c>replaced</c> → save, <c>removed</c> → delete),
/// sends everything but hidden items to the client, and turns exceptions into <c>error</c> events
/// (<see cref="StreamError"/>, <see cref="CustomStreamError"/>, anything else → <c>stream.error</c>).
/// A responder may change the thread's title, status or metadata; the engine saves
/// the change and emits <c>thread.updated</c>.
/// </summary>
public interface IChatKitResponder
{
    /// <summary>Answers <paramref name="input"/> (null when resuming after a client tool output or structured input).</summary>
    IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken);
}

/// <summary>Reacts to widget actions (<c>threads.custom_action</c> and <c>threads.sync_custom_action</c>).</summary>
public interface IChatKitActionHandler
{
    /// <summary>Streams the response to an action; <paramref name="sender"/> is the widget that sent it, if any.</summary>
    IAsyncEnumerable<ThreadStreamEvent> ActAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken);

    /// <summary>Answers an action at once; an <see cref="SyncCustomActionResponse.UpdatedItem"/> is saved by the engine.</summary>
    Task<SyncCustomActionResponse> ActSyncAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken);
}

/// <summary>Speech to text for <c>input.transcribe</c>.</summary>
public interface IChatKitTranscriber
{
    /// <summary>Transcribes <paramref name="audio"/> of the given MIME type (e.g. <c>audio/webm;codecs=opus</c>).</summary>
    Task<TranscriptionResult> TranscribeAsync(ReadOnlyMemory<byte> audio, string mimeType, ChatKitContext context, CancellationToken cancellationToken);
}

/// <summary>Creates and deletes attachment files (the bytes); the engine keeps the records in <see cref="IChatKitStore"/>.</summary>
public interface IChatKitAttachmentStore
{
    /// <summary>Creates an attachment for a two-phase upload (with its <c>upload_descriptor</c>).</summary>
    Task<Attachment> CreateAttachmentAsync(AttachmentCreateParams request, ChatKitContext context, CancellationToken cancellationToken);

    /// <summary>Deletes an attachment's bytes.</summary>
    Task DeleteAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken);
}
