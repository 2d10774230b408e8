using System.Text.Json;
using ChatKit;
using ChatKit.Json;

namespace ChatKit.AspNetCore;

/// <summary>
/// Writes a ChatKit stream (<see cref="ChatKitStreamResponse"/>) through the server's one SSE writer: a
/// <c>data: {event}</c> frame per event, exactly as the protocol frames them (no <c>id:</c> or
/// <c>event:</c> lines); a stream cut by the server stopping, or by a failure outside the engine, ends
/// with a retryable <c>error</c> event.
/// </summary>
public sealed class ChatKitStreamWriter(ServerSentEventsWriter sse)
{
    /// <summary>Writes <paramref name="stream"/> to <paramref name="response"/> until it ends, the client leaves or the server stops.</summary>
    public Task WriteAsync(HttpResponse response, ChatKitStreamResponse stream, CancellationToken requestAborted) =>
        sse.WriteAsync(response, stream.Events, new SseStream<ThreadStreamEvent>
        {
            Kind = stream.RequestType,
            Subject = stream.ThreadId,
            SubjectOf = static ev => (ev as ThreadCreatedEvent)?.Thread.Id,
            WriteData = static (ev, json) => StreamEventJson.Write(json, ev),
            OnShutdown = RetryableError,
            OnFailure = RetryableError,
        }, requestAborted);

    private static ThreadStreamEvent RetryableError() => new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = true };
}
