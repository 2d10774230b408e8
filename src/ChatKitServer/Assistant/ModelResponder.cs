using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Assistant.History;
using ChatKitServer.Assistant.Models;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Assistant;

/// <summary>
/// Answers with a real model through <see cref="IChatModel"/>: builds the history from the store,
/// streams each token as a <c>text_delta</c>, runs the tool calls the model makes (server tools
/// here, client tools by ending the turn with a pending call) for a bounded number of rounds,
/// and records token usage per answer.
/// </summary>
public sealed class ModelResponder(
    IChatModel model,
    ChatClientFactory models,
    ToolRegistry tools,
    ConversationHistory history,
    IStringLocalizer<AssistantTexts> texts,
    IOptions<AssistantOptions> options,
    TimeProvider time,
    ILogger<ModelResponder> logger) : IChatKitResponder
{
    public async IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var modelName = ChooseModel(input);
        var required = ChooseTool(input);
        yield return ResponderEvents.Progress(texts[AssistantTexts.Analyzing], "sparkle");

        var built = await history.BuildAsync(thread, context, options.Value.HistoryBudgetChars, null, cancellationToken);
        if (built.NewestCut is { } cut)
        {
            logger.LogInformation("The newest message of {ThreadId} has {Length} characters; the model gets the first {Kept}", thread.Id, cut.Length, cut.Kept);
            yield return ResponderEvents.Notice(NoticeLevel.Warning, texts[AssistantTexts.MessageCut, cut.Length, cut.Kept]);
        }
        var messages = built.Messages;
        messages.Insert(0, new SystemMessage(SystemPrompt(context)));
        var definitions = tools.Definitions();
        var usage = new UsageTotals(modelName);
        var maxRounds = options.Value.MaxToolRounds;

        for (var round = 1; round <= maxRounds; round++)
        {
            // The last round offers no tools, so the model has to answer.
            var request = new ChatModelRequest(modelName, messages, round < maxRounds ? definitions : [], round == 1 ? required : null);
            AssistantMessageStream? answer = null;
            var calls = new SortedDictionary<int, PendingCall>();

            await foreach (var update in Guard(model.StreamAsync(request, cancellationToken), cancellationToken))
            {
                switch (update)
                {
                    case TextDelta delta:
                        if (answer is null)
                        {
                            answer = new AssistantMessageStream(thread.Id, time);
                            foreach (var ev in answer.Begin()) yield return ev;
                        }
                        yield return answer.Append(delta.Text);
                        break;
                    case ToolCallDelta piece:
                        if (!calls.TryGetValue(piece.Index, out var call)) calls[piece.Index] = call = new PendingCall();
                        call.Id ??= piece.Id;
                        call.Name ??= piece.Name;
                        call.Arguments.Append(piece.ArgumentsDelta);
                        break;
                    case UsageUpdate used:
                        usage.Add(used);
                        break;
                    case WidgetOutput shown:
                        yield return ChatKit.Widgets.WidgetStreaming.Static(thread.Id, shown.Widget, shown.CopyText, time);
                        break;
                }
            }

            string? lastItemId = null;
            if (answer is not null)
            {
                foreach (var ev in answer.Complete()) yield return ev;
                lastItemId = answer.ItemId;
            }

            if (calls.Count == 0)
            {
                if (lastItemId is not null)
                    yield return Done(HiddenRecords.Usage(thread.Id, lastItemId, usage.Model, usage.Prompt, usage.Completion, ChatKitClock.Now(time)));
                yield break;
            }

            var made = calls.Values.Select(c => new ToolCall(c.Id ?? "call_" + Guid.NewGuid().ToString("n")[..12], c.Name ?? "", c.Arguments.ToString())).ToList();
            messages.Add(new AssistantMessage(answer?.Text, made));
            WorkflowStream? work = null;
            foreach (var call in made)
            {
                var tool = tools.Find(call.Name);
                var arguments = ParseArguments(call.Arguments);
                if (tool is { RunsOnClient: true })
                {
                    if (work is not null) yield return work.Complete();
                    var item = new ClientToolCallItem
                    {
                        Id = ChatKitIds.ToolCall(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(time),
                        CallId = call.Id, Name = call.Name, Arguments = arguments ?? [],
                    };
                    yield return new ThreadItemDoneEvent { Item = item };
                    yield return Done(HiddenRecords.Usage(thread.Id, item.Id, usage.Model, usage.Prompt, usage.Completion, ChatKitClock.Now(time)));
                    yield break; // the client answers with threads.add_client_tool_output
                }
                var progress = tool?.ProgressText(arguments ?? [], texts) ?? texts[AssistantTexts.ExecutingTool, call.Name];
                yield return ResponderEvents.Progress(progress, tool?.Icon);
                var task = -1;
                if (options.Value.ShowToolWork)
                {
                    if (work is null)
                    {
                        work = new WorkflowStream(thread.Id, time: time);
                        yield return work.Begin();
                    }
                    yield return work.AddTask(new CustomTask { Title = progress, Icon = tool?.Icon, StatusIndicator = TaskStatusIndicator.Loading }, out task);
                }
                var (result, error) = await RunAsync(tool, call, arguments, new ToolContext(thread, context), cancellationToken);
                messages.Add(new ToolResultMessage(call.Id, result));
                if (work is not null)
                    yield return work.UpdateTask(task, new CustomTask
                    {
                        Title = progress, Icon = tool?.Icon,
                        StatusIndicator = error is null ? TaskStatusIndicator.Complete : TaskStatusIndicator.None,
                        Content = error,
                    });
                yield return Done(HiddenRecords.ToolCall(thread.Id, call.Id, call.Name, call.Arguments, result, ChatKitClock.Now(time)));
            }
            if (work is not null) yield return work.Complete();
        }
    }

    private static ThreadItemDoneEvent Done(ThreadItem item) => new() { Item = item };

    /// <summary>Runs a server tool; returns the JSON the model gets, and the error shown in the workflow when it failed.</summary>
    private async Task<(string Result, string? Error)> RunAsync(IChatKitTool? tool, ToolCall call, JsonObject? arguments, ToolContext context, CancellationToken ct)
    {
        if (tool is null)
            return Failed($"There is no tool named '{call.Name}'.");
        if (arguments is null)
            return Failed("The arguments are not a JSON object.");
        try
        {
            var result = await tool.ExecuteAsync(arguments, context, ct);
            var error = result is JsonObject o && o["error"] is JsonValue e && e.TryGetValue<string>(out var text) ? text : null;
            return (result?.ToJsonString(ChatKitJson.Options) ?? "null", error);
        }
        catch (ToolArgumentException ex)
        {
            return Failed(ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The model is told the tool failed and may carry on; the details go to the log.
            logger.LogWarning(ex, "Tool {ToolName} failed in {ThreadId}", call.Name, context.Thread.Id);
            return Failed($"The tool '{call.Name}' failed.");
        }

        static (string, string?) Failed(string message) => (new JsonObject { ["error"] = message }.ToJsonString(ChatKitJson.Options), message);
    }

    private static JsonObject? ParseArguments(string json)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string ChooseModel(UserMessageItem? input)
    {
        var requested = input?.InferenceOptions.Model;
        var fallback = models.DefaultModel;
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
    private async IAsyncEnumerable<ChatModelUpdate> Guard(IAsyncEnumerable<ChatModelUpdate> updates, [EnumeratorCancellation] CancellationToken ct)
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

    private sealed class PendingCall
    {
        public string? Id;
        public string? Name;
        public readonly StringBuilder Arguments = new();
    }

    private sealed class UsageTotals(string model)
    {
        public string Model { get; private set; } = model;
        public int Prompt { get; private set; }
        public int Completion { get; private set; }

        public void Add(UsageUpdate u)
        {
            Model = u.Model;
            Prompt += u.PromptTokens;
            Completion += u.CompletionTokens;
        }
    }
}
