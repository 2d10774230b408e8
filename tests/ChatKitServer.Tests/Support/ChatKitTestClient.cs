using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;

namespace ChatKitServer.Tests.Support;

/// <summary>Sends ChatKit requests over HTTP and reads SSE answers with System.Net.ServerSentEvents.</summary>
public sealed class ChatKitTestClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public Task<HttpResponseMessage> PostAsync(string json, CancellationToken ct = default) =>
        Http.PostAsync("/chatkit", new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public Task<HttpResponseMessage> PostAsync(JsonObject request, CancellationToken ct = default) => PostAsync(request.ToJsonString(), ct);

    /// <summary>Sends a streaming request through <see cref="ChatKit.Client.ChatKitClient"/> (the one SSE reader); returns the raw frames and the parsed events.</summary>
    public async Task<StreamResult> StreamAsync(JsonObject request, CancellationToken ct = default)
    {
        var frames = new List<string>();
        try
        {
            await foreach (var frame in new ChatKit.Client.ChatKitClient(Http).StreamFramesAsync(ChatKitRequestParser.Parse(request.ToJsonString()), ct))
                frames.Add(frame);
        }
        catch (ChatKit.Client.ChatKitClientException ex)
        {
            throw new HttpRequestException(ex.Message, ex, (HttpStatusCode)ex.StatusCode);
        }
        return new StreamResult(frames, frames.Select(f => ChatKitJson.Deserialize<ThreadStreamEvent>(f)).ToList());
    }

    /// <summary>Sends a streaming request, reads the raw answer until <paramref name="marker"/> appears, then hangs up (a client going away); returns what was read.</summary>
    public async Task<string> HangUpAfterAsync(JsonObject request, string marker)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new StringBuilder();
        while (!seen.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var next = reader.Read();
            if (next < 0) Assert.Fail($"the stream ended before '{marker}': {seen}");
            seen.Append((char)next);
        }
        return seen.ToString();
    } // disposing the response closes the connection

    public async Task<JsonNode> JsonAsync(JsonObject request, CancellationToken ct = default)
    {
        using var response = await PostAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        response.IsSuccessStatusCode.Should().BeTrue(text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return JsonNode.Parse(text)!;
    }

    public void Dispose() => Http.Dispose();

    public static JsonObject Request(string type, JsonObject? @params = null) => new() { ["type"] = type, ["params"] = @params ?? new JsonObject() };

    public static JsonObject Input(string text, params string[] attachments) => new()
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
        ["attachments"] = new JsonArray(attachments.Select(a => (JsonNode)a!).ToArray()),
        ["inference_options"] = new JsonObject(),
    };

    public static JsonObject Create(string text) => Request("threads.create", new() { ["input"] = Input(text) });

    public static JsonObject AddMessage(string threadId, string text) => Request("threads.add_user_message", new() { ["thread_id"] = threadId, ["input"] = Input(text) });
}

public sealed record StreamResult(IReadOnlyList<string> Frames, IReadOnlyList<ThreadStreamEvent> Events)
{
    public string ThreadId => Events.OfType<ThreadCreatedEvent>().Single().Thread.Id;

    public string AssistantText => string.Concat(Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Select(m => m.Text));
}
