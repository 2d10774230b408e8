namespace ChatKit;

/// <summary>
/// The texts the engine itself shows users (as <c>notice</c> events). The default is English; a host
/// localizes them by registering its own implementation (the request's language is in
/// <see cref="ChatKitContext.Locale"/>, and in the culture of the request's flow).
/// </summary>
public interface IChatKitNotices
{
    /// <summary>Shown instead of an answer when the user writes while a client tool call or a structured input still waits.</summary>
    string PendingInteraction(ChatKitContext context);

    /// <summary>The <c>error</c> event's message when the thread was deleted while a turn answered in it.</summary>
    string ThreadDeleted(ChatKitContext context) => EnglishChatKitNotices.ThreadDeletedText;
}

/// <summary>The engine's notices in English.</summary>
public sealed class EnglishChatKitNotices : IChatKitNotices
{
    /// <inheritdoc />
    public string PendingInteraction(ChatKitContext context) =>
        "Please answer the pending request above before sending a new message.";

    /// <summary>The English text of <see cref="IChatKitNotices.ThreadDeleted"/>.</summary>
    public const string ThreadDeletedText = "This conversation was deleted while the answer was being written; nothing more of it was kept.";

    /// <inheritdoc />
    public string ThreadDeleted(ChatKitContext context) => ThreadDeletedText;
}
