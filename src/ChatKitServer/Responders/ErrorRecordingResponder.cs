using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Assistant.History;

namespace ChatKitServer.Responders;

/// <summary>
/// The outermost responder: when a turn's answer fails, it first yields a hidden record of the error
/// (<see cref="HiddenRecords.Error"/>: the code the client is about to get, as the engine maps it), which
/// the engine saves in the thread like any hidden item, then lets the failure go on to the engine. A
/// responder that sends an <c>error</c> event itself gets the same record. Admins count these records
/// by code (the overview page). Failures of the database itself are not recorded (the record could not
/// be saved either), nor is a turn the client cancelled. See decision 0015.
/// </summary>
public sealed class ErrorRecordingResponder(IChatKitResponder inner, TimeProvider time) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var events = inner.RespondAsync(thread, input, context, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ExceptionDispatchInfo? failure = null;
            try
            {
                if (!await events.MoveNextAsync()) yield break;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                                       && !ChatKitExceptionHandler.IsDatabaseFailure(ex))
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
            if (failure is not null)
            {
                yield return Record(thread, failure.SourceException);
                failure.Throw();
            }
            if (events.Current is ErrorEvent error)
                yield return Done(HiddenRecords.Error(thread.Id, error.Code, error.Message, error.AllowRetry, null, ChatKitClock.Now(time)));
            yield return events.Current;
        }
    }

    /// <summary>The record of a failure, with the code the engine gives the client for it.</summary>
    private ThreadItemDoneEvent Record(ThreadMetadata thread, Exception ex)
    {
        var (code, message, allowRetry) = ex switch
        {
            CustomStreamError custom => (ErrorCodes.Custom, custom.Message, custom.AllowRetry),
            StreamError known => (known.Code, null, known.AllowRetry),
            _ => (ErrorCodes.StreamError, (string?)null, true),
        };
        var cause = ex is StreamError or CustomStreamError && ex.InnerException is { } inner ? inner : ex;
        return Done(HiddenRecords.Error(thread.Id, code, message, allowRetry, cause.GetType().FullName, ChatKitClock.Now(time)));
    }

    private static ThreadItemDoneEvent Done(HiddenContextItem record) => new() { Item = record };
}
