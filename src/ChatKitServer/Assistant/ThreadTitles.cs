using System.Text;
using ChatKit;
using ChatKit.Scripted;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant;

/// <summary>Makes a title for a thread from its first message (and answer).</summary>
public interface IThreadTitleMaker
{
    Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken);
}

/// <summary>The first 50 characters of the user's message, with "..." when cut (the offline responder's titles).</summary>
public sealed class MessageTitleMaker : IThreadTitleMaker
{
    public Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken) =>
        Task.FromResult(ThreadTitles.FromMessage(message.Text));
}

/// <summary>Asks the model for a short title in the user's language; falls back to the message's start.</summary>
public sealed class ModelTitleMaker(IChatClient chat, IStringLocalizer<AssistantTexts> texts, ILogger<ModelTitleMaker> logger) : IThreadTitleMaker
{
    public async Task<string?> MakeAsync(UserMessageItem message, string answer, ChatKitContext context, CancellationToken cancellationToken)
    {
        try
        {
            ChatMessage[] messages =
            [
                new(ChatRole.System, texts[AssistantTexts.TitlePrompt, context.Locale ?? "unknown"]),
                new(ChatRole.User, TextClip.Prefix(message.Text, 2000)),
            ];
            var options = new ChatOptions
            {
                ModelId = chat.GetService<ChatClientMetadata>()?.DefaultModelId,
                AdditionalProperties = new() { [ChatPurposes.Key] = ChatPurposes.Title },
            };
            var title = new StringBuilder();
            await foreach (var update in chat.GetStreamingResponseAsync(messages, options, cancellationToken))
                title.Append(update.Text);
            var clean = ChatKit.ThreadTitles.Flatten(title.ToString()).Trim('"', '«', '»', '“', '”', '\'').Trim();
            if (clean.Length > 0) return TextClip.Prefix(clean, 100);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The model could not make a title; using the message's start");
        }
        return ThreadTitles.FromMessage(message.Text);
    }
}
