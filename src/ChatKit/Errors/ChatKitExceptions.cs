namespace ChatKit;

/// <summary>Base of the errors a host maps to an HTTP status.</summary>
public abstract class ChatKitException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status this error stands for.</summary>
    public abstract int StatusCode { get; }
}

/// <summary>The request is malformed or names something the operation cannot take (400).</summary>
public sealed class ChatKitValidationException(string message, Exception? inner = null) : ChatKitException(message, inner)
{
    /// <inheritdoc />
    public override int StatusCode => 400;
}

/// <summary>A thread, item or attachment does not exist for this user (404).</summary>
public sealed class ChatKitNotFoundException(string message) : ChatKitException(message)
{
    /// <inheritdoc />
    public override int StatusCode => 404;

    /// <summary>"Thread X not found".</summary>
    public static ChatKitNotFoundException Thread(string id) => new($"Thread '{Shown(id)}' was not found.");
    /// <summary>"Item X not found".</summary>
    public static ChatKitNotFoundException Item(string threadId, string id) => new($"Item '{Shown(id)}' was not found in thread '{Shown(threadId)}'.");
    /// <summary>"Attachment X not found".</summary>
    public static ChatKitNotFoundException Attachment(string id) => new($"Attachment '{Shown(id)}' was not found.");

    /// <summary>The longest id a message repeats whole; a longer one (no store makes such ids) is cut.</summary>
    public const int MaxShownIdLength = 100;

    /// <summary>An id from a request as a message shows it: on one line, and cut after <see cref="MaxShownIdLength"/> characters.</summary>
    public static string Shown(string id) => OneLineText.Of(id, MaxShownIdLength);
}

/// <summary>The request conflicts with the thread's state, e.g. new work on a locked thread (409).</summary>
public sealed class ChatKitConflictException(string message) : ChatKitException(message)
{
    /// <inheritdoc />
    public override int StatusCode => 409;

    /// <summary>
    /// "Attachment X was already sent in another thread": an attachment belongs to the one thread it was first sent in
    /// (deleting that thread deletes its bytes).
    /// </summary>
    public static ChatKitConflictException AttachmentInAnotherThread(string id) =>
        new($"Attachment '{ChatKitNotFoundException.Shown(id)}' was already sent in another thread; upload the file again to send it in this one.");
}

/// <summary>
/// This server does not offer the request, e.g. transcription without a transcriber. A 400 rather than a 501:
/// a client asking for a feature the deployment lacks is not a server fault (and must not trip 5xx alerts).
/// </summary>
public sealed class ChatKitNotSupportedException(string message) : ChatKitException(message)
{
    /// <inheritdoc />
    public override int StatusCode => 400;
}

/// <summary>
/// Thrown by a responder to end the stream with an <c>error</c> event of a known code;
/// the client shows its own localized message for the code.
/// </summary>
public class StreamError(string code = ErrorCodes.StreamError, bool? allowRetry = null, Exception? inner = null)
    : Exception($"Stream error '{code}'.", inner)
{
    /// <summary>The error code (<see cref="ErrorCodes.StreamError"/> by default).</summary>
    public string Code { get; } = code;
    /// <summary>Whether the client may retry (true for <c>stream.error</c> unless said otherwise).</summary>
    public bool AllowRetry { get; } = allowRetry ?? code == ErrorCodes.StreamError;
}

/// <summary>Thrown by a responder to end the stream with an <c>error</c> event carrying a user-facing message.</summary>
public class CustomStreamError(string message, bool allowRetry = false, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Whether the client may retry.</summary>
    public bool AllowRetry { get; } = allowRetry;
}
