using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace ChatKit;

public sealed partial class ChatKitEngine
{
    /// <summary>
    /// The heart of the engine: sends <c>stream_options</c>, then relays the source's events,
    /// saving items as they pass (done → add, replaced → save, removed → delete), keeping
    /// hidden items from the client, emitting <c>thread.updated</c> when the thread changed,
    /// and ending with an <c>error</c> event when the source fails. When the client goes away
    /// (cancellation, or the consumer stops enumerating) pending work is saved with a token
    /// that is not the cancelled one.
    /// </summary>
    private async IAsyncEnumerable<ThreadStreamEvent> ProcessEventsAsync(
        ThreadMetadata thread,
        ChatKitContext context,
        TurnClock clock,
        Func<CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> source,
        [EnumeratorCancellation] CancellationToken ct)
    {
        yield return new StreamOptionsEvent { StreamOptions = new StreamOptions { AllowCancel = _options.AllowCancel } };

        var lastState = ThreadState.Of(thread);
        var pending = new PendingItems();
        var order = new FirstAppearanceOrder(clock.Now());
        var ended = false;
        var deleted = false;
        var lookedForDeletion = _time.GetTimestamp();
        try
        {
            // Made inside the loop's catch: a responder that throws when called (not an iterator) fails like any other.
            IAsyncEnumerator<ThreadStreamEvent>? events = null;
            try
            {
                while (true)
                {
                    ThreadStreamEvent? ev = null;
                    Exception? failure = null;
                    try
                    {
                        events ??= source(ct).GetAsyncEnumerator(ct);
                        if (await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            ev = events.Current;
                            order.Apply(ev);
                            await PersistAsync(thread, ev, pending, context).ConfigureAwait(false);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }

                    if (failure is not null)
                    {
                        if (failure is ChatKitNotFoundException && await IsGoneAsync(thread, context).ConfigureAwait(false))
                        {
                            // The user deleted the thread while it answered: nothing more is saved, and nothing is retried.
                            pending.Clear();
                            deleted = true;
                            yield return ThreadDeleted(thread.Id, context);
                            break;
                        }
                        var error = ToErrorEvent(failure, thread);
                        // Keep what the user already saw: partial answers are saved and finished.
                        foreach (var partial in pending.NonEmptyAssistantMessages().ToList())
                        {
                            if (await TrySaveAsync(thread, partial, context).ConfigureAwait(false))
                                yield return new ThreadItemDoneEvent { Item = partial };
                        }
                        pending.Clear();
                        yield return error;
                        break;
                    }
                    if (ev is null) break;

                    // A delete saves nothing of this turn from then on, but the model would answer on until the next save
                    // found the thread gone (paid tokens for an answer nobody keeps): look now and then, and stop it.
                    if (_time.GetElapsedTime(lookedForDeletion) >= _options.DeletedThreadCheckInterval)
                    {
                        lookedForDeletion = _time.GetTimestamp();
                        if (await IsGoneAsync(thread, context).ConfigureAwait(false))
                        {
                            pending.Clear();
                            deleted = true;
                            yield return ThreadDeleted(thread.Id, context);
                            break;
                        }
                    }

                    if (!IsHiddenItemEvent(ev))
                        yield return ev;

                    if (ThreadState.Of(thread) != lastState)
                    {
                        lastState = ThreadState.Of(thread);
                        if (!await TryUpdateThreadAsync(thread, context).ConfigureAwait(false))
                        {
                            pending.Clear();
                            deleted = true;
                            yield return ThreadDeleted(thread.Id, context);
                            break;
                        }
                        yield return new ThreadUpdatedEvent { Thread = ChatKitThread.ForClient(thread) };
                    }
                }
            }
            finally
            {
                if (events is not null)
                    await events.DisposeAsync().ConfigureAwait(false);
            }
            ended = true;
        }
        finally
        {
            if (!ended)
                await HandleStreamCancelledAsync(thread, pending, context, lastState, clock).ConfigureAwait(false);
        }

        if (!deleted && ThreadState.Of(thread) != lastState)
        {
            yield return await TryUpdateThreadAsync(thread, context).ConfigureAwait(false)
                ? new ThreadUpdatedEvent { Thread = ChatKitThread.ForClient(thread) }
                : ThreadDeleted(thread.Id, context);
        }
    }

    /// <summary>Saves the thread's changed fields; false when the thread is gone (deleted while the turn ran), which stays gone.</summary>
    private async Task<bool> TryUpdateThreadAsync(ThreadMetadata thread, ChatKitContext context)
    {
        try
        {
            await _store.UpdateThreadAsync(thread, context, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (ChatKitNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether the thread no longer exists for the caller (deleted while its turn ran).</summary>
    private async Task<bool> IsGoneAsync(ThreadMetadata thread, ChatKitContext context)
    {
        try
        {
            await _store.LoadThreadAsync(thread.Id, context, CancellationToken.None).ConfigureAwait(false);
            return false;
        }
        catch (ChatKitNotFoundException)
        {
            return true;
        }
    }

    /// <summary>The end of a turn whose thread was deleted meanwhile: said to the user, not retryable, not a server failure.</summary>
    private ErrorEvent ThreadDeleted(string threadId, ChatKitContext context)
    {
        _logger.LogInformation("Thread {ThreadId} was deleted while a turn ran; the turn stopped and saved nothing more", threadId);
        ChatKitTelemetry.Errors.Add(1, new KeyValuePair<string, object?>(ChatKitTelemetry.ErrorTag, ErrorCodes.Custom));
        return new ErrorEvent { Code = ErrorCodes.Custom, Message = _notices.ThreadDeleted(context), AllowRetry = false };
    }

    /// <summary>Saves what an event means for the store. Writes never use the request's token: a disconnect must not leave half a turn.</summary>
    private async Task PersistAsync(ThreadMetadata thread, ThreadStreamEvent ev, PendingItems pending, ChatKitContext context)
    {
        switch (ev)
        {
            case ThreadItemDoneEvent done:
                await _store.AddThreadItemAsync(thread.Id, done.Item, context, CancellationToken.None).ConfigureAwait(false);
                break;
            case ThreadItemReplacedEvent replaced:
                await _store.SaveItemAsync(thread.Id, replaced.Item, context, CancellationToken.None).ConfigureAwait(false);
                break;
            case ThreadItemRemovedEvent removed:
                await _store.DeleteThreadItemAsync(thread.Id, removed.ItemId, context, CancellationToken.None).ConfigureAwait(false);
                break;
        }
        pending.Track(ev);
    }

    private static bool IsHiddenItemEvent(ThreadStreamEvent ev) => ev switch
    {
        ThreadItemDoneEvent e => e.Item.IsHidden,
        ThreadItemAddedEvent e => e.Item.IsHidden,
        ThreadItemReplacedEvent e => e.Item.IsHidden,
        _ => false,
    };

    private ErrorEvent ToErrorEvent(Exception ex, ThreadMetadata thread)
    {
        var error = ErrorEventFor(ex, thread);
        ChatKitTelemetry.Errors.Add(1, new KeyValuePair<string, object?>(ChatKitTelemetry.ErrorTag, error.Code));
        System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Code);
        return error;
    }

    private ErrorEvent ErrorEventFor(Exception ex, ThreadMetadata thread)
    {
        switch (ex)
        {
            case CustomStreamError custom:
                _logger.LogInformation("Stream for {ThreadId} ended with a custom error: {ErrorMessage}", thread.Id, custom.Message);
                return new ErrorEvent { Code = ErrorCodes.Custom, Message = custom.Message, AllowRetry = custom.AllowRetry };
            case StreamError known:
                _logger.LogWarning(ex, "Stream for {ThreadId} ended with error {ErrorCode}", thread.Id, known.Code);
                return new ErrorEvent { Code = known.Code, AllowRetry = known.AllowRetry };
            default:
                _logger.LogError(ex, "Responder failed while streaming {ThreadId}", thread.Id);
                return new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = true };
        }
    }

    private async Task<bool> TrySaveAsync(ThreadMetadata thread, ThreadItem item, ChatKitContext context)
    {
        try
        {
            await _store.AddThreadItemAsync(thread.Id, item, context, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Could not save partial item {ItemId} of {ThreadId}", item.Id, thread.Id);
            return false;
        }
    }

    /// <summary>
    /// The client went away: save non-empty partial assistant messages and a hidden note that the
    /// user cancelled, so the next turn does not continue the abandoned answer.
    /// </summary>
    private async Task HandleStreamCancelledAsync(ThreadMetadata thread, PendingItems pending, ChatKitContext context, ThreadState lastState, TurnClock clock)
    {
        _logger.LogInformation("Stream for {ThreadId} was cancelled with {PendingCount} pending items", thread.Id, pending.Count);
        try
        {
            foreach (var partial in pending.NonEmptyAssistantMessages().ToList())
                await _store.AddThreadItemAsync(thread.Id, partial, context, CancellationToken.None).ConfigureAwait(false);
            await _store.AddThreadItemAsync(thread.Id, new SdkHiddenContextItem
            {
                Id = ChatKitIds.SdkHiddenContext(),
                ThreadId = thread.Id,
                CreatedAt = clock.Now(),
                Content = context.ServerStopping.IsCancellationRequested ? _options.ShutdownNote : _options.CancelledNote,
            }, context, CancellationToken.None).ConfigureAwait(false);
            if (ThreadState.Of(thread) != lastState)
                await _store.UpdateThreadAsync(thread, context, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is ChatKitNotFoundException && await IsGoneAsync(thread, context).ConfigureAwait(false))
            {
                // Deleted by its user while the stream ran: there is nothing to keep.
                _logger.LogInformation("Thread {ThreadId} was deleted while its cancelled stream ran; nothing was saved", thread.Id);
                return;
            }
            // Cleanup runs while the stream is being torn down: nobody is left to tell, so log it loudly.
            _logger.LogError(ex, "Could not save the cancelled stream's state for {ThreadId}", thread.Id);
            throw;
        }
    }

    /// <summary>A thread's own fields (what the client sees of them, and its metadata); a change means <c>thread.updated</c>.</summary>
    private readonly record struct ThreadState(string? Title, string StatusKind, string? StatusReason, string? Metadata, string? ImageDomains)
    {
        public static ThreadState Of(ThreadMetadata t) => new(
            t.Title,
            t.Status.Kind,
            t.Status.Explanation,
            t.Metadata.Count == 0 ? null : t.Metadata.ToJsonString(),
            t.AllowedImageDomains is null ? null : string.Join('\n', t.AllowedImageDomains));
    }
}
