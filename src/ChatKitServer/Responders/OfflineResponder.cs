using System.Runtime.CompilerServices;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Configuration;
using ChatKitServer.Assistant;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Responders;

/// <summary>
/// Answers without any model or network, so a fresh checkout shows the protocol at work:
/// a progress update, a reply streamed word by word, and a help card widget when asked for
/// "help" (or "widget"). Replace it by configuring <c>Assistant:Provider</c>.
/// </summary>
public sealed class OfflineResponder(TimeProvider time, IOptions<AssistantOptions> options, IStringLocalizer<AssistantTexts> texts) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = input?.Text.Trim() ?? "";
        yield return ResponderEvents.Progress(texts[AssistantTexts.Thinking], "sparkle");

        var wordDelay = TimeSpan.FromMilliseconds(options.Value.OfflineWordDelayMs);
        var message = new AssistantMessageStream(thread.Id, time);
        foreach (var ev in message.Begin()) yield return ev;
        foreach (var word in Words(Reply(text, input is null)))
        {
            if (wordDelay > TimeSpan.Zero) await Task.Delay(wordDelay, time, cancellationToken);
            yield return message.Append(word);
        }
        foreach (var ev in message.Complete()) yield return ev;

        if (WantsHelp(text))
            yield return WidgetStreaming.Static(thread.Id, HelpCard.Build(),
                "The offline assistant echoes your message, streams its answers and shows this card on \"help\".", time);
    }

    internal static string Reply(string text, bool resumed) => resumed
        ? "Thanks, I have what I needed. The offline assistant has nothing more to add."
        : text.Length == 0
            ? "I received an empty message. Type something and I will answer."
            : $"You said: \"{Shorten(text)}\". I am the offline assistant: no model is configured, so I echo your message. " +
              "Type \"help\" to see a widget, or set Assistant:Provider to use a real model.";

    internal static bool WantsHelp(string text) =>
        text.Contains("help", StringComparison.OrdinalIgnoreCase) || text.Contains("widget", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string text) => text.Length <= 200 ? text : TextClip.Prefix(text, 200) + "…";

    /// <summary>Splits into words keeping the spaces, so the deltas join back into the exact text.</summary>
    internal static IEnumerable<string> Words(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}
