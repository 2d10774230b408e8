using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Assistant;
using ChatKitServer.Assistant.History;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Responders;

/// <summary>
/// The tool calls of one model round. Server tools run here, each shown to the user (a progress update
/// and, with <c>Assistant:ShowToolWork</c>, a workflow task that goes from loading to complete) and
/// recorded as a hidden item; their results go back to the model. A client tool ends the turn with a
/// pending <c>client_tool_call</c> that the client answers with <c>threads.add_client_tool_output</c>.
/// </summary>
public sealed class ToolCallRunner(
    ToolRegistry tools,
    IStringLocalizer<AssistantTexts> texts,
    IOptions<AssistantOptions> options,
    TimeProvider time,
    ILogger<ToolCallRunner> logger)
{
    internal async IAsyncEnumerable<ThreadStreamEvent> RunAsync(
        ThreadMetadata thread, ChatKitContext context, ModelRound round, List<ChatMessage> messages, UsageTotals usage,
        [EnumeratorCancellation] CancellationToken ct)
    {
        WorkflowStream? work = null;
        foreach (var call in round.Calls)
        {
            var tool = tools.Find(call.Name);
            var arguments = ArgumentsOf(call);
            if (tool is { RunsOnClient: true })
            {
                if (work is not null) yield return work.Complete();
                var item = new ClientToolCallItem
                {
                    Id = ChatKitIds.ToolCall(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(time),
                    CallId = call.CallId, Name = call.Name, Arguments = arguments ?? [],
                };
                ChatKitTelemetry.ToolCalls.Add(1, ToolTag(tool), Outcome("client"));
                yield return new ThreadItemDoneEvent { Item = item };
                yield return ModelResponder.UsageRecord(thread, item.Id, usage, time);
                round.HandedToClient = true; // the client answers with threads.add_client_tool_output
                yield break;
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
            var (result, error) = await RunAsync(tool, call, arguments, new ToolContext(thread, context), ct);
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
            if (work is not null)
            {
                yield return work.UpdateTask(task, new CustomTask
                {
                    Title = progress, Icon = tool?.Icon,
                    StatusIndicator = error is null ? TaskStatusIndicator.Complete : TaskStatusIndicator.None,
                    Content = error,
                });
            }
            var argumentsJson = arguments?.ToJsonString(ChatKitJson.Options) ?? "null";
            yield return new ThreadItemDoneEvent { Item = HiddenRecords.ToolCall(thread.Id, call.CallId, call.Name, argumentsJson, result, ChatKitClock.Now(time)) };
        }
        if (work is not null) yield return work.Complete();
    }

    /// <summary>A call's arguments as a JSON object; null when the model sent something else.</summary>
    private static JsonObject? ArgumentsOf(FunctionCallContent call) =>
        call.Exception is null && call.Arguments is not null
            ? JsonSerializer.SerializeToNode(call.Arguments, AIJsonUtilities.DefaultOptions) as JsonObject
            : call.Exception is null ? [] : null;

    /// <summary>
    /// The tool's name as a metric label; a name no tool has is <c>_OTHER</c>: the model chooses the name (and the user's
    /// text steers the model), so every made-up name would otherwise be a series of its own.
    /// </summary>
    private static KeyValuePair<string, object?> ToolTag(IChatKitTool? tool) => new("gen_ai.tool.name", tool?.Name ?? "_OTHER");
    private static KeyValuePair<string, object?> Outcome(string outcome) => new("chatkit.tool.outcome", outcome);

    /// <summary>
    /// Runs a server tool in a span of its own (<c>execute_tool {name}</c>, OpenTelemetry's GenAI conventions)
    /// and counts it by outcome; returns the JSON the model gets, and the error shown in the workflow when it failed.
    /// </summary>
    private async Task<(string Result, string? Error)> RunAsync(IChatKitTool? tool, FunctionCallContent call, JsonObject? arguments, ToolContext context, CancellationToken ct)
    {
        using var span = ChatKitTelemetry.Source.StartActivity("execute_tool " + call.Name);
        span?.SetTag("gen_ai.operation.name", "execute_tool");
        span?.SetTag("gen_ai.tool.name", call.Name);
        span?.SetTag("gen_ai.tool.call.id", call.CallId);
        var (result, error) = await RunToolAsync(tool, call, arguments, context, ct);
        if (error is not null) span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
        ChatKitTelemetry.ToolCalls.Add(1, ToolTag(tool), Outcome(error is null ? "ok" : "error"));
        return (result, error);
    }

    /// <summary>
    /// Runs the tool. A failure is told to the model in English (what it reads best, whatever the user's
    /// language), and to the user, in the workflow, in the user's language; an error a tool returns itself is
    /// shown as it wrote it.
    /// </summary>
    private async Task<(string Result, string? Error)> RunToolAsync(IChatKitTool? tool, FunctionCallContent call, JsonObject? arguments, ToolContext context, CancellationToken ct)
    {
        if (tool is null)
            return Failed($"There is no tool named '{call.Name}'.", texts[AssistantTexts.ToolUnknown, call.Name]);
        if (arguments is null)
            return Failed("The arguments are not a JSON object.", texts[AssistantTexts.ToolArgumentsInvalid, call.Name]);
        try
        {
            var result = await tool.ExecuteAsync(arguments, context, ct);
            var error = result is JsonObject o && o["error"] is JsonValue e && e.TryGetValue<string>(out var text) ? text : null;
            return (result?.ToJsonString(ChatKitJson.Options) ?? "null", error);
        }
        catch (ToolArgumentException ex)
        {
            return Failed(ex.Message, texts[AssistantTexts.ToolArgumentsInvalid, call.Name]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The model is told the tool failed and may carry on; the details go to the log.
            logger.LogWarning(ex, "Tool {ToolName} failed in {ThreadId}", call.Name, context.Thread.Id);
            return Failed($"The tool '{call.Name}' failed.", texts[AssistantTexts.ToolFailed, call.Name]);
        }

        static (string, string?) Failed(string forModel, string forUser) => (new JsonObject { ["error"] = forModel }.ToJsonString(ChatKitJson.Options), forUser);
    }
}
