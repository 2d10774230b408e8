using System.Net;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>The protocol through the real HTTP pipeline, with the offline responder.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class ProtocolOverHttpTests(TestDatabase database)
{
    private ServerFactory _factory = null!;
    private ChatKitTestClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _factory = new ServerFactory(database: database);
        _client = _factory.CreateChatKitClient();
    }

    [TearDown]
    public void TearDown()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Test]
    public async Task Text_goes_over_the_wire_as_it_is_in_streams_and_json_answers()
    {
        const string text = "Un café + \"deux\" l'après-midi";
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = new StringContent(Create(text).ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        using var response = await _client.Http.SendAsync(message);
        var raw = await response.Content.ReadAsStringAsync();
        raw.Should().Contain("Un café + \\\"deux\\\" l'après-midi").And.NotContain("\\u00", "frames carry text as it is (~13% smaller in French)");

        var list = await _client.Http.PostAsync("/chatkit", new StringContent(Request("threads.list").ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        (await list.Content.ReadAsStringAsync()).Should().Contain("café").And.NotContain("\\u00");
    }

    [Test]
    public async Task Threads_create_streams_valid_events_with_sse_headers()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = new StringContent(Create("hello").ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        using var response = await _client.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        var raw = await response.Content.ReadAsStringAsync();
        raw.Should().StartWith("data: {\"type\":\"thread.created\"");
        raw.Should().EndWith("\n\n");

        var stream = await _client.StreamAsync(Create("hello there"));

        stream.Events.Select(e => e.GetType()).Take(3).Should().Equal(typeof(ThreadCreatedEvent), typeof(ThreadItemDoneEvent), typeof(StreamOptionsEvent));
        stream.Events.OfType<ProgressUpdateEvent>().Should().NotBeEmpty();
        stream.Events.OfType<ThreadItemUpdatedEvent>().Count(e => e.Update is AssistantMessageContentPartTextDelta).Should().BeGreaterThan(3, "the offline answer streams word by word");
        stream.AssistantText.Should().Contain("hello there");
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task Every_json_request_type_answers_and_validates_against_the_schema()
    {
        var created = await _client.StreamAsync(Create("first"));
        var threadId = created.ThreadId;
        var assistantId = created.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Single().Id;

        var thread = await _client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = threadId }));
        var list = await _client.JsonAsync(Request("threads.list", new() { ["limit"] = 5 }));
        var items = await _client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["order"] = "asc" }));
        var updated = await _client.JsonAsync(Request("threads.update", new() { ["thread_id"] = threadId, ["title"] = "Renamed" }));
        var feedback = await _client.JsonAsync(Request("items.feedback", new() { ["thread_id"] = threadId, ["item_ids"] = new JsonArray(assistantId), ["kind"] = "positive" }));

        thread["items"]!["data"]!.AsArray().Should().HaveCount(2);
        list["data"]!.AsArray().Should().ContainSingle();
        items["data"]!.AsArray().Should().HaveCount(2);
        updated["title"]!.GetValue<string>().Should().Be("Renamed");
        feedback.ToJsonString().Should().Be("{}");
        SchemaValidator.AssertValid([("Thread", thread.ToJsonString()), ("PageThread", list.ToJsonString()), ("PageThreadItem", items.ToJsonString()), ("Thread", updated.ToJsonString())]);

        (await _client.JsonAsync(Request("threads.delete", new() { ["thread_id"] = threadId }))).ToJsonString().Should().Be("{}");
        using var gone = await _client.PostAsync(Request("threads.get_by_id", new() { ["thread_id"] = threadId }));
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Add_user_message_and_retry_stream_over_http()
    {
        var threadId = (await _client.StreamAsync(Create("one"))).ThreadId;

        var second = await _client.StreamAsync(AddMessage(threadId, "two"));
        second.AssistantText.Should().Contain("two");
        var userItem = second.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<UserMessageItem>().Single();

        var retried = await _client.StreamAsync(Request("threads.retry_after_item", new() { ["thread_id"] = threadId, ["item_id"] = userItem.Id }));
        retried.Events[0].Should().BeOfType<StreamOptionsEvent>();
        retried.AssistantText.Should().Contain("two");

        var items = await _client.JsonAsync(Request("items.list", new() { ["thread_id"] = threadId, ["limit"] = 50 }));
        items["data"]!.AsArray().Should().HaveCount(4, "the retried answer replaced the old one");
        SchemaValidator.AssertValid("ThreadStreamEvent", second.Frames.Concat(retried.Frames));
    }

    [Test]
    public async Task Asking_for_help_shows_a_widget()
    {
        var stream = await _client.StreamAsync(Create("help"));

        stream.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<WidgetItem>().Should().ContainSingle();
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task Health_answers_200_and_the_demo_page_is_served()
    {
        using var health = await _client.Http.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync()).Should().Be("Healthy");

        using var page = await _client.Http.GetAsync("/");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("chatkit.js").And.Contain("/assets/demo.js");
        var script = await _client.Http.GetStringAsync("/assets/demo.js"); // the page's own script (its CSP allows no inline one)
        script.Should().Contain("openai-chatkit").And.Contain("/chatkit");
    }
}
