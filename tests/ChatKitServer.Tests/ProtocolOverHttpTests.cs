using System.Net;
using ChatKit;
using ChatKit.Json;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>The protocol through the real HTTP pipeline, with the offline responder.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class ProtocolOverHttpTests(TestDatabase database)
{
    private ServerFactory _host = null!;
    private ChatKitClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new ServerFactory(database: database);
        _client = _host.ClientFor("alice");
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    private static ThreadsCreateRequest Create(string text) => new() { Params = new() { Input = ChatKitClient.Text(text) } };

    [Test]
    public async Task Text_goes_over_the_wire_as_it_is_in_streams_and_json_answers()
    {
        const string text = "Un café + \"deux\" l'après-midi";
        using var response = await _client.Http.PostAsync("/chatkit", Wire.Body(Create(text)));
        var raw = await response.Content.ReadAsStringAsync();
        raw.Should().Contain("Un café + \\\"deux\\\" l'après-midi").And.NotContain("\\u00", "frames carry text as it is (~13% smaller in French)");

        (await _client.SendRawAsync(new ThreadsListRequest())).Should().Contain("café").And.NotContain("\\u00");
    }

    [Test]
    public async Task Thread_and_item_ids_begin_with_the_time_they_were_made_so_later_ones_sort_after()
    {
        static long Millis(string id) => long.Parse(id[(id.IndexOf('_') + 1)..][..12], System.Globalization.NumberStyles.HexNumber);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var first = await _client.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync();
        await Task.Delay(5);
        var second = await _client.CreateThreadAsync(ChatKitClient.Text("second")).CollectAsync();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        string[] ids = [first.ThreadId!, .. first.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item.Id), second.ThreadId!];
        ids.Should().AllSatisfy(id => Millis(id).Should().BeInRange(before, after));
        string.CompareOrdinal(second.ThreadId, first.ThreadId).Should().BePositive();
        var listed = await _client.ListThreadsAsync();
        listed.Data.Select(t => t.Id).Should().Equal(second.ThreadId, first.ThreadId);
    }

    [Test]
    public async Task Threads_create_streams_valid_events_with_sse_headers()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = Wire.Body(Create("hello")) };
        using var response = await _client.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        var raw = await response.Content.ReadAsStringAsync();
        raw.Should().StartWith("data: {\"type\":\"thread.created\"");
        raw.Should().EndWith("\n\n");

        var turn = await _client.StreamFramesAsync(Create("hello there")).CollectAsync();

        turn.Events.Select(e => e.GetType()).Take(3).Should().Equal(typeof(ThreadCreatedEvent), typeof(ThreadItemDoneEvent), typeof(StreamOptionsEvent));
        turn.ProgressUpdates.Should().NotBeEmpty();
        turn.Events.OfType<ThreadItemUpdatedEvent>().Count(e => e.Update is AssistantMessageContentPartTextDelta).Should().BeGreaterThan(3, "the offline answer streams word by word");
        turn.Should().HaveAssistantTextContaining("hello there");
        SchemaValidator.AssertValid("ThreadStreamEvent", turn.Frames);
    }

    [Test]
    public async Task Every_json_request_type_answers_and_validates_against_the_schema()
    {
        var created = await _client.CreateThreadAsync(ChatKitClient.Text("first")).CollectAsync();
        var threadId = created.ThreadId!;
        var assistantId = created.Items<AssistantMessageItem>().Single().Id;

        var thread = await _client.SendRawAsync(new ThreadsGetByIdRequest { Params = new() { ThreadId = threadId } });
        var list = await _client.SendRawAsync(new ThreadsListRequest { Params = new() { Limit = 5 } });
        var items = await _client.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = threadId, Order = SortOrder.Asc } });
        var updated = await _client.SendRawAsync(new ThreadsUpdateRequest { Params = new() { ThreadId = threadId, Title = "Renamed" } });
        var feedback = await _client.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = threadId, ItemIds = [assistantId], Kind = FeedbackKind.Positive } });

        ChatKitJson.Deserialize<ChatKitThread>(thread).Items.Data.Should().HaveCount(2);
        ChatKitJson.Deserialize<Page<ChatKitThread>>(list).Data.Should().ContainSingle();
        ChatKitJson.Deserialize<Page<ThreadItem>>(items).Data.Should().HaveCount(2);
        ChatKitJson.Deserialize<ChatKitThread>(updated).Title.Should().Be("Renamed");
        feedback.Should().Be("{}");

        (await _client.SendRawAsync(new ThreadsDeleteRequest { Params = new() { ThreadId = threadId } })).Should().Be("{}");
        var gone = () => _client.GetThreadAsync(threadId);
        (await gone.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404);
        SchemaValidator.AssertValid([("Thread", thread), ("PageThread", list), ("PageThreadItem", items), ("Thread", updated)]);
    }

    [Test]
    public async Task Add_user_message_and_retry_stream_over_http()
    {
        var threadId = (await _client.CreateThreadAsync(ChatKitClient.Text("one")).CollectAsync()).ThreadId!;

        var second = await _client.StreamFramesAsync(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = threadId, Input = ChatKitClient.Text("two") } }).CollectAsync();
        second.Should().HaveAssistantTextContaining("two");
        var userItem = second.Items<UserMessageItem>().Single();

        var retried = await _client.StreamFramesAsync(new ThreadsRetryAfterItemRequest { Params = new() { ThreadId = threadId, ItemId = userItem.Id } }).CollectAsync();
        retried.Events[0].Should().BeOfType<StreamOptionsEvent>();
        retried.Should().HaveAssistantTextContaining("two");

        (await _client.ListItemsAsync(threadId, limit: 50)).Data.Should().HaveCount(4, "the retried answer replaced the old one");
        SchemaValidator.AssertValid("ThreadStreamEvent", second.Frames.Concat(retried.Frames));
    }

    [Test]
    public async Task Asking_for_help_shows_a_widget()
    {
        var turn = await _client.StreamFramesAsync(Create("help")).CollectAsync();

        turn.Items<WidgetItem>().Should().ContainSingle();
        SchemaValidator.AssertValid("ThreadStreamEvent", turn.Frames);
    }

    [Test]
    public async Task Health_answers_200_and_the_demo_page_is_served()
    {
        using var anonymous = _host.CreateClient();
        using var health = await anonymous.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync()).Should().Be("Healthy");

        using var page = await anonymous.GetAsync("/");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("chatkit.js").And.Contain("/assets/demo.js");
        var script = await anonymous.GetStringAsync("/assets/demo.js"); // the page's own script (its CSP allows no inline one)
        script.Should().Contain("openai-chatkit").And.Contain("/chatkit");
    }
}
