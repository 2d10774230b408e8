using System.Runtime.CompilerServices;
using ChatKit;

namespace EmbeddedChatKit;

/// <summary>The app's own responder: answers with the user's message in capitals, word by word, after a progress update.</summary>
public sealed class ShoutingResponder : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return ResponderEvents.Progress("Turning up the volume…");
        var words = (input?.Text ?? "").ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await foreach (var ev in AssistantMessageStream.FromChunksAsync(thread.Id, Chunks(words, cancellationToken)).WithCancellation(cancellationToken))
            yield return ev;
    }

    private static async IAsyncEnumerable<string> Chunks(string[] words, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var i = 0; i < words.Length; i++)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return i == 0 ? words[i] : " " + words[i];
        }
    }
}
