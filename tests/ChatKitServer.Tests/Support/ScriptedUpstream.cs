using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatKitServer.Tests.Support;

/// <summary>
/// An OpenAI-compatible Chat Completions server on loopback (a real Kestrel), answering each
/// request with the next scripted reply: streamed <c>chat.completion.chunk</c> frames with text,
/// tool calls in pieces and usage; an HTTP error; a connection dropped mid-stream; slow chunks.
/// Records every request body and sees when a caller aborts.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _replies = new();

    public List<JsonObject> Requests { get; } = [];
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public Uri Endpoint { get; private set; } = null!;

    private ScriptedUpstream(WebApplication app) => _app = app;

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.ChatAsync);
        app.MapPost("/v1/audio/transcriptions", upstream.TranscribeAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.Endpoint = new Uri(address + "/v1");
        return upstream;
    }

    public ScriptedUpstream Enqueue(Reply reply)
    {
        _replies.Enqueue(reply);
        return this;
    }

    /// <summary>Settings that point the server at this upstream.</summary>
    public Dictionary<string, string?> Settings(int maxRetries = 0) => new()
    {
        ["Assistant:Provider"] = "OpenAI",
        ["OpenAI:Endpoint"] = Endpoint.ToString(),
        ["OpenAI:ApiKey"] = "test-key",
        ["OpenAI:Model"] = "test-model",
        ["OpenAI:MaxRetries"] = maxRetries.ToString(),
        ["OpenAI:TimeoutSeconds"] = "20",
        ["Assistant:AutoTitles"] = "false", // title calls would change the request counts most tests check
    };

    private async Task ChatAsync(HttpContext http)
    {
        var body = JsonNode.Parse(await new StreamReader(http.Request.Body).ReadToEndAsync())!.AsObject();
        lock (Requests) Requests.Add(body);
        http.RequestAborted.Register(() => Aborted.TrySetResult());
        if (!_replies.TryDequeue(out var reply))
            reply = Reply.Text("(no scripted reply left)");
        if (reply.Status is { } status)
        {
            http.Response.StatusCode = status;
            if (reply.RetryAfterSeconds is { } wait) http.Response.Headers.RetryAfter = wait.ToString();
            await http.Response.WriteAsJsonAsync(new { error = new { message = "scripted failure", type = "test", code = status.ToString() } });
            return;
        }
        http.Response.ContentType = "text/event-stream";
        var model = (string?)body["model"] ?? "test-model";
        var sent = 0;
        foreach (var delta in reply.Deltas)
        {
            if (reply.DropAfter == sent)
            {
                await DropAsync(http);
                return;
            }
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, http.RequestAborted);
            await WriteAsync(http, Chunk(model, delta, null));
            sent++;
        }
        if (reply.DropAfter == sent)
        {
            await DropAsync(http);
            return;
        }
        if (reply.EndsEarly)
            return; // the body ends cleanly, but without a finish reason, usage or [DONE]
        if (reply.Garbage is not null)
        {
            await http.Response.WriteAsync("data: " + reply.Garbage + "\n\n");
            await http.Response.Body.FlushAsync();
        }
        await WriteAsync(http, Chunk(model, new JsonObject(), reply.FinishReason ?? (reply.Deltas.Any(d => d.ContainsKey("tool_calls")) ? "tool_calls" : "stop")));
        var usage = Chunk(model, null, null);
        usage["choices"] = new JsonArray();
        usage["usage"] = new JsonObject { ["prompt_tokens"] = reply.PromptTokens, ["completion_tokens"] = reply.CompletionTokens, ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens };
        await WriteAsync(http, usage);
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    /// <summary>
    /// Breaks the connection mid-stream. An abort is a TCP reset, which can make the client drop data
    /// it has not read yet; the pause lets the chunks already sent arrive first, as on a real network.
    /// </summary>
    private static async Task DropAsync(HttpContext http)
    {
        await Task.Delay(300);
        http.Abort();
    }

    private async Task TranscribeAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        var file = form.Files[0];
        lock (Requests) Requests.Add(new JsonObject { ["model"] = form["model"].ToString(), ["file"] = file.FileName, ["bytes"] = file.Length, ["language"] = form["language"].ToString() });
        http.Response.ContentType = "text/plain";
        await http.Response.WriteAsync($"transcribed {file.Length} bytes");
    }

    private static JsonObject Chunk(string model, JsonObject? delta, string? finish)
    {
        var chunk = new JsonObject { ["id"] = "chatcmpl-test", ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = model };
        if (delta is not null)
            chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish });
        return chunk;
    }

    private static async Task WriteAsync(HttpContext http, JsonObject chunk)
    {
        await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", Encoding.UTF8, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One scripted answer.</summary>
    public sealed record Reply
    {
        public List<JsonObject> Deltas { get; init; } = [];
        public int? Status { get; init; }
        public int? RetryAfterSeconds { get; init; }
        public int? DropAfter { get; init; }
        /// <summary>A frame that is not JSON, sent after the deltas (a malformed chunk).</summary>
        public string? Garbage { get; init; }
        /// <summary>The response ends cleanly after the deltas, with no finish reason nor [DONE] (a proxy that gave up, a server that stopped).</summary>
        public bool EndsEarly { get; init; }
        /// <summary>The finish reason of the last chunk (default: tool_calls when the deltas call a tool, else stop).</summary>
        public string? FinishReason { get; init; }
        public TimeSpan Delay { get; init; }
        public int PromptTokens { get; init; } = 11;
        public int CompletionTokens { get; init; } = 7;

        public static Reply Text(params string[] chunks) => new()
        {
            Deltas = [new JsonObject { ["role"] = "assistant", ["content"] = "" }, .. chunks.Select(c => new JsonObject { ["content"] = c })],
        };

        /// <summary>A tool call whose arguments arrive in <paramref name="argumentPieces"/>.</summary>
        public static Reply ToolCall(string id, string name, params string[] argumentPieces)
        {
            var deltas = new List<JsonObject>
            {
                new() { ["role"] = "assistant", ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["id"] = id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = name, ["arguments"] = "" } }) },
            };
            deltas.AddRange(argumentPieces.Select(p => new JsonObject { ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = p } }) }));
            return new Reply { Deltas = deltas };
        }

        public static Reply Error(int status, int? retryAfterSeconds = null) => new() { Status = status, RetryAfterSeconds = retryAfterSeconds };
    }
}
