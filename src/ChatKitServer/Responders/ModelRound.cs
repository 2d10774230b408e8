using System.Runtime.CompilerServices;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Assistant.Models;
using ChatKit.Scripted;
using Microsoft.Extensions.AI;

namespace ChatKitServer.Responders;

/// <summary>
/// One call to the model: streams its text as an assistant message (begun at the first token),
/// shows the widgets it sends, and gathers its tool calls and token usage for the steps after it.
/// </summary>
internal sealed class ModelRound(string threadId, TimeProvider time)
{
    /// <summary>The (last) answer streamed in this round, if the model wrote any text.</summary>
    public AssistantMessageStream? Answer { get; private set; }

    /// <summary>Every answer of the round in order: text after a widget is a message of its own.</summary>
    private readonly List<AssistantMessageStream> _answers = [];

    /// <summary>The answer still streaming, if any.</summary>
    private AssistantMessageStream? _open;

    /// <summary>The tools the model called, in order.</summary>
    public List<FunctionCallContent> Calls { get; } = [];

    /// <summary>Why the model stopped (the stream's last finish reason), when it said.</summary>
    public ChatFinishReason? Finish { get; private set; }

    /// <summary>Set when a call went to the client: the turn ends with a pending client tool call.</summary>
    public bool HandedToClient { get; set; }

    public async IAsyncEnumerable<ThreadStreamEvent> StreamAsync(IAsyncEnumerable<ChatResponseUpdate> updates, UsageTotals usage, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var update in updates.WithCancellation(ct))
        {
            Finish = update.FinishReason ?? Finish;
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextContent { Text.Length: > 0 } text:
                        foreach (var ev in Say(text.Text)) yield return ev;
                        break;
                    case ErrorContent { ErrorCode: ModelRouterChatClient.RefusalCode, Message.Length: > 0 } refusal:
                        // The model declined: its explanation is the answer the user sees (as in the reference).
                        foreach (var ev in Say(refusal.Message)) yield return ev;
                        break;
                    case FunctionCallContent call:
                        Calls.Add(call);
                        break;
                    case UsageContent used:
                        usage.Add(update.ModelId, used.Details);
                        break;
                    case WidgetContent shown:
                        // As in the reference, an item is done before the next one begins: the answer streaming now ends
                        // (its thread.item.done) before the widget's, in the order a reload shows them.
                        foreach (var ev in Close()) yield return ev;
                        yield return WidgetStreaming.Static(threadId, shown.Widget, shown.CopyText, time);
                        break;
                }
            }
        }
        foreach (var ev in Close()) yield return ev;
    }

    private IEnumerable<ThreadStreamEvent> Close()
    {
        if (_open is null) return [];
        var open = _open;
        _open = null;
        return open.Complete();
    }

    /// <summary>Streams text as the round's answer, begun at its first piece.</summary>
    private IEnumerable<ThreadStreamEvent> Say(string text)
    {
        if (_open is null)
        {
            Answer = _open = new AssistantMessageStream(threadId, time);
            _answers.Add(_open);
            foreach (var ev in _open.Begin()) yield return ev;
        }
        yield return _open.Append(text);
    }

    /// <summary>What the model said in this round, as the next round's history carries it: its text and its calls.</summary>
    public ChatMessage ToMessage()
    {
        var contents = new List<AIContent>();
        if (string.Concat(_answers.Select(a => a.Text)) is { Length: > 0 } text) contents.Add(new TextContent(text));
        contents.AddRange(Calls);
        return new ChatMessage(ChatRole.Assistant, contents);
    }
}

/// <summary>The tokens a turn used, over all its rounds, and the model that answered.</summary>
internal sealed class UsageTotals(string model)
{
    public string Model { get; private set; } = model;
    public long Prompt { get; private set; }
    public long Completion { get; private set; }

    public void Add(string? model, UsageDetails details)
    {
        Model = model ?? Model;
        Prompt += details.InputTokenCount ?? 0;
        Completion += details.OutputTokenCount ?? 0;
    }
}
