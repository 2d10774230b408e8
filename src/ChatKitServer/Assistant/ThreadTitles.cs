using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKitServer.Assistant.Models;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant;

/// <summary>Makes a title for a thread from its first message (and answer).</summary>
public interface IThreadTitleMaker
{
    Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken);
}

/// <summary>The first 50 characters of the user's message, with "..." when cut (the offline responder's titles).</summary>
public sealed class MessageTitleMaker : IThreadTitleMaker
{
    public const int Length = 50;

    public Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken) =>
        Task.FromResult(From(message.Text));

    public static string? From(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length == 0 ? null : flat.Length <= Length ? flat : flat[..Length].TrimEnd() + "...";
    }
}

/// <summary>Asks the model for a short title in the user's language; falls back to the message's start.</summary>
public sealed class ModelTitleMaker(IChatModel model, ChatClientFactory models, IStringLocalizer<AssistantTexts> texts, ILogger<ModelTitleMaker> logger) : IThreadTitleMaker
{
    public async Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken)
    {
        try
        {
            var request = new ChatModelRequest(models.DefaultModel,
            [
                new SystemMessage(texts[AssistantTexts.TitlePrompt, context.Locale ?? "unknown"]),
                new UserMessage(message.Text.Length > 2000 ? message.Text[..2000] : message.Text),
            ], [], Purpose: ChatModelPurpose.Title);
            var title = new StringBuilder();
            await foreach (var update in model.StreamAsync(request, cancellationToken))
            {
                if (update is TextDelta delta) title.Append(delta.Text);
            }
            var clean = title.ToString().Trim().Trim('"', '«', '»', '“', '”', '\'').Trim();
            if (clean.Length > 0) return clean.Length <= 100 ? clean : clean[..100];
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The model could not make a title; using the message's start");
        }
        return MessageTitleMaker.From(message.Text);
    }
}

/// <summary>
/// Wraps the responder: after an answer in a thread without a title, sets one (the engine saves it
/// and sends <c>thread.updated</c>). A title the user set, even while the answer streamed, is kept.
/// </summary>
public sealed class TitlingResponder(IChatKitResponder inner, IThreadTitleMaker titles, IChatKitStore store, IOptions<AssistantOptions> options) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        await foreach (var ev in inner.RespondAsync(thread, input, context, cancellationToken))
        {
            if (ev is ThreadItemDoneEvent { Item: AssistantMessageItem message }) answer.Append(message.Text);
            yield return ev;
        }
        if (!options.Value.AutoTitles || input is null || thread.Title is not null || answer.Length == 0) yield break;
        var stored = await store.LoadThreadAsync(thread.Id, context, cancellationToken);
        if (stored.Title is not null)
        {
            thread.Title = stored.Title; // renamed by the user meanwhile: keep theirs
            yield break;
        }
        thread.Title = await titles.MakeAsync(input, answer.ToString(), context, cancellationToken);
    }
}
