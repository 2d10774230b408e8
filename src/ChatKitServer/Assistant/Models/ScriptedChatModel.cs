using System.Runtime.CompilerServices;
using ChatKit;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// A deterministic model for QA and integration tests (<c>Assistant:Provider=Scripted</c>): it answers
/// from <see cref="ChatScript"/> behind the same seam as the OpenAI model, so tools, progress,
/// persistence and cancellation run through the real code paths.
/// </summary>
public sealed class ScriptedChatModel(IOptions<AssistantOptions> options, TimeProvider time) : IChatModel
{
    public const string ModelName = "scripted";

    private readonly Lazy<ChatScript> _script = new(() => ChatScript.Load(options.Value.ScriptPath!));

    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatModelRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var userText = request.Messages.OfType<UserMessage>().LastOrDefault()?.Parts.OfType<TextPart>().FirstOrDefault()?.Text ?? "";
        var (turn, match) = Find(userText);
        if (request.Purpose == ChatModelPurpose.Title)
        {
            yield return new TextDelta(turn?.Title ?? MessageTitleMaker.From(userText) ?? "Conversation");
            yield break;
        }
        if (turn is null)
        {
            yield return new TextDelta("(The script has no turn for this message.)");
            yield break;
        }

        var afterTools = request.Messages.Count > 0 && request.Messages[^1] is ToolResultMessage;
        if (!afterTools && turn.Error is { } error)
        {
            await Delay(turn, cancellationToken);
            if (error.Retry) throw new StreamError(ErrorCodes.StreamError, allowRetry: true);
            throw new CustomStreamError(error.Message ?? "The scripted model failed.", allowRetry: false);
        }
        if (!afterTools && turn.ToolCalls.Count > 0 && request.Tools.Count > 0)
        {
            for (var i = 0; i < turn.ToolCalls.Count; i++)
            {
                var call = turn.ToolCalls[i];
                var arguments = Fill(call.Arguments.ToJsonString(), match);
                var half = arguments.Length / 2; // arguments arrive in pieces, as from a real model
                yield return new ToolCallDelta(i, $"call_{i}_{Guid.NewGuid():n}"[..20], call.Name, arguments[..half]);
                await Delay(turn, cancellationToken);
                yield return new ToolCallDelta(i, null, null, arguments[half..]);
            }
            yield return new UsageUpdate(ModelName, turn.PromptTokens, turn.CompletionTokens);
            yield break;
        }

        foreach (var chunk in afterTools && turn.Then.Count > 0 ? turn.Then : turn.Reply)
        {
            await Delay(turn, cancellationToken);
            yield return new TextDelta(chunk);
        }
        if (!afterTools && turn.Widget is not null)
            yield return new WidgetOutput(ChatKitJson.Deserialize<WidgetRoot>(turn.Widget.ToJsonString()), turn.CopyText);
        yield return new UsageUpdate(ModelName, turn.PromptTokens, turn.CompletionTokens);
    }

    private (ChatScript.Turn?, System.Text.RegularExpressions.Match?) Find(string text)
    {
        foreach (var turn in _script.Value.Turns)
        {
            if (turn.Matches(text) is { } match) return (turn, match);
        }
        return (null, null);
    }

    private static string Fill(string json, System.Text.RegularExpressions.Match? match)
    {
        if (match is null || !match.Success) return json;
        for (var g = match.Groups.Count - 1; g >= 1; g--)
            json = json.Replace("$" + g, System.Text.Json.JsonEncodedText.Encode(match.Groups[g].Value).ToString());
        return json;
    }

    private Task Delay(ChatScript.Turn turn, CancellationToken ct) =>
        turn.DelayMs > 0 ? Task.Delay(TimeSpan.FromMilliseconds(turn.DelayMs), time, ct) : Task.CompletedTask;
}
