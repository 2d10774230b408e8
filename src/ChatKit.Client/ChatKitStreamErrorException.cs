namespace ChatKit.Client;

/// <summary>
/// The server reported an error inside a stream (an <c>error</c> event; the HTTP answer itself was a success):
/// thrown by <see cref="ChatKitTurn.EnsureSuccess"/> and <see cref="ChatKitStreamExtensions.TextDeltasAsync"/>.
/// <see cref="Code"/>, <see cref="Detail"/> and <see cref="AllowRetry"/> are the event's; <see cref="Turn"/> holds what
/// was streamed up to the error (the thread, any text already shown).
/// </summary>
public sealed class ChatKitStreamErrorException(ChatKitTurn turn, ErrorEvent error)
    : Exception(Describe(turn, error))
{
    /// <summary>The error's code: <see cref="ErrorCodes.StreamError"/> (the client shows its own text) or <see cref="ErrorCodes.Custom"/>.</summary>
    public string Code { get; } = error.Code;

    /// <summary>The error's message as the server wrote it (for <see cref="ErrorCodes.Custom"/> errors), or null.</summary>
    public string? Detail { get; } = error.Message;

    /// <summary>Whether the server allows a retry (<c>allow_retry</c>), e.g. with <see cref="ChatKitClient.RetryAfterItemAsync"/>.</summary>
    public bool AllowRetry { get; } = error.AllowRetry;

    /// <summary>The error event.</summary>
    public ErrorEvent Error { get; } = error;

    /// <summary>The turn as streamed up to and including the error.</summary>
    public ChatKitTurn Turn { get; } = turn;

    private static string Describe(ChatKitTurn turn, ErrorEvent error) =>
        $"The turn{(turn.ThreadId is { } thread ? " in " + thread : "")} failed with the stream error '{error.Code}'"
        + (error.Message is { } message ? $": {message}" : "")
        + (error.AllowRetry ? " (the server allows a retry)." : " (no retry allowed).");
}
