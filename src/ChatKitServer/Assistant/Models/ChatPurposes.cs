using Microsoft.Extensions.AI;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// Why the assistant calls the model, carried in <see cref="ChatOptions.AdditionalProperties"/> so that
/// any <see cref="IChatClient"/> may look (the scripted client answers a title request with the
/// script's title); real models ignore it.
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

/// <summary>A widget a model shows (only the scripted model does: Chat Completions has no such output).</summary>
public sealed class WidgetContent(ChatKit.Widgets.WidgetRoot widget, string? copyText) : AIContent
{
    /// <summary>The widget.</summary>
    public ChatKit.Widgets.WidgetRoot Widget { get; } = widget;

    /// <summary>The text copied when the user copies the widget.</summary>
    public string? CopyText { get; } = copyText;
}
