using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKitServer.Assistant;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Responders;

/// <summary>
/// Wraps the responder: after the turn of a user's message in a thread without a title, sets one (the
/// engine saves it and sends <c>thread.updated</c>), whatever the answer was: text, a widget, or a client
/// tool call the turn ends on (the output's turn has no message to title from). A title the user set,
/// even while the answer streamed, is kept. A turn that fails (an exception) gets no title.
/// </summary>
public sealed class TitlingResponder(
    [FromKeyedServices(TitlingResponder.Inner)] IChatKitResponder inner,
    IThreadTitleMaker titles,
    IChatKitStore store,
    IOptions<AssistantOptions> options) : IChatKitResponder
{
    /// <summary>The service key of the responder it wraps (the offline or the model responder).</summary>
    public const string Inner = "chatkit.inner-responder";

    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        await foreach (var ev in inner.RespondAsync(thread, input, context, cancellationToken))
        {
            if (ev is ThreadItemDoneEvent { Item: AssistantMessageItem message }) answer.Append(message.Text);
            yield return ev;
        }
        if (!options.Value.AutoTitles || input is null || thread.Title is not null) yield break;
        var stored = await store.LoadThreadAsync(thread.Id, context, cancellationToken);
        if (stored.Title is not null)
        {
            thread.Title = stored.Title; // renamed by the user meanwhile: keep theirs
            yield break;
        }
        thread.Title = await titles.MakeAsync(input, answer.ToString(), context, cancellationToken);
    }
}
