using ChatKit.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatKit;

/// <summary>
/// The protocol's behaviour for every request type: reads and writes the store, runs the
/// responder, persists items as their events pass and turns failures into <c>error</c> events.
/// Hosts call <see cref="ChatKitRequestParser.Parse(ReadOnlySpan{byte}, ChatKitRequestLimits?)"/> then <see cref="ProcessAsync"/>.
/// </summary>
public sealed partial class ChatKitEngine
{
    private readonly IChatKitStore _store;
    private readonly IChatKitResponder _responder;
    private readonly ILogger _logger;
    private readonly ChatKitEngineOptions _options;
    private readonly IChatKitAttachmentStore? _attachments;
    private readonly IChatKitActionHandler? _actions;
    private readonly IChatKitTranscriber? _transcriber;
    private readonly TimeProvider _time;
    private readonly IChatKitTurnLock _turns;
    private readonly IChatKitNotices _notices;
    // Process-wide when no lock is given: hosts usually create one engine per request scope, and turns
    // on a thread must queue behind each other whichever engine instance runs them.
    private static readonly InProcessTurnLock DefaultTurnLock = new();

    /// <summary>
    /// Creates an engine over a store and a responder; the other services are optional. Without a
    /// <paramref name="turnLock"/>, turns are serialized within this process only; without
    /// <paramref name="notices"/>, the engine's notices are in English.
    /// </summary>
    public ChatKitEngine(
        IChatKitStore store,
        IChatKitResponder responder,
        ILogger<ChatKitEngine>? logger = null,
        ChatKitEngineOptions? options = null,
        IChatKitAttachmentStore? attachmentStore = null,
        IChatKitActionHandler? actionHandler = null,
        IChatKitTranscriber? transcriber = null,
        TimeProvider? timeProvider = null,
        IChatKitTurnLock? turnLock = null,
        IChatKitNotices? notices = null)
    {
        _store = store;
        _responder = responder;
        _logger = logger ?? NullLogger<ChatKitEngine>.Instance;
        _options = options ?? new ChatKitEngineOptions();
        _attachments = attachmentStore;
        _actions = actionHandler;
        _transcriber = transcriber;
        _time = timeProvider ?? TimeProvider.System;
        _turns = turnLock ?? DefaultTurnLock;
        _notices = notices ?? new EnglishChatKitNotices();
    }

    /// <summary>
    /// Runs one request. Problems found before anything is written throw a <see cref="ChatKitException"/>
    /// (the host maps it to its status); once a stream has started, problems become <c>error</c> events.
    /// </summary>
    public async Task<ChatKitResponse> ProcessAsync(ChatKitRequest request, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        context.RequestMetadata = request.Metadata;
        _logger.LogDebug("Processing {RequestType} for {UserId}", request.Kind, context.UserId);
        if (request is StreamingRequest)
            ChatKitTelemetry.Turns.Add(1, new KeyValuePair<string, object?>(ChatKitTelemetry.RequestTypeTag, request.Kind));
        return request switch
        {
            StreamingRequest streaming => await PrepareStreamAsync(streaming, context, cancellationToken).ConfigureAwait(false),
            NonStreamingRequest plain => new ChatKitJsonResponse(await ProcessJsonAsync(plain, context, cancellationToken).ConfigureAwait(false)),
            _ => throw new ChatKitValidationException($"Unsupported request type '{request.Kind}'."),
        };
    }

    private async Task<byte[]> ProcessJsonAsync(NonStreamingRequest request, ChatKitContext context, CancellationToken ct)
    {
        switch (request)
        {
            case ThreadsGetByIdRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                var items = await _store.LoadVisibleWireItemsAsync(thread.Id, null, _options.DefaultPageSize, SortOrder.Asc, context, ct).ConfigureAwait(false);
                return WirePages.SerializeThread(thread, items);
            }
            case ThreadsListRequest r:
            {
                var limit = Limit(r.Params.Limit);
                var page = await _store.LoadWireThreadsAsync(limit, Cursor(r.Params.After), r.Params.Order, context, ct).ConfigureAwait(false);
                return WirePages.SerializeThreads(page);
            }
            case ItemsListRequest r:
            {
                var limit = Limit(r.Params.Limit);
                var page = await _store.LoadVisibleWireItemsAsync(r.Params.ThreadId, Cursor(r.Params.After), limit, r.Params.Order, context, ct).ConfigureAwait(false);
                return WirePages.Serialize(page);
            }
            case ThreadsUpdateRequest r:
            {
                var title = ValidTitle(r.Params.Title);
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                thread.Title = title;
                await _store.UpdateThreadAsync(thread, context, ct).ConfigureAwait(false); // deleted meanwhile: 404, not back as an empty thread
                return ChatKitJson.SerializeToUtf8Bytes(ChatKitThread.ForClient(thread));
            }
            case ThreadsDeleteRequest r:
                await DeleteThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                return EmptyObject;
            case ItemsFeedbackRequest r:
            {
                await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                if (r.Params.ItemIds.Count == 0) return EmptyObject; // nothing to keep; the reference answers {} as well
                foreach (var itemId in r.Params.ItemIds.Distinct())
                {
                    // A hidden item (context for the model) never reached the client: nothing it could rate.
                    if ((await _store.LoadItemAsync(r.Params.ThreadId, itemId, context, ct).ConfigureAwait(false)).IsHidden)
                        throw ChatKitNotFoundException.Item(r.Params.ThreadId, itemId);
                }
                await _store.SaveFeedbackAsync(r.Params.ThreadId, r.Params.ItemIds.Distinct().ToList(), r.Params.Kind, context, ct).ConfigureAwait(false);
                return EmptyObject;
            }
            case AttachmentsCreateRequest r:
            {
                if (_attachments is null)
                    throw new ChatKitNotSupportedException("attachments.create is not available: this server has no attachment storage configured.");
                if (r.Params.Size < 0)
                    throw new ChatKitValidationException("attachments.create: 'size' must not be negative.");
                var attachment = await _attachments.CreateAttachmentAsync(r.Params, context, ct).ConfigureAwait(false);
                await _store.SaveAttachmentAsync(attachment, context, ct).ConfigureAwait(false);
                return ChatKitJson.SerializeToUtf8Bytes(attachment);
            }
            case AttachmentsDeleteRequest r:
            {
                var attachment = await _store.LoadAttachmentAsync(r.Params.AttachmentId, context, ct).ConfigureAwait(false);
                if (_attachments is not null)
                    await _attachments.DeleteAttachmentAsync(attachment, context, ct).ConfigureAwait(false);
                await _store.DeleteAttachmentAsync(attachment.Id, context, ct).ConfigureAwait(false);
                return EmptyObject;
            }
            case InputTranscribeRequest r:
            {
                if (_transcriber is null)
                    throw new ChatKitNotSupportedException("input.transcribe is not available: this server has no transcriber configured.");
                byte[] audio;
                try
                {
                    audio = Convert.FromBase64String(r.Params.AudioBase64);
                }
                catch (FormatException ex)
                {
                    throw new ChatKitValidationException("input.transcribe: 'audio_base64' is not valid base64.", ex);
                }
                var result = await _transcriber.TranscribeAsync(audio, r.Params.MimeType, context, ct).ConfigureAwait(false);
                return ChatKitJson.SerializeToUtf8Bytes(result);
            }
            case ThreadsSyncCustomActionRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                if (thread.Status.Explanation is { } why)
                    throw new ChatKitConflictException($"Thread '{thread.Id}' does not accept new work: {why}");
                var sender = await LoadSenderAsync(r.Params, context, ct).ConfigureAwait(false);
                if (_actions is null)
                    throw new ChatKitNotSupportedException("threads.sync_custom_action is not available: this server has no action handler.");
                var response = await _actions.ActSyncAsync(thread, r.Params.Action, sender, context, ct).ConfigureAwait(false);
                if (response.UpdatedItem is { } updated)
                    await _store.SaveItemAsync(thread.Id, updated, context, CancellationToken.None).ConfigureAwait(false);
                return ChatKitJson.SerializeToUtf8Bytes(response);
            }
            default:
                throw new ChatKitValidationException($"Unsupported request type '{request.Kind}'.");
        }
    }

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>
    /// Deletes a thread with everything of it, including its attachments' bytes. A thread the caller
    /// does not have is already deleted as far as they can tell: the answer is the same (like the
    /// reference, and a retried delete must not show an error).
    /// </summary>
    private async Task DeleteThreadAsync(string threadId, ChatKitContext context, CancellationToken ct)
    {
        var attachments = new List<Attachment>();
        try
        {
            await foreach (var item in ItemsOfAsync(threadId, context, ct).ConfigureAwait(false))
            {
                if (item is UserMessageItem message)
                    attachments.AddRange(message.Attachments);
            }
        }
        catch (ChatKitNotFoundException)
        {
            _logger.LogDebug("threads.delete of {ThreadId}: no such thread for {UserId}", threadId, context.UserId);
            return;
        }
        var owned = _attachments is null ? [] : await AttachmentsOfThreadAsync(threadId, attachments, context, ct).ConfigureAwait(false);
        await _store.DeleteThreadAsync(threadId, context, ct).ConfigureAwait(false);
        if (_attachments is null) return;
        foreach (var attachment in owned)
        {
            // The records are gone with the thread; the bytes follow. One failure must not keep the others.
            try
            {
                await _attachments.DeleteAttachmentAsync(attachment, context, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Could not delete the bytes of attachment {AttachmentId} of deleted thread {ThreadId}", attachment.Id, threadId);
            }
        }
    }

    /// <summary>
    /// The attachments of a thread's messages whose bytes go with it: not one whose record names another thread (a store
    /// without the claim of <see cref="IChatKitStore.SaveAttachmentAsync"/>, or records from before it), whose message there
    /// still shows it.
    /// </summary>
    private async Task<List<Attachment>> AttachmentsOfThreadAsync(string threadId, List<Attachment> named, ChatKitContext context, CancellationToken ct)
    {
        var owned = new List<Attachment>(named.Count);
        foreach (var attachment in named.DistinctBy(a => a.Id))
        {
            try
            {
                var record = await _store.LoadAttachmentAsync(attachment.Id, context, ct).ConfigureAwait(false);
                if (record.ThreadId is { } other && other != threadId)
                {
                    _logger.LogWarning("Deleting {ThreadId} keeps the bytes of {AttachmentId}: its record is in thread {OtherThreadId}", threadId, attachment.Id, other);
                    continue;
                }
            }
            catch (ChatKitNotFoundException)
            {
                // No record left: nothing else can show the bytes, which go with the thread.
            }
            owned.Add(attachment);
        }
        return owned;
    }

    /// <summary>Every item of a thread, oldest first, page by page.</summary>
    private async IAsyncEnumerable<ThreadItem> ItemsOfAsync(string threadId, ChatKitContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? after = null;
        while (true)
        {
            var page = await _store.LoadThreadItemsAsync(threadId, after, _options.MaxPageSize, SortOrder.Asc, context, ct).ConfigureAwait(false);
            foreach (var item in page.Data)
                yield return item;
            if (!page.HasMore || page.After is null) yield break;
            after = page.After;
        }
    }

    /// <summary>A page's <c>after</c>: an empty one is no cursor, as in the reference's stores (<c>if after:</c>).</summary>
    private static string? Cursor(string? after) => string.IsNullOrEmpty(after) ? null : after;

    private int Limit(int? requested)
    {
        if (requested is null) return _options.DefaultPageSize;
        if (requested < 1 || requested > _options.MaxPageSize)
            throw new ChatKitValidationException($"'limit' must be between 1 and {_options.MaxPageSize}; got {requested}.");
        return requested.Value;
    }

    private string ValidTitle(string title)
    {
        if (title.Length > _options.MaxTitleLength)
            throw new ChatKitValidationException($"'title' is {title.Length} characters long; the limit is {_options.MaxTitleLength}.");
        // A title is a line of text; PostgreSQL cannot store the NUL character at all, so no store is given one.
        if (title.Contains('\0'))
            throw new ChatKitValidationException("'title' must not contain the NUL character (\\u0000).");
        return title;
    }

    /// <summary>The widget that sent an action; a sender that is not a widget is refused.</summary>
    private async Task<WidgetItem?> LoadSenderAsync(ThreadCustomActionParams p, ChatKitContext context, CancellationToken ct)
    {
        if (SenderId(p) is not { } senderId) return null;
        var item = await _store.LoadItemAsync(p.ThreadId, senderId, context, ct).ConfigureAwait(false);
        return item as WidgetItem ?? throw new ChatKitValidationException($"Item '{senderId}' is of type {item.Kind}, not a widget: only widgets send actions.");
    }

    /// <summary>The item that sent an action: an empty <c>item_id</c> names none, as in the reference (<c>if request.params.item_id:</c>).</summary>
    private static string? SenderId(ThreadCustomActionParams p) => string.IsNullOrEmpty(p.ItemId) ? null : p.ItemId;
}
