using System.ClientModel;
using System.Runtime.CompilerServices;
using OpenAI.Chat;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// Chat Completions with streaming through the official client (<c>OpenAI.Chat.ChatClient</c>),
/// for OpenAI, Azure OpenAI and any compatible endpoint. Retries of 429/5xx (honouring
/// Retry-After) and timeouts are the client pipeline's, configured in <see cref="ChatClientFactory"/>.
/// </summary>
public sealed class OpenAIChatModel(ChatClientFactory clients) : IChatModel
{
    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatModelRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = clients.For(request.Model);
        var options = new ChatCompletionOptions();
        foreach (var tool in request.Tools)
            options.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.Parameters.ToJsonString())));
        if (request.RequiredTool is { } required)
            options.ToolChoice = ChatToolChoice.CreateFunctionChoice(required);

        var updates = client.CompleteChatStreamingAsync(request.Messages.Select(ToOpenAI), options, cancellationToken);
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                if (!string.IsNullOrEmpty(part.Text))
                    yield return new TextDelta(part.Text);
            }
            foreach (var call in update.ToolCallUpdates)
                yield return new ToolCallDelta(call.Index, call.ToolCallId, call.FunctionName, call.FunctionArgumentsUpdate?.ToString());
            if (update.Usage is { } usage)
                yield return new UsageUpdate(update.Model ?? request.Model, usage.InputTokenCount, usage.OutputTokenCount);
        }
    }

    private static ChatMessage ToOpenAI(ChatModelMessage message) => message switch
    {
        SystemMessage m => new SystemChatMessage(m.Text),
        UserMessage m => new UserChatMessage(m.Parts.Select(p => p switch
        {
            TextPart t => ChatMessageContentPart.CreateTextPart(t.Text),
            ImagePart i => ChatMessageContentPart.CreateImagePart(i.Bytes, i.MediaType),
            _ => throw new NotSupportedException(p.GetType().Name),
        })),
        AssistantMessage { ToolCalls.Count: > 0 } m => WithText(new AssistantChatMessage(
            m.ToolCalls.Select(c => ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, BinaryData.FromString(c.Arguments)))), m.Text),
        AssistantMessage m => new AssistantChatMessage(m.Text ?? ""),
        ToolResultMessage m => new ToolChatMessage(m.ToolCallId, m.Result),
        _ => throw new NotSupportedException(message.GetType().Name),
    };

    private static AssistantChatMessage WithText(AssistantChatMessage message, string? text)
    {
        if (!string.IsNullOrEmpty(text))
            message.Content.Add(ChatMessageContentPart.CreateTextPart(text));
        return message;
    }
}
