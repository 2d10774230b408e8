using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit.Json;
using Microsoft.Extensions.Logging;

namespace ChatKit.Tests.Engine;

/// <summary>A responder whose answer each test writes as a delegate.</summary>
public sealed class ScriptedResponder : IChatKitResponder
{
    public Func<ThreadMetadata, UserMessageItem?, CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> Script { get; set; } = (_, _, _) => Empty();

    public List<(string ThreadId, UserMessageItem? Input)> Calls { get; } = [];

    public IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add((thread.Id, input));
        return Script(thread, input, cancellationToken);
    }

    public static async IAsyncEnumerable<ThreadStreamEvent> Empty()
    {
        await Task.CompletedTask;
        yield break;
    }

    /// <summary>An answer streamed from chunks, as a real model would.</summary>
    public static IAsyncEnumerable<ThreadStreamEvent> Text(ThreadMetadata thread, params string[] chunks) =>
        AssistantMessageStream.FromChunksAsync(thread.Id, chunks.Yielding());
}

/// <summary>Collects log entries so tests can check what was logged.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception), exception));
    }
}

/// <summary>An engine over an in-memory store, with helpers to send requests as JSON.</summary>
public sealed class EngineHarness
{
    public InMemoryChatKitStore Store { get; } = new();
    public ScriptedResponder Responder { get; } = new();
    public ListLogger<ChatKitEngine> Logger { get; } = new();
    public ChatKitContext Context { get; set; } = new() { UserId = "user-1", Locale = "en" };
    public IChatKitActionHandler? Actions { get; set; }
    public IChatKitTranscriber? Transcriber { get; set; }
    public IChatKitAttachmentStore? Attachments { get; set; }
    public IChatKitTurnLock? TurnLock { get; set; }

    private ChatKitEngine? _engine;
    public ChatKitEngine Engine => _engine ??= new ChatKitEngine(Store, Responder, Logger, new ChatKitEngineOptions(), Attachments, Actions, Transcriber, turnLock: TurnLock);

    public Task<ChatKitResponse> SendAsync(string json, CancellationToken ct = default) =>
        Engine.ProcessAsync(ChatKitRequestParser.Parse(json), Context, ct);

    public async Task<JsonNode> JsonAsync(string json)
    {
        var response = await SendAsync(json);
        var body = response.Should().BeOfType<ChatKitJsonResponse>().Subject;
        return JsonNode.Parse(body.Json)!;
    }

    public async Task<List<ThreadStreamEvent>> StreamAsync(string json, CancellationToken ct = default)
    {
        var response = await SendAsync(json, ct);
        var stream = response.Should().BeOfType<ChatKitStreamResponse>().Subject;
        var events = new List<ThreadStreamEvent>();
        await foreach (var ev in stream.Events.WithCancellation(ct))
            events.Add(ev);
        // Every event the engine emits must survive the wire.
        foreach (var ev in events) ChatKitJson.Serialize(ev);
        return events;
    }

    public static string Create(string text) =>
        """{"type":"threads.create","params":{"input":""" + Input(text) + "}}";

    public static string AddMessage(string threadId, string text) =>
        """{"type":"threads.add_user_message","params":{"thread_id":""" + System.Text.Json.JsonSerializer.Serialize(threadId) + ""","input":""" + Input(text) + "}}";

    /// <summary>A user message input with one text part.</summary>
    public static string Input(string text, params string[] attachmentIds) =>
        new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
            ["attachments"] = new JsonArray(attachmentIds.Select(a => (JsonNode)a!).ToArray()),
            ["inference_options"] = new JsonObject(),
        }.ToJsonString();

    /// <summary>Creates a thread answered with <paramref name="answer"/>; returns its id.</summary>
    public async Task<string> NewThreadAsync(string text = "hello", string answer = "hi there")
    {
        var previous = Responder.Script;
        Responder.Script = (t, _, _) => ScriptedResponder.Text(t, answer);
        var events = await StreamAsync(Create(text));
        Responder.Script = previous;
        return events.OfType<ThreadCreatedEvent>().Single().Thread.Id;
    }

    public async Task<List<ThreadItem>> ItemsAsync(string threadId) =>
        (await Store.LoadThreadItemsAsync(threadId, null, 1000, SortOrder.Asc, Context)).Data;
}

internal static class AsyncEnumerableTestExtensions
{
    public static async IAsyncEnumerable<T> Yielding<T>(this IEnumerable<T> source, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var item in source)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return item;
        }
    }
}
