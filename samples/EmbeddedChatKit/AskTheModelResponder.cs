using System.Runtime.CompilerServices;
using ChatKit;
using Microsoft.Extensions.AI;

namespace EmbeddedChatKit;

/// <summary>The app's own responder: a progress update, then the model's answer to the user's message, streamed as it comes.</summary>
public sealed class AskTheModelResponder(IChatClient model) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return ResponderEvents.Progress("Asking the model...");
        var updates = model.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, input?.Text ?? "")], cancellationToken: cancellationToken);
        await foreach (var ev in AssistantMessageStream.FromChunksAsync(thread.Id, Texts(updates, cancellationToken)).WithCancellation(cancellationToken))
            yield return ev;
    }

    private static async IAsyncEnumerable<string> Texts(IAsyncEnumerable<ChatResponseUpdate> updates, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            if (!string.IsNullOrEmpty(update.Text)) yield return update.Text;
        }
    }
}
