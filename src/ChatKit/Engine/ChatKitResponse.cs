namespace ChatKit;

/// <summary>What the engine answers: JSON or a stream of events.</summary>
public abstract class ChatKitResponse;

/// <summary>A JSON answer (<c>200 application/json</c>).</summary>
public sealed class ChatKitJsonResponse(byte[] json) : ChatKitResponse
{
    /// <summary>The UTF-8 JSON body.</summary>
    public byte[] Json { get; } = json;
}

/// <summary>An SSE answer (<c>200 text/event-stream</c>): one <c>data:</c> frame per event.</summary>
public sealed class ChatKitStreamResponse(string requestType, string? threadId, IAsyncEnumerable<ThreadStreamEvent> events) : ChatKitResponse
{
    /// <summary>The request's wire type.</summary>
    public string RequestType { get; } = requestType;

    /// <summary>The thread the stream is about (null for <c>threads.create</c> until the thread exists).</summary>
    public string? ThreadId { get; internal set; } = threadId;

    /// <summary>The events; enumerate once, with the request's cancellation token.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> Events { get; } = events;
}
