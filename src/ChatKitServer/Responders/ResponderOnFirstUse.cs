using ChatKit;

namespace ChatKitServer.Responders;

/// <summary>
/// The request scope's responder, built when a turn first asks it to answer. The engine is made for every request, and
/// most requests (lists, gets, renames, feedback) never run the responder, whose chain (titles, the model's chat client,
/// tools, conversation history) cost 2.6% of a <c>threads.list</c> request's CPU when built each time (bench/README.md).
/// </summary>
public sealed class ResponderOnFirstUse(Func<IChatKitResponder> create) : IChatKitResponder
{
    private IChatKitResponder? _responder;

    /// <summary>Whether the responder has been built (for the tests).</summary>
    public bool IsBuilt => _responder is not null;

    /// <inheritdoc />
    public IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken) =>
        (_responder ??= create()).RespondAsync(thread, input, context, cancellationToken);
}
