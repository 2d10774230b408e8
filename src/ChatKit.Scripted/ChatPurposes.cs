using Microsoft.Extensions.AI;

namespace ChatKit.Scripted;

/// <summary>
/// Why the assistant calls the model, carried in <see cref="ChatOptions.AdditionalProperties"/> so that
/// any <see cref="IChatClient"/> may look (<see cref="ScriptedChatClient"/> answers a title request with the
/// script's title); real models ignore it. A responder that asks a model for a thread's title sets it.
/// </summary>
public static class ChatPurposes
{
    /// <summary>The key in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    public const string Key = "chatkit.purpose";

    /// <summary>Titling a thread.</summary>
    public const string Title = "title";

    /// <summary>Whether <paramref name="options"/> asks for a title.</summary>
    public static bool IsTitle(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out var purpose) == true && Equals(purpose, Title);
}

/// <summary>A widget a model shows (only the scripted model does: Chat Completions has no such output); a responder that renders widgets looks for it in the updates.</summary>
public sealed class WidgetContent(ChatKit.Widgets.WidgetRoot widget, string? copyText) : AIContent
{
    /// <summary>The widget.</summary>
    public ChatKit.Widgets.WidgetRoot Widget { get; } = widget;

    /// <summary>The text copied when the user copies the widget.</summary>
    public string? CopyText { get; } = copyText;
}
