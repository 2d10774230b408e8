using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using StreamingChatCompletionUpdate = OpenAI.Chat.StreamingChatCompletionUpdate;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// The <see cref="IChatClient"/> of the OpenAI and Azure OpenAI providers: each request goes to the model
/// (Azure: deployment) named by <see cref="ChatOptions.ModelId"/>, the configured default when it names
/// none, through the official client of that model (Microsoft.Extensions.AI.OpenAI's adapter). A request
/// may name another model when <c>Assistant:Models</c> allows it; the clients are made once per model.
/// Two things the adapter leaves out are put back: a refusal (the model declined; the adapter drops its text
/// unless tools were called, then gives it whole at the end) streams piece by piece as the adapter's refusal
/// content (<see cref="ErrorContent"/> with code <see cref="RefusalCode"/>, never text: a title is not made of it);
/// and a stream that ends
/// before the model said why it stopped (no <c>finish_reason</c>: a connection closed early, a proxy that gave
/// up, a server that sent an error frame instead of the rest) is a broken stream (<see cref="IOException"/>),
/// not a complete answer.
/// </summary>
public sealed class ModelRouterChatClient(ChatClientFactory clients) : IChatClient
{
    private readonly ConcurrentDictionary<string, IChatClient> _byModel = new(StringComparer.Ordinal);

    private IChatClient For(ChatOptions? options) =>
        _byModel.GetOrAdd(options?.ModelId ?? clients.DefaultModel, model => clients.For(model).AsIChatClient());

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        For(options).GetResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Checked(For(options).GetStreamingResponseAsync(messages, options, cancellationToken), cancellationToken);

    /// <summary>The error code of a refusal, as Microsoft.Extensions.AI's OpenAI adapter names it.</summary>
    public const string RefusalCode = "Refusal";

    /// <summary>The updates of a Chat Completions stream, refusals as they come; the stream always ends with a finish reason, without one it broke off.</summary>
    private static async IAsyncEnumerable<ChatResponseUpdate> Checked(IAsyncEnumerable<ChatResponseUpdate> updates, [EnumeratorCancellation] CancellationToken ct)
    {
        var finished = false;
        await foreach (var update in updates.WithCancellation(ct))
        {
            finished |= update.FinishReason is not null;
            if (update.RawRepresentation is StreamingChatCompletionUpdate { RefusalUpdate: { Length: > 0 } refusal })
                update.Contents.Add(new ErrorContent(refusal) { ErrorCode = RefusalCode });
            else if (update.RawRepresentation is not StreamingChatCompletionUpdate)
                RemoveRefusals(update.Contents); // the adapter's own copy, given with the tool calls: already streamed

            yield return update;
        }
        if (!finished)
            throw new IOException("The model's stream ended without a finish reason: it was cut off.");
    }

    private static void RemoveRefusals(IList<AIContent> contents)
    {
        for (var i = contents.Count - 1; i >= 0; i--)
        {
            if (contents[i] is ErrorContent { ErrorCode: RefusalCode }) contents.RemoveAt(i);
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata)
            ? new ChatClientMetadata(clients.ProviderName, clients.Endpoint, clients.DefaultModel)
            : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _byModel.Values) client.Dispose();
    }
}
