using System.Runtime.CompilerServices;
using System.Text;

namespace ChatKit.Client;

/// <summary>Reading the assistant's text from an event stream without matching the protocol's events yourself.</summary>
public static class ChatKitStreamExtensions
{
    /// <summary>
    /// The assistant's text as it streams, one string per piece: each <c>text_delta</c>, and any text a message or part
    /// arrives with. A message the server sends whole (a <c>thread.item.done</c> with no deltas before it) comes as one
    /// string, so the pieces joined are the turn's <see cref="ChatKitTurn.AssistantText"/>. Other events are read and
    /// skipped; an <c>error</c> event ends the enumeration with <see cref="ChatKitStreamErrorException"/> (the text
    /// alone could not show it).
    /// <code>
    /// await foreach (var text in client.CreateThreadAsync(ChatKitClient.Text("Hello")).TextDeltasAsync())
    ///     Console.Write(text);
    /// </code>
    /// </summary>
    public static async IAsyncEnumerable<string> TextDeltasAsync(this IAsyncEnumerable<ThreadStreamEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var turn = new ChatKitTurn();
        var shown = new Dictionary<string, StringBuilder>(StringComparer.Ordinal); // per message: the text yielded so far
        await foreach (var ev in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            turn.Add(ev);
            if (ev is ErrorEvent error) throw new ChatKitStreamErrorException(turn, error);
            if (NewText(ev, shown) is { Length: > 0 } text) yield return text;
        }
    }

    /// <summary>
    /// The text this event appends to an assistant message (a <c>text_delta</c>), or null for any other event: for a
    /// callback that shows the answer while it streams, <c>stream.CollectAsync(ev => Console.Write(ev.TextDelta()))</c>.
    /// </summary>
    public static string? TextDelta(this ThreadStreamEvent ev) =>
        ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta delta } ? delta.Delta : null;

    /// <summary>The text <paramref name="ev"/> adds to an assistant message that was not yielded yet, recorded in <paramref name="shown"/>.</summary>
    private static string? NewText(ThreadStreamEvent ev, Dictionary<string, StringBuilder> shown)
    {
        var (itemId, text) = ev switch
        {
            ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta delta } update => (update.ItemId, delta.Delta),
            ThreadItemUpdatedEvent { Update: AssistantMessageContentPartAdded part } update => (update.ItemId, part.Content.Text),
            ThreadItemAddedEvent { Item: AssistantMessageItem message } => (message.Id, message.Text),
            ThreadItemDoneEvent { Item: AssistantMessageItem message } => (message.Id, NotYetShown(message.Text, shown.GetValueOrDefault(message.Id))),
            _ => (null, null),
        };
        if (itemId is null || string.IsNullOrEmpty(text)) return null;
        if (!shown.TryGetValue(itemId, out var sofar)) shown[itemId] = sofar = new StringBuilder();
        sofar.Append(text);
        return text;
    }

    /// <summary>The end of a finished message's text that was not streamed before (all of it when nothing was).</summary>
    private static string? NotYetShown(string final, StringBuilder? sofar)
    {
        var streamed = sofar?.ToString() ?? "";
        return final.Length > streamed.Length && final.StartsWith(streamed, StringComparison.Ordinal) ? final[streamed.Length..] : null;
    }
}
