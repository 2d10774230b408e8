using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatKit;
using ChatKitServer.Assistant;
using ChatKitServer.Assistant.History;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Responders;

/// <summary>
/// Answers with a model through <see cref="IChatClient"/> (OpenAI, Azure OpenAI, any compatible server, the
/// scripted model, or any client a host registers). A turn is a few named steps: the history from the
/// store, then rounds of <see cref="ModelRound"/> (one model call, its text streamed as it arrives)
/// followed by the round's tool calls (<see cref="ToolCallRunner"/>), until a round calls no tool — the
/// final answer, recorded with the turn's token usage — or a call goes to the client. The last round
/// offers no tools, so the model has to answer.
/// </summary>
public sealed class ModelResponder(
    IChatClient chat,
    ToolRegistry tools,
    ToolCallRunner calls,
    ConversationHistory history,
    IStringLocalizer<AssistantTexts> texts,
    IOptions<AssistantOptions> options,
    TimeProvider time,
    ILogger<ModelResponder> logger) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A turn that goes on without a message (a client tool's output, a structured input's answers) stays
        // with the model its user message chose; the tool it forced was called already.
        var newest = input is null ? await history.LoadNewestAsync(thread, context, cancellationToken) : null;
        var model = ChooseModel(input ?? newest?.Data.OfType<UserMessageItem>().FirstOrDefault());
        var required = ChooseTool(input);
        yield return ResponderEvents.Progress(texts[AssistantTexts.Analyzing], "sparkle");

        var built = await history.BuildAsync(thread, context, options.Value.HistoryBudgetChars, newest, cancellationToken);
        if (built.NewestCut is { } cut)
        {
            logger.LogInformation("The newest message of {ThreadId} has {Length} characters; the model gets the first {Kept}", thread.Id, cut.Length, cut.Kept);
            yield return ResponderEvents.Notice(NoticeLevel.Warning, texts[AssistantTexts.MessageCut, cut.Length, cut.Kept]);
        }
        var messages = built.Messages;
        messages.Insert(0, new ChatMessage(ChatRole.System, SystemPrompt(context)));
        var definitions = tools.Definitions();
        var usage = new UsageTotals(model);
        var maxRounds = options.Value.MaxToolRounds;

        for (var number = 1; number <= maxRounds; number++)
        {
            var round = new ModelRound(thread.Id, time);
            var request = RoundOptions(model, number == maxRounds ? [] : definitions, number == 1 ? required : null);
            await foreach (var ev in round.StreamAsync(Guard(chat.GetStreamingResponseAsync(messages, request, cancellationToken), cancellationToken), usage, cancellationToken))
                yield return ev;

            if (round.Calls.Count == 0)
            {
                // The final answer: its token usage is recorded with it.
                if (round.Answer is not null)
                    yield return UsageRecord(thread, round.Answer.ItemId, usage, time);
                // An answer the model did not end itself is cut (or missing): the user is told why.
                if (StoppedNotice(round.Finish) is { } why)
                    yield return ResponderEvents.Notice(NoticeLevel.Warning, why);
                yield break;
            }

            messages.Add(round.ToMessage());
            await foreach (var ev in calls.RunAsync(thread, context, round, messages, usage, cancellationToken))
                yield return ev;
            if (round.HandedToClient) yield break;
        }
    }

    /// <summary>The hidden record of the tokens a turn used, kept with the item that ended it (for admins).</summary>
    internal static ThreadItemDoneEvent UsageRecord(ThreadMetadata thread, string itemId, UsageTotals usage, TimeProvider time)
    {
        var model = new KeyValuePair<string, object?>("gen_ai.response.model", usage.Model);
        ChatKitTelemetry.Tokens.Add(usage.Prompt, model, new("gen_ai.token.type", "input"));
        ChatKitTelemetry.Tokens.Add(usage.Completion, model, new("gen_ai.token.type", "output"));
        return new() { Item = HiddenRecords.Usage(thread.Id, itemId, usage.Model, usage.Prompt, usage.Completion, ChatKitClock.Now(time)) };
    }

    /// <summary>One round's request: the model, the tools offered (none in the last round), the tool it must call (first round only).</summary>
    private static ChatOptions RoundOptions(string model, IList<AITool> offered, string? required) => new()
    {
        ModelId = model,
        Tools = offered.Count > 0 ? offered : null,
        ToolMode = required is not null && offered.Count > 0 ? ChatToolMode.RequireSpecific(required) : null,
    };

    /// <summary>Why the answer stopped, for the user, when the model service (not the model) ended it.</summary>
    private string? StoppedNotice(ChatFinishReason? finish) =>
        finish == ChatFinishReason.ContentFilter ? texts[AssistantTexts.AnswerFiltered].Value
        : finish == ChatFinishReason.Length ? texts[AssistantTexts.AnswerTooLong].Value
        : null;

    private string ChooseModel(UserMessageItem? input)
    {
        var fallback = chat.GetService<ChatClientMetadata>()?.DefaultModelId
            ?? throw new InvalidOperationException("The chat client names no default model (ChatClientMetadata.DefaultModelId).");
        var requested = input?.InferenceOptions.Model;
        if (string.IsNullOrEmpty(requested) || requested == fallback) return fallback;
        var allowed = options.Value.Models;
        if (allowed.Contains(requested, StringComparer.Ordinal)) return requested;
        throw new CustomStreamError(texts[AssistantTexts.ModelNotAllowed, requested, string.Join(", ", allowed.Prepend(fallback).Distinct())]);
    }

    private string? ChooseTool(UserMessageItem? input)
    {
        var id = input?.InferenceOptions.ToolChoice?.Id;
        if (id is null) return null;
        return tools.Find(id) is not null ? id : throw new CustomStreamError(texts[AssistantTexts.ToolNotAvailable, id]);
    }

    private string SystemPrompt(ChatKitContext context)
    {
        var prompt = options.Value.SystemPrompt;
        return context.Locale is { } locale ? prompt + "\n\n" + texts[AssistantTexts.LocalePrompt, locale] : prompt;
    }

    /// <summary>Turns upstream failures into the protocol's errors: transient ones may be retried by the user.</summary>
    private async IAsyncEnumerable<ChatResponseUpdate> Guard(IAsyncEnumerable<ChatResponseUpdate> updates, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var e = updates.GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync()) yield break;
            }
            catch (ClientResultException ex) when (ex.Status is 408 or 429 or >= 500 or 0)
            {
                logger.LogWarning(ex, "The model service failed with {Status}", ex.Status);
                throw new StreamError(ErrorCodes.StreamError, allowRetry: true, inner: ex);
            }
            catch (ClientResultException ex)
            {
                logger.LogWarning(ex, "The model service refused the request with {Status}", ex.Status);
                throw new CustomStreamError(texts[AssistantTexts.UpstreamRefused, ex.Status], allowRetry: false, inner: ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or JsonException
                                       || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                logger.LogWarning(ex, "The model stream broke off");
                throw new StreamError(ErrorCodes.StreamError, allowRetry: true, inner: ex);
            }
            yield return e.Current;
        }
    }
}
