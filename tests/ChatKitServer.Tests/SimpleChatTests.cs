using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using ChatKitServer.Tests.Support;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>The simple chat endpoints for clients that do not speak ChatKit, end to end with the scripted upstream.</summary>
public class SimpleChatTests
{
    private ScriptedUpstream _upstream = null!;
    private ServerFactory _factory = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task SetUp()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _factory = new ServerFactory(_upstream.Settings());
        _http = _factory.HttpClientFor("alice");
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        _factory.Dispose();
        await _upstream.DisposeAsync();
    }

    private async Task<List<JsonObject>> StreamAsync(object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream/message") { Content = JsonContent.Create(body) };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await Safe(response));
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var frames = new List<JsonObject>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
            frames.Add(JsonNode.Parse(item.Data)!.AsObject());
        return frames;
    }

    private static async Task<string> Safe(HttpResponseMessage r) => r.IsSuccessStatusCode ? "" : await r.Content.ReadAsStringAsync();

    [Test]
    public async Task Streaming_sends_deltas_then_one_final_turn_and_the_conversation_continues()
    {
        _upstream.Enqueue(Reply.Text("Hello", " there")).Enqueue(Reply.Text("Again"));

        var frames = await StreamAsync(new { message = "hi", threadId = (string?)null });

        frames.Select(f => ((string)f["content"]!, (bool)f["isDelta"]!)).Should().Equal(("Hello", true), (" there", true), ("Hello there", false));
        var threadId = (string)frames[0]["threadId"]!;
        threadId.Should().StartWith("thr_");
        frames.Should().OnlyContain(f => (string?)f["threadId"] == threadId);
        frames[^1]["widgets"]!.AsArray().Should().BeEmpty();

        var next = await StreamAsync(new { message = "more", threadId });
        next[^1]["content"]!.GetValue<string>().Should().Be("Again");
        _upstream.Requests[1]["messages"]!.AsArray().Select(m => (string)m!["role"]!).Should().Equal("system", "user", "assistant", "user");

        (await new ChatKitClient(_http).GetThreadAsync(threadId)).Items.Data.Should().HaveCount(4, "it is a normal ChatKit thread");
    }

    [Test]
    public async Task The_plain_endpoint_answers_with_the_full_text_and_token_usage()
    {
        _upstream.Enqueue(Reply.Text("Forty", "-two") with { PromptTokens = 30, CompletionTokens = 5 });

        using var response = await _http.PostAsJsonAsync("/api/chat/message", new { message = "the answer?" });

        response.StatusCode.Should().Be(HttpStatusCode.OK, await Safe(response));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["content"]!.GetValue<string>().Should().Be("Forty-two");
        body["isDelta"]!.GetValue<bool>().Should().BeFalse();
        body["usage"]!["promptTokens"]!.GetValue<int>().Should().Be(30);
        body["usage"]!["completionTokens"]!.GetValue<int>().Should().Be(5);
        body["usage"]!["model"]!.GetValue<string>().Should().Be("test-model");
    }

    [Test]
    public async Task Widgets_come_in_the_final_turn()
    {
        using var offline = new ServerFactory();
        using var http = offline.HttpClientFor("alice");

        using var response = await http.PostAsJsonAsync("/api/chat/message", new { message = "help" });

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["widgets"]!.AsArray().Should().ContainSingle().Which!["type"]!.GetValue<string>().Should().Be("Card");
    }

    [Test]
    public async Task Errors_are_clear_json_with_the_right_status()
    {
        using (var empty = await _http.PostAsJsonAsync("/api/chat/message", new { message = "  " }))
        {
            empty.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await empty.Content.ReadAsStringAsync()).Should().Contain("'message' is required");
        }
        using (var unknown = await _http.PostAsJsonAsync("/api/chat/stream/message", new { message = "hi", threadId = "thr_nope" }))
        {
            unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
            unknown.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        using (var malformed = await _http.PostAsync("/api/chat/message", new StringContent("{nope", System.Text.Encoding.UTF8, "application/json")))
            malformed.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using (var tooLong = await _http.PostAsJsonAsync("/api/chat/message", new { message = new string('x', 40_000) }))
            tooLong.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        _upstream.Enqueue(Reply.Error(500));
        using (var failed = await _http.PostAsJsonAsync("/api/chat/message", new { message = "hi" }))
        {
            failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            failed.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        _upstream.Enqueue(Reply.Error(500));
        var frames = await StreamAsync(new { message = "hi" });
        frames[^1]["error"]!["allowRetry"]!.GetValue<bool>().Should().BeTrue();
    }
}
