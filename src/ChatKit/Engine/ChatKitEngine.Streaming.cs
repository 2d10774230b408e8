using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace ChatKit;

public sealed partial class ChatKitEngine
{
    /// <summary>
    /// Checks what can be checked before the stream starts (threads, items and attachments exist,
    /// the request makes sense) so that those problems get an HTTP status; returns the stream. The
    /// turn itself reads the thread again once it holds the thread's lock (<see cref="Turn"/>).
    /// </summary>
    private async Task<ChatKitStreamResponse> PrepareStreamAsync(StreamingRequest request, ChatKitContext context, CancellationToken ct)
    {
        switch (request)
        {
            case ThreadsCreateRequest r:
            {
                var attachments = await LoadAttachmentsAsync(r.Params.Input, null, context, ct).ConfigureAwait(false);
                var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = Now() };
                return Stream(request, thread.Id, CreateThreadStream(thread, r.Params.Input, attachments, context, ct));
            }
            case ThreadsAddUserMessageRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                var attachments = await LoadAttachmentsAsync(r.Params.Input, thread.Id, context, ct).ConfigureAwait(false);
                return Stream(request, thread.Id, Turn(thread.Id, context, (t, clock, c) => UserMessageTurn(t, r.Params.Input, attachments, context, clock, c), ct));
            }
            case ThreadsAddClientToolOutputRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                if (Refusal(thread) is null)
                    await PendingClientToolCallAsync(thread.Id, context, ct).ConfigureAwait(false);
                return Stream(request, thread.Id, Turn(thread.Id, context, (t, clock, c) => ClientToolOutputTurn(t, r.Params.Result, context, clock, c), ct));
            }
            case ThreadsAddStructuredInputRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                await PendingStructuredInputAsync(thread.Id, r.Params.ItemId, context, ct).ConfigureAwait(false);
                return Stream(request, thread.Id, Turn(thread.Id, context, (t, clock, c) => StructuredInputTurn(t, r.Params.ItemId, r.Params.Input, context, clock, c), ct));
            }
            case ThreadsRetryAfterItemRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                await UserMessageToRetryAsync(thread.Id, r.Params.ItemId, context, ct).ConfigureAwait(false);
                return Stream(request, thread.Id, Turn(thread.Id, context, (t, clock, c) => RetryTurn(t, r.Params.ItemId, context, clock, c), ct));
            }
            case ThreadsCustomActionRequest r:
            {
                var thread = await _store.LoadThreadAsync(r.Params.ThreadId, context, ct).ConfigureAwait(false);
                ThreadItem? sender = SenderId(r.Params) is not { } senderId ? null : await _store.LoadItemAsync(thread.Id, senderId, context, ct).ConfigureAwait(false);
                if (sender is not null and not WidgetItem)
                    return Stream(request, thread.Id, Single(NotAWidget(r.Params, sender)));
                if (Refusal(thread) is null && _actions is null)
                    throw new ChatKitNotSupportedException("threads.custom_action is not available: this server has no action handler.");
                return Stream(request, thread.Id, Turn(thread.Id, context, (t, clock, c) => CustomActionTurn(t, r.Params, context, clock, c), ct));
            }
            default:
                throw new ChatKitValidationException($"Unsupported request type '{request.Kind}'.");
        }
    }

    private static ChatKitStreamResponse Stream(ChatKitRequest request, string threadId, IAsyncEnumerable<ThreadStreamEvent> events) =>
        new(request.Kind, threadId, events);

    /// <summary>
    /// The one place a turn takes its thread's lock (<see cref="IChatKitTurnLock"/>). The thread is read
    /// once the lock is held, so a turn that waited starts from what the turn before it left (title,
    /// status, items), and a thread locked or closed meanwhile refuses it. The lock is released after
    /// the turn's last item is saved, also when the client went away. The turn's times come after the thread's newest
    /// item (<see cref="TurnClock"/>), whichever instance's clock wrote it. A thread this request has just created and saved
    /// (<paramref name="created"/>, with the clock its first message was stamped by; the caller took its lock before its id went
    /// out) is not read back: no one else can have changed it yet, and its only item is the one just saved with it (the reference,
    /// too, goes on with the thread it saved).
    /// </summary>
    private async IAsyncEnumerable<ThreadStreamEvent> Turn(
        string threadId, ChatKitContext context, Func<ThreadMetadata, TurnClock, CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> turn,
        [EnumeratorCancellation] CancellationToken ct, (ThreadMetadata Thread, TurnClock Clock)? created = null)
    {
        await using var held = created is not null ? null : await _turns.AcquireAsync(threadId, ct).ConfigureAwait(false);
        ThreadMetadata? thread;
        TurnClock? clock = null;
        try
        {
            if (created is { } saved)
            {
                (thread, clock) = saved;
            }
            else
            {
                thread = await _store.LoadThreadAsync(threadId, context, ct).ConfigureAwait(false);
                var newest = await _store.LoadThreadItemsAsync(threadId, null, 1, SortOrder.Desc, context, ct).ConfigureAwait(false);
                clock = new TurnClock(_time, newest is { Data.Count: > 0 } ? newest.Data[0].CreatedAt : thread.CreatedAt);
            }
        }
        catch (ChatKitNotFoundException)
        {
            thread = null; // deleted while this turn waited for the one before it
        }
        if (thread is null)
        {
            yield return ThreadDeleted(threadId, context);
            yield break;
        }
        await foreach (var ev in (Refusal(thread) ?? turn(thread, clock!, ct)).ConfigureAwait(false))
            yield return ev;
    }

    /// <summary>A locked or closed thread answers new work with the protocol's error event.</summary>
    private IAsyncEnumerable<ThreadStreamEvent>? Refusal(ThreadMetadata thread)
    {
        if (thread.Status.Explanation is not { } why) return null;
        _logger.LogInformation("Refused new work on {ThreadId}: thread is {ThreadStatus}", thread.Id, thread.Status.Kind);
        return Single(new ErrorEvent { Code = ErrorCodes.Custom, Message = why, AllowRetry = false });
    }

    private static readonly IReadOnlySet<string> WaitingKinds = new HashSet<string>([ItemTypes.ClientToolCall, ItemTypes.StructuredInput], StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> ClientToolCallKind = new HashSet<string>([ItemTypes.ClientToolCall], StringComparer.Ordinal);

    /// <summary>Whether one of the thread's recent items waits for the client: a pending client tool call or structured input.</summary>
    private async Task<bool> WaitsForTheClientAsync(string threadId, ChatKitContext context, CancellationToken ct)
    {
        var recent = await _store.LoadRecentItemsOfKindsAsync(threadId, _options.DefaultPageSize, WaitingKinds, context, ct).ConfigureAwait(false);
        return recent.Any(i => i is ClientToolCallItem { Status: ClientToolCallStatus.Pending } or StructuredInputItem { Status: StructuredInputStatus.Pending });
    }

    /// <summary>The newest client tool call still waiting for its output; a 409 when there is none.</summary>
    private async Task<ClientToolCallItem> PendingClientToolCallAsync(string threadId, ChatKitContext context, CancellationToken ct)
    {
        var recent = await _store.LoadRecentItemsOfKindsAsync(threadId, _options.DefaultPageSize, ClientToolCallKind, context, ct).ConfigureAwait(false);
        return recent.OfType<ClientToolCallItem>().FirstOrDefault(c => c.Status == ClientToolCallStatus.Pending)
            ?? throw new ChatKitConflictException($"Thread '{threadId}' has no pending client tool call to receive this output.");
    }

    /// <summary>The structured input item a submission answers: 404 when missing, 400 when it is another item, 409 when already answered.</summary>
    private async Task<StructuredInputItem> PendingStructuredInputAsync(string threadId, string itemId, ChatKitContext context, CancellationToken ct)
    {
        var item = await _store.LoadItemAsync(threadId, itemId, context, ct).ConfigureAwait(false);
        if (item is not StructuredInputItem structured)
            throw new ChatKitValidationException($"Item '{item.Id}' is of type {item.Kind}, not a structured_input item.");
        if (structured.Status != StructuredInputStatus.Pending)
            throw new ChatKitConflictException($"Structured input '{item.Id}' was already {structured.Status.ToString().ToLowerInvariant()}.");
        return structured;
    }

    /// <summary>The user message a retry starts from: 404 when missing, 400 when it is not a user message.</summary>
    private async Task<UserMessageItem> UserMessageToRetryAsync(string threadId, string itemId, ChatKitContext context, CancellationToken ct)
    {
        var item = await _store.LoadItemAsync(threadId, itemId, context, ct).ConfigureAwait(false);
        return item as UserMessageItem
            ?? throw new ChatKitValidationException($"Item '{item.Id}' is of type {item.Kind}; threads.retry_after_item needs a user message.");
    }

    private ErrorEvent NotAWidget(ThreadCustomActionParams p, ThreadItem sender)
    {
        _logger.LogWarning("Action {ActionType} sent by {ItemId}, which is a {ItemKind}, not a widget", p.Action.Type, sender.Id, sender.Kind);
        return new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = false };
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Single(ThreadStreamEvent ev)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return ev;
    }

    /// <summary>
    /// The attachments a message names, for thread <paramref name="threadId"/> (null: a thread about to be created). An
    /// attachment already sent in another thread is refused (409): deleting a thread deletes its attachments' bytes, which
    /// the other thread's message would then show as missing.
    /// </summary>
    private async Task<List<Attachment>> LoadAttachmentsAsync(UserMessageInput input, string? threadId, ChatKitContext context, CancellationToken ct)
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
            if (attachment.ThreadId is { } sentIn && sentIn != threadId)
                throw ChatKitConflictException.AttachmentInAnotherThread(id);
            list.Add(attachment);
        }
        return list;
    }

    private static UserMessageItem BuildUserMessage(ThreadMetadata thread, UserMessageInput input, List<Attachment> attachments, TurnClock clock)
    {
        foreach (var attachment in attachments)
            attachment.ThreadId = thread.Id;
        return new UserMessageItem
        {
            Id = ChatKitIds.Message(),
            ThreadId = thread.Id,
            CreatedAt = clock.Now(),
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
        // Nothing is written before the client is listening; the thread and its first message (and the attachments it carries) are
        // written together, in one transaction where the store can (IChatKitStore.SaveNewThreadAsync): both before thread.created.
        var clock = new TurnClock(_time, thread.CreatedAt);
        var message = BuildUserMessage(thread, input, attachments, clock);
        await _store.SaveNewThreadAsync(thread, message, message.Attachments, context, CancellationToken.None).ConfigureAwait(false);
        // The turn's lock is taken before the thread's id goes out: a message a client sends as soon as it learns the id (another
        // tab, an API client, another instance) waits for this first turn instead of running before it.
        await using var held = await _turns.AcquireAsync(thread.Id, ct).ConfigureAwait(false);
        yield return new ThreadCreatedEvent { Thread = ChatKitThread.ForClient(thread) };
        await foreach (var ev in Turn(thread.Id, context, (t, c, token) => FirstMessageTurn(t, message, context, c, token), ct, created: (thread, clock)).ConfigureAwait(false))
            yield return ev;
    }

    /// <summary>A new thread's first turn: its message is already stored with the thread (<see cref="CreateThreadStream"/>).</summary>
    private async IAsyncEnumerable<ThreadStreamEvent> FirstMessageTurn(
        ThreadMetadata thread, UserMessageItem message, ChatKitContext context, TurnClock clock, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return new ThreadItemDoneEvent { Item = message };
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => _responder.RespondAsync(thread, message, context, c), ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> UserMessageTurn(
        ThreadMetadata thread, UserMessageInput input, List<Attachment> attachments, ChatKitContext context, TurnClock clock,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // A protocol rule, for every responder: while the thread waits for the client (a tool call's
        // output, a structured input), a new message is not taken; the user is told to answer first.
        if (await WaitsForTheClientAsync(thread.Id, context, ct).ConfigureAwait(false))
        {
            _logger.LogInformation("New message on {ThreadId} refused: a client tool call or structured input is pending", thread.Id);
            await foreach (var ev in ProcessEventsAsync(thread, context, clock, _ => Single(new NoticeEvent { Level = NoticeLevel.Info, Message = _notices.PendingInteraction(context) }), ct).ConfigureAwait(false))
                yield return ev;
            yield break;
        }
        var message = BuildUserMessage(thread, input, attachments, clock);
        // The check above ran before the turn's lock; the store claims the attachments for this thread again as it writes
        // the message (a concurrent send of the same attachment in another thread loses there, with nothing written).
        await _store.AddUserMessageAsync(thread.Id, message, message.Attachments, context, CancellationToken.None).ConfigureAwait(false);
        yield return new ThreadItemDoneEvent { Item = message };
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => _responder.RespondAsync(thread, message, context, c), ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> ClientToolOutputTurn(
        ThreadMetadata thread, System.Text.Json.Nodes.JsonNode? result, ChatKitContext context, TurnClock clock,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // Read under the lock: the turn before this one may have answered or replaced the call.
        var call = await PendingClientToolCallAsync(thread.Id, context, ct).ConfigureAwait(false);
        call.Output = result;
        call.Status = ClientToolCallStatus.Completed;
        await _store.SaveItemAsync(thread.Id, call, context, CancellationToken.None).ConfigureAwait(false);
        // Any other pending call would dangle forever: the model only waits for one.
        var recent = await _store.LoadRecentItemsOfKindsAsync(thread.Id, _options.DefaultPageSize, ClientToolCallKind, context, CancellationToken.None).ConfigureAwait(false);
        foreach (var stale in recent.OfType<ClientToolCallItem>().Where(c => c.Status == ClientToolCallStatus.Pending))
        {
            _logger.LogWarning("Client tool call {CallId} in {ThreadId} was never completed; removing it", stale.CallId, thread.Id);
            await _store.DeleteThreadItemAsync(thread.Id, stale.Id, context, CancellationToken.None).ConfigureAwait(false);
        }
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => _responder.RespondAsync(thread, null, context, c), ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> StructuredInputTurn(
        ThreadMetadata thread, string itemId, StructuredInputSubmission input, ChatKitContext context, TurnClock clock, [EnumeratorCancellation] CancellationToken ct)
    {
        var answered = StructuredInputAnswers.Apply(await PendingStructuredInputAsync(thread.Id, itemId, context, ct).ConfigureAwait(false), input, _logger);
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => ReplaceThenRespond(thread, answered, context, c), ct).ConfigureAwait(false))
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

    private async IAsyncEnumerable<ThreadStreamEvent> RetryTurn(
        ThreadMetadata thread, string itemId, ChatKitContext context, TurnClock clock, [EnumeratorCancellation] CancellationToken ct)
    {
        var userMessage = await UserMessageToRetryAsync(thread.Id, itemId, context, ct).ConfigureAwait(false);
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
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => _responder.RespondAsync(thread, userMessage, context, c), ct).ConfigureAwait(false))
            yield return ev;
    }

    private async IAsyncEnumerable<ThreadStreamEvent> CustomActionTurn(
        ThreadMetadata thread, ThreadCustomActionParams p, ChatKitContext context, TurnClock clock, [EnumeratorCancellation] CancellationToken ct)
    {
        var actions = _actions ?? throw new ChatKitNotSupportedException("threads.custom_action is not available: this server has no action handler.");
        // The sending widget as the turn before this one left it.
        var sender = SenderId(p) is not { } senderId ? null : await _store.LoadItemAsync(thread.Id, senderId, context, ct).ConfigureAwait(false);
        if (sender is not null and not WidgetItem)
        {
            yield return NotAWidget(p, sender);
            yield break;
        }
        await foreach (var ev in ProcessEventsAsync(thread, context, clock, c => actions.ActAsync(thread, p.Action, (WidgetItem?)sender, context, c), ct).ConfigureAwait(false))
            yield return ev;
    }

    private DateTimeOffset Now() => ChatKitClock.Now(_time);
}
