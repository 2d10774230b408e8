using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace ChatKit;

public sealed partial class ChatKitEngine
{
    /// <summary>
    /// Checks what can be checked before the stream starts (threads, items and attachments exist,
    /// the request makes sense) so that those problems get an HTTP status; returns the stream.
    /// </summary>
    private async Task<ChatKitStreamResponse> PrepareStreamAsync(StreamingRequest request, ChatKitContext context, CancellationToken ct)
    {
        switch (request)
        {
            case ThreadsCreateRequest r:
            {
                var attachments = await LoadAttachmentsAsync(r.Params.Input, context, ct).ConfigureAwait(false);
                var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Now() };
                var response = new ChatKitStreamResponse(request.Kind, thread.Id, CreateThreadStream(thread, r.Params.Input, attachments, context, ct));
                return response;
            }
            case ThreadsAddUserMessageRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                var attachments = await LoadAttachmentsAsync(r.Params.Input, context, ct).ConfigureAwait(false);
                return Stream(request, thread, Refusal(thread) ?? UserMessageStream(thread, r.Params.Input, attachments, context, ct));
            }
            case ThreadsAddClientToolOutputRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                if (Refusal(thread) is { } refused) return Stream(request, thread, refused);
                var recent = await _store.LoadThreadItemsAsync(thread.Id, null, _options.DefaultPageSize, SortOrder.Desc, context, ct).ConfigureAwait(false);
                var call = recent.Data.OfType<ClientToolCallItem>().FirstOrDefault(c => c.Status == ClientToolCallStatus.Pending)
                    ?? throw new ChatKitConflictException($"Thread '{thread.Id}' has no pending client tool call to receive this output.");
                return Stream(request, thread, ClientToolOutputStream(thread, call, r.Params.Result, context, ct));
            }
            case ThreadsAddStructuredInputRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                var item = await _store.LoadItemAsync(thread.Id, r.Params.ItemId, context, ct).ConfigureAwait(false);
                if (item is not StructuredInputItem structured)
                    throw new ChatKitValidationException($"Item '{item.Id}' is a {item.Kind}, not a structured_input item.");
                if (structured.Status != StructuredInputStatus.Pending)
                    throw new ChatKitConflictException($"Structured input '{item.Id}' was already {structured.Status.ToString().ToLowerInvariant()}.");
                if (Refusal(thread) is { } refused) return Stream(request, thread, refused);
                var answered = StructuredInputAnswers.Apply(structured, r.Params.Input, _logger);
                return Stream(request, thread, ProcessEventsAsync(thread, context, (c) => ReplaceThenRespond(thread, answered, context, c), lockThread: true, ct));
            }
            case ThreadsRetryAfterItemRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                var item = await _store.LoadItemAsync(thread.Id, r.Params.ItemId, context, ct).ConfigureAwait(false);
                if (item is not UserMessageItem userMessage)
                    throw new ChatKitValidationException($"Item '{item.Id}' is a {item.Kind}; threads.retry_after_item needs a user message.");
                return Stream(request, thread, Refusal(thread) ?? RetryStream(thread, userMessage, context, ct));
            }
            case ThreadsCustomActionRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                ThreadItem? sender = r.Params.ItemId is null ? null : await _store.LoadItemAsync(thread.Id, r.Params.ItemId, context, ct).ConfigureAwait(false);
                if (sender is not null and not WidgetItem)
                {
                    _logger.LogWarning("Action {ActionType} sent by {ItemId}, which is a {ItemKind}, not a widget", r.Params.Action.Type, sender.Id, sender.Kind);
                    return Stream(request, thread, Single(new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = false }));
                }
                if (Refusal(thread) is { } refused) return Stream(request, thread, refused);
                if (_actions is null)
                    throw new ChatKitNotSupportedException("threads.custom_action is not available: this server has no action handler.");
                var actions = _actions;
                return Stream(request, thread, ProcessEventsAsync(thread, context,
                    c => actions.ActAsync(thread, r.Params.Action, (WidgetItem?)sender, context, c), lockThread: true, ct));
            }
            default:
                throw new ChatKitValidationException($"Unsupported request type '{request.Kind}'.");
        }
    }

    private static ChatKitStreamResponse Stream(ChatKitRequest request, ThreadMetadata thread, IAsyncEnumerable<ThreadStreamEvent> events) =>
        new(request.Kind, thread.Id, events);

    /// <summary>A locked or closed thread answers new work with the protocol's error event.</summary>
    private IAsyncEnumerable<ThreadStreamEvent>? Refusal(ThreadMetadata thread)
    {
        if (thread.Status.Explanation is not { } why) return null;
        _logger.LogInformation("Refused new work on {ThreadId}: thread is {ThreadStatus}", thread.Id, thread.Status.Kind);
        return Single(new ErrorEvent { Code = ErrorCodes.Custom, Message = why, AllowRetry = false });
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Single(ThreadStreamEvent ev)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return ev;
    }

    private async Task<List<Attachment>> LoadAttachmentsAsync(UserMessageInput input, ChatKitContext context, CancellationToken ct)
    {
        if (input.Content.Count == 0 && input.Attachments.Count == 0)
            throw new ChatKitValidationException("The message is empty: 'input.content' and 'input.attachments' are both empty.");
        var list = new List<Attachment>(input.Attachments.Count);
        foreach (var id in input.Attachments.Distinct(StringComparer.Ordinal))
        {
            var attachment = await _store.LoadAttachmentAsync(id, context, ct).ConfigureAwait(false);
            // A two-phase upload keeps its descriptor until the bytes arrive.
            if (attachment.UploadDescriptor is not null)
                throw new ChatKitConflictException($"Attachment '{id}' has not been uploaded yet.");
            list.Add(attachment);
        }
        return list;
    }

    private UserMessageItem BuildUserMessage(ThreadMetadata thread, UserMessageInput input, List<Attachment> attachments)
    {
        foreach (var attachment in attachments)
            attachment.ThreadId = thread.Id;
        return new UserMessageItem
        {
            Id = ChatKitIds.Message(),
            ThreadId = thread.Id,
            CreatedAt = Now(),
            Content = input.Content,
            Attachments = attachments,
            QuotedText = input.QuotedText,
            InferenceOptions = input.InferenceOptions,
        };
    }

    private async IAsyncEnumerable<ThreadStreamEvent> CreateThreadStream(
        ThreadMetadata thread, UserMessageInput input, List<Attachment> attachments, ChatKitContext context,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // Nothing is written before the client is listening; the thread and its first message are written together.
        await _store.SaveThreadAsync(thread, context, CancellationToken.None).ConfigureAwait(false);
        yield return new ThreadCreatedEvent { Thread = ChatKitThread.ForClient(thread) };
        await foreach (var ev in UserMessageStream(thread, input, attachments, context, ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> UserMessageStream(
        ThreadMetadata thread, UserMessageInput input, List<Attachment> attachments, ChatKitContext context,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var turn = await _locks.AcquireAsync(thread.Id, ct).ConfigureAwait(false);
        var message = BuildUserMessage(thread, input, attachments);
        foreach (var attachment in message.Attachments)
            await _store.SaveAttachmentAsync(attachment, context, CancellationToken.None).ConfigureAwait(false);
        await _store.AddThreadItemAsync(thread.Id, message, context, CancellationToken.None).ConfigureAwait(false);
        yield return new ThreadItemDoneEvent { Item = message };
        await foreach (var ev in ProcessEventsAsync(thread, context, c => _responder.RespondAsync(thread, message, context, c), lockThread: false, ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> ClientToolOutputStream(
        ThreadMetadata thread, ClientToolCallItem call, System.Text.Json.Nodes.JsonNode? result, ChatKitContext context,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var turn = await _locks.AcquireAsync(thread.Id, ct).ConfigureAwait(false);
        call.Output = result;
        call.Status = ClientToolCallStatus.Completed;
        await _store.SaveItemAsync(thread.Id, call, context, CancellationToken.None).ConfigureAwait(false);
        // Any other pending call would dangle forever: the model only waits for one.
        var recent = await _store.LoadThreadItemsAsync(thread.Id, null, _options.DefaultPageSize, SortOrder.Desc, context, CancellationToken.None).ConfigureAwait(false);
        foreach (var stale in recent.Data.OfType<ClientToolCallItem>().Where(c => c.Status == ClientToolCallStatus.Pending))
        {
            _logger.LogWarning("Client tool call {CallId} in {ThreadId} was never completed; removing it", stale.CallId, thread.Id);
            await _store.DeleteThreadItemAsync(thread.Id, stale.Id, context, CancellationToken.None).ConfigureAwait(false);
        }
        await foreach (var ev in ProcessEventsAsync(thread, context, c => _responder.RespondAsync(thread, null, context, c), lockThread: false, ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> ReplaceThenRespond(
        ThreadMetadata thread, StructuredInputItem answered, ChatKitContext context, [EnumeratorCancellation] CancellationToken ct)
    {
        // Goes through the pipeline so the replacement is saved like any other.
        yield return new ThreadItemReplacedEvent { Item = answered };
        await foreach (var ev in _responder.RespondAsync(thread, null, context, ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> RetryStream(
        ThreadMetadata thread, UserMessageItem userMessage, ChatKitContext context, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var turn = await _locks.AcquireAsync(thread.Id, ct).ConfigureAwait(false);
        // Newest first until the user message: everything after it goes.
        var later = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await _store.LoadThreadItemsAsync(thread.Id, after, _options.DefaultPageSize, SortOrder.Desc, context, CancellationToken.None).ConfigureAwait(false);
            var reached = false;
            foreach (var item in page.Data)
            {
                if (item.Id == userMessage.Id) { reached = true; break; }
                later.Add(item.Id);
            }
            if (reached || !page.HasMore || page.After is null) break;
            after = page.After;
        }
        foreach (var id in later)
            await _store.DeleteThreadItemAsync(thread.Id, id, context, CancellationToken.None).ConfigureAwait(false);
        await foreach (var ev in ProcessEventsAsync(thread, context, c => _responder.RespondAsync(thread, userMessage, context, c), lockThread: false, ct).ConfigureAwait(false))
            yield return ev;
    }

    private DateTimeOffset Now() => ChatKitClock.Now(_time);
}
