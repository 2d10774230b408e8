using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatKit;
using ChatKit.Json;
using ChatKit.Widgets;
using Microsoft.Extensions.AI;

namespace ChatKit.Scripted;

/// <summary>
/// A deterministic model for QA and integration tests: an <see cref="IChatClient"/> that answers from a
/// <see cref="ChatScript"/>, behind the same seam as a real model, so an app's tools, progress, persistence
/// and cancellation run through their real code paths.
/// <code>
/// builder.Services.AddChatClient(ScriptedChatClient.FromFile("scripts/assistant.json"));
/// </code>
/// The user's last message picks the turn. A turn with tool calls answers with
/// <see cref="FunctionCallContent"/> when the request offers tools (a call to a tool not offered fails the
/// turn), then with its <c>then</c> chunks once the tool results are in the conversation. A widget comes as
/// <see cref="WidgetContent"/>; a scripted error is thrown as <see cref="CustomStreamError"/> (with a
/// message) or <see cref="StreamError"/>; every answer ends with its usage.
/// </summary>
/// <param name="script">The turns to answer from.</param>
/// <param name="time">The clock for the turns' delays (the system's when null).</param>
public sealed class ScriptedChatClient(ChatScript script, TimeProvider? time = null) : IChatClient
{
    /// <summary>The model name it reports (in usage records).</summary>
    public const string ModelName = "scripted";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A client answering from the script file at <paramref name="path"/> (read now; a wrong script throws a <see cref="JsonException"/> naming the line and the key).</summary>
    public static ScriptedChatClient FromFile(string path, TimeProvider? time = null) => new(ChatScript.Load(path), time);

    /// <summary>The script it answers from.</summary>
    public ChatScript Script { get; } = script;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversation = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var userText = conversation.LastOrDefault(m => m.Role == ChatRole.User)?.Contents.OfType<TextContent>().FirstOrDefault()?.Text ?? "";
        var (turn, match) = Find(userText);
        if (ChatPurposes.IsTitle(chatOptions))
        {
            yield return Text(turn?.Title ?? ThreadTitles.FromMessage(userText) ?? "Conversation");
            yield break;
        }
        if (turn is null)
        {
            yield return Text("(The script has no turn for this message.)");
            yield break;
        }

        var afterTools = conversation.Count > 0 && conversation[^1].Role == ChatRole.Tool;
        if (!afterTools && turn.Error is { } error)
        {
            await Delay(turn, cancellationToken);
            // A message is shown whether or not a retry is offered; without one, the protocol's own error.
            if (error.Message is { } message) throw new CustomStreamError(message, allowRetry: error.Retry);
            throw new StreamError(ErrorCodes.StreamError, allowRetry: error.Retry);
        }
        if (!afterTools && turn.ToolCalls.Count > 0 && chatOptions?.Tools is { Count: > 0 })
        {
            var offered = chatOptions.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < turn.ToolCalls.Count; i++)
            {
                var call = turn.ToolCalls[i];
                // A script that calls a tool the server does not offer is wrong: fail the turn, do not pretend it ran.
                if (!offered.Contains(call.Name))
                    throw new CustomStreamError($"The script calls the tool '{call.Name}', which this server does not offer (offered: {string.Join(", ", offered.Order(StringComparer.Ordinal))}).", allowRetry: false);
                await Delay(turn, cancellationToken);
                var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(ChatScript.Fill(call.Arguments.ToJsonString(), match), AIJsonUtilities.DefaultOptions);
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent($"call_{i}_{Guid.NewGuid():n}"[..20], call.Name, arguments)]);
            }
            yield return Usage(turn);
            yield break;
        }

        foreach (var chunk in afterTools && turn.Then.Count > 0 ? turn.Then : turn.Reply)
        {
            await Delay(turn, cancellationToken);
            yield return Text(chunk);
        }
        if (!afterTools && turn.Widget is not null)
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new WidgetContent(ChatKitJson.Deserialize<WidgetRoot>(turn.Widget.ToJsonString()), turn.CopyText)]);
        yield return Usage(turn);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", null, ModelName)
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose() { }

    private static ChatResponseUpdate Text(string text) => new(ChatRole.Assistant, text) { ModelId = ModelName };

    private static ChatResponseUpdate Usage(ChatScript.Turn turn) =>
        new(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = turn.PromptTokens, OutputTokenCount = turn.CompletionTokens })]) { ModelId = ModelName };

    private (ChatScript.Turn?, System.Text.RegularExpressions.Match?) Find(string text)
    {
        foreach (var turn in Script.Turns)
        {
            if (turn.Matches(text) is { } match) return (turn, match);
        }
        return (null, null);
    }

    private Task Delay(ChatScript.Turn turn, CancellationToken ct) =>
        turn.DelayMs > 0 ? Task.Delay(TimeSpan.FromMilliseconds(turn.DelayMs), _time, ct) : Task.CompletedTask;
}
