using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>
/// The six places where the server answered differently from the reference implementation
/// (openai/chatkit-python) in ways the ChatKit web component hits (issue 15), each shown through HTTP
/// on a real SQLite file.
/// </summary>
public class ReferenceDifferencesFixedTests
{
    // 1. Widget actions keep the reference's defaults.

    [Test]
    public async Task A_widget_action_that_names_no_handler_is_a_streamed_server_action_in_the_stream_and_on_reload()
    {
        // The server's own scripted model reads its widget from JSON, as an integration reading widget templates does.
        using var script = new ChatScriptFile("""
            {"turns":[{"match":"*","reply":["Pick one."],
              "widget":{"type":"Card","children":[{"type":"Button","label":"Go","onClickAction":{"type":"go","payload":{"n":1}}}]}}]}
            """);
        using var factory = new ServerFactory(script.Settings());
        using var client = factory.CreateChatKitClient();
        var expected = JsonNode.Parse("""{"type":"go","payload":{"n":1},"handler":"server","loadingBehavior":"auto","streaming":true}""");

        var stream = await client.StreamAsync(Create("show me"));

        var streamed = stream.Frames.Select(f => JsonNode.Parse(f)!).Single(e => (string?)e["item"]?["type"] == "widget")["item"]!;
        var listed = (await Wire.ItemsPageAsync(client, stream.ThreadId))["data"]!.AsArray().Single(i => (string?)i!["type"] == "widget")!;
        var shown = (await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = stream.ThreadId })))["items"]!["data"]!.AsArray().Single(i => (string?)i!["type"] == "widget")!;
        foreach (var (where, item) in new[] { ("stream", streamed), ("items.list", listed), ("threads.get_by_id", shown) })
        {
            var action = item["widget"]!["children"]![0]!["onClickAction"]!;
            JsonNode.DeepEquals(action, expected).Should().BeTrue($"{where} sends the click to the server as a stream, like the reference (got {action.ToJsonString()})");
        }
    }

    // 2. Only a page with more to come carries an 'after' cursor.

    [Test]
    public async Task Threads_list_items_list_and_get_by_id_leave_after_out_of_the_last_page()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        using var client = factory.CreateChatKitClient();
        var threads = new List<string>();
        for (var i = 0; i < 3; i++) threads.Add((await client.StreamAsync(Create("t" + i))).ThreadId);

        foreach (var order in new[] { "asc", "desc" })
        {
            var first = await client.JsonAsync(Request("threads.list", new() { ["limit"] = 2, ["order"] = order }));
            first["has_more"]!.GetValue<bool>().Should().BeTrue();
            first["after"]!.GetValue<string>().Should().Be(Wire.Ids(first)[1], "a page with more to come ends with its last id as the cursor");
            var last = await client.JsonAsync(Request("threads.list", new() { ["limit"] = 2, ["order"] = order, ["after"] = first["after"]!.GetValue<string>() }));
            last["has_more"]!.GetValue<bool>().Should().BeFalse();
            last.AsObject().ContainsKey("after").Should().BeFalse($"the last page of threads.list ({order}) has no cursor: {last.ToJsonString()}");
        }
        var whole = await client.JsonAsync(Request("threads.list", new() { ["limit"] = 3 }));
        whole.AsObject().ContainsKey("after").Should().BeFalse("a full page that is also the last one has no cursor");

        var firstItems = await Wire.ItemsPageAsync(client, threads[0], limit: 1);
        firstItems["after"]!.GetValue<string>().Should().Be(Wire.Ids(firstItems)[0]);
        var lastItems = await Wire.ItemsPageAsync(client, threads[0], limit: 1, after: firstItems["after"]!.GetValue<string>());
        lastItems["has_more"]!.GetValue<bool>().Should().BeFalse();
        lastItems.AsObject().ContainsKey("after").Should().BeFalse($"the last page of items.list has no cursor: {lastItems.ToJsonString()}");
        (await Wire.ItemsPageAsync(client, threads[0], order: "desc")).AsObject().ContainsKey("after").Should().BeFalse();

        var thread = await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = threads[0] }));
        thread["items"]!["has_more"]!.GetValue<bool>().Should().BeFalse();
        thread["items"]!.AsObject().ContainsKey("after").Should().BeFalse($"threads.get_by_id's items page has no cursor when it holds every item: {thread.ToJsonString()}");
    }

    // 3. A thread's created_at reads back exactly.

    [Test]
    public async Task A_thread_s_created_at_reads_back_exactly_as_thread_created_sent_it_after_a_reload_and_a_restart()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var sent = new Dictionary<string, string>();
        var itemsSent = new Dictionary<string, List<string>>();
        using (var client = factory.CreateChatKitClient())
        {
            // Several threads: a time that happens to end in zeros would pass even at 0.1 ms precision.
            for (var i = 0; i < 4; i++)
            {
                var stream = await client.StreamAsync(Create("t" + i));
                sent[stream.ThreadId] = (string)JsonNode.Parse(stream.Frames[0])!["thread"]!["created_at"]!;
                itemsSent[stream.ThreadId] = Wire.CreatedAtById(stream).Values.ToList();
            }
            await ExpectSameTimesAsync(client, "after a reload");
        }

        using var restarted = ServerFactory.WithResponder(new TestResponder(), new() { ["ConnectionStrings:ChatKit"] = $"Data Source={factory.DatabasePath}" });
        using (var client = restarted.CreateChatKitClient())
            await ExpectSameTimesAsync(client, "after a restart on the same database file");

        async Task ExpectSameTimesAsync(ChatKitTestClient client, string when)
        {
            var listed = await client.JsonAsync(Request("threads.list", new() { ["limit"] = 10 }));
            foreach (var (id, at) in sent)
            {
                var thread = await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = id }));
                ((string)thread["created_at"]!).Should().Be(at, $"threads.get_by_id {when} shows the created_at of thread.created");
                ((string)listed["data"]!.AsArray().Single(t => (string?)t!["id"] == id)!["created_at"]!).Should().Be(at, $"threads.list {when} too");
                thread["items"]!["data"]!.AsArray().Select(i => (string)i!["created_at"]!).Should().Equal(itemsSent[id], $"items keep their times {when}");
            }
        }
    }

    // 4. One precision: microseconds, on every item.

    [Test]
    public async Task Every_time_on_the_wire_has_at_most_six_fractional_digits_for_every_kind_of_item()
    {
        using var script = new ChatScriptFile("""
            {"turns":[
              {"match":"card","reply":["Here is a card."],"widget":{"type":"Card","children":[{"type":"Text","value":"Hi"}]}},
              {"match":"search","toolCalls":[{"name":"search_threads","arguments":{"query":"card"}}],"then":["Found it."]},
              {"match":"where","toolCalls":[{"name":"get_location","arguments":{}}],"then":["You are in Lyon."]},
              {"match":"*","reply":["ok"]}]}
            """);
        using var factory = new ServerFactory(script.Settings("get_location"));
        using var client = factory.CreateChatKitClient();

        var created = await client.StreamAsync(Create("show a card"));
        var thread = created.ThreadId;
        var searched = await client.StreamAsync(AddMessage(thread, "search for it"));
        var asked = await client.StreamAsync(AddMessage(thread, "where am I?"));
        var resumed = await client.StreamAsync(Request("threads.add_client_tool_output", new() { ["thread_id"] = thread, ["result"] = new JsonObject { ["city"] = "Lyon" } }));

        var streams = new[] { created, searched, asked, resumed };
        var kinds = streams.SelectMany(s => s.Frames).Select(f => JsonNode.Parse(f)!["item"]?["type"]).OfType<JsonNode>().Select(t => (string)t!).ToHashSet();
        kinds.Should().Contain(["user_message", "assistant_message", "widget", "workflow", "client_tool_call"]);
        var admin = await client.Http.GetStringAsync($"/admin/api/threads/{thread}");
        JsonNode.Parse(admin)!["items"]!.AsArray().Select(i => (string)i!["type"]!).Should().Contain("hidden_context_item", "the model's usage and tool records are kept");

        var texts = streams.SelectMany(s => s.Frames)
            .Append((await Wire.ItemsPageAsync(client, thread)).ToJsonString())
            .Append((await client.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = thread }))).ToJsonString())
            .Append((await client.JsonAsync(Request("threads.list"))).ToJsonString())
            .Append(JsonNode.Parse(admin)!["items"]!.ToJsonString());
        var times = texts.SelectMany(Wire.CreatedAts).ToList();
        times.Should().HaveCountGreaterThan(20);
        times.Should().OnlyContain(t => Wire.FractionalDigits(t) <= 6, "the reference writes microseconds; one clock, one precision");
    }

    [Test]
    public async Task The_admin_api_shows_a_thread_s_created_at_as_the_protocol_does()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        using var client = factory.CreateChatKitClient();
        var stream = await client.StreamAsync(Create("hello"));
        var sent = (string)JsonNode.Parse(stream.Frames[0])!["thread"]!["created_at"]!;

        var row = JsonNode.Parse(await client.Http.GetStringAsync("/admin/api/threads"))!["data"]!.AsArray().Single(t => (string?)t!["id"] == stream.ThreadId)!;
        var detail = JsonNode.Parse(await client.Http.GetStringAsync($"/admin/api/threads/{stream.ThreadId}"))!;

        ((string)row["created_at"]!).Should().Be(sent, "an admin comparing the list with what a user saw finds the same time");
        ((string)detail["created_at"]!).Should().Be(sent);
    }

    // 5. A reload shows the items in the order the stream showed them.

    private static readonly Card Chart = new() { Children = [new Text { Value = "chart" }] };

    /// <summary>An answer with a widget sent while the answer is still open; the widget may have been built at another time.</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> AnswerWithAWidgetInside(ThreadMetadata thread, Func<DateTimeOffset, DateTimeOffset> widgetTime, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var answer = new AssistantMessageStream(thread.Id);
        var widget = WidgetStreaming.Static(thread.Id, Chart);
        foreach (var ev in answer.Begin()) yield return ev;
        await Task.Delay(5, ct);
        yield return answer.Append("Here is ");
        widget.Item.CreatedAt = widgetTime(ChatKitClock.Now());
        yield return widget;
        yield return answer.Append("the chart.");
        foreach (var ev in answer.Complete()) yield return ev;
    }

    /// <summary>A widget first, with a time older than the user's message (a clock behind, a cached item), then an answer.</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> AnOldWidgetFirst(ThreadMetadata thread)
    {
        await Task.Yield();
        var widget = WidgetStreaming.Static(thread.Id, Chart);
        widget.Item.CreatedAt = widget.Item.CreatedAt.AddMinutes(-5);
        yield return widget;
        await foreach (var ev in TestResponder.Text(thread, "That was the chart.")) yield return ev;
    }

    private static IEnumerable<TestCaseData> Answers()
    {
        TestCaseData Case(string name, Func<ThreadMetadata, CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> script, params string[] kinds) =>
            new TestCaseData(script, kinds).SetName(name);
        yield return Case("A widget sent while the answer is open is shown after it on reload",
            (t, ct) => AnswerWithAWidgetInside(t, now => now, ct), "user_message", "assistant_message", "widget");
        yield return Case("A widget built before the answer but sent while it is open is shown after it on reload",
            (t, ct) => AnswerWithAWidgetInside(t, now => now.AddSeconds(-1), ct), "user_message", "assistant_message", "widget");
        yield return Case("A widget whose time is older than the user's message is shown after the message on reload",
            (t, _) => AnOldWidgetFirst(t), "user_message", "widget", "assistant_message");
    }

    [TestCaseSource(nameof(Answers))]
    public async Task Reload_order_is_stream_order(Func<ThreadMetadata, CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> script, string[] kinds)
    {
        var responder = new TestResponder { Script = (t, _, ct) => script(t, ct) };
        using var factory = ServerFactory.WithResponder(responder);
        using var client = factory.CreateChatKitClient();

        var first = await client.StreamAsync(Create("chart please"));
        var second = await client.StreamAsync(AddMessage(first.ThreadId, "another"));

        var streamed = Wire.FirstAppearance(first).Concat(Wire.FirstAppearance(second)).ToList();
        streamed.Select(id => first.Events.Concat(second.Events).OfType<ThreadItemDoneEvent>().First(e => e.Item.Id == id).Item.Kind)
            .Should().Equal(kinds.Concat(kinds), "the stream shows the items in this order");
        Wire.Ids(await Wire.ItemsPageAsync(client, first.ThreadId)).Should().Equal(streamed, "items.list shows what the stream showed");
        Wire.Ids(await Wire.ItemsPageAsync(client, first.ThreadId, order: "desc")).Should().Equal(Enumerable.Reverse(streamed));
        (await Wire.GetByIdItemIdsAsync(client, first.ThreadId)).Should().Equal(streamed, "threads.get_by_id too");
        var times = Wire.CreatedAtById(first).Concat(Wire.CreatedAtById(second)).ToDictionary();
        foreach (var item in (await Wire.ItemsPageAsync(client, first.ThreadId))["data"]!.AsArray())
            ((string)item!["created_at"]!).Should().Be(times[(string)item["id"]!], "a stored item keeps the created_at the stream showed");
    }

    // 6. threads.delete is idempotent and takes the thread's attachments with it.

    [Test]
    public async Task Deleting_an_unknown_a_deleted_or_another_user_s_thread_answers_an_empty_object()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), Tokens.JwtSettings());
        using var alice = Tokens.ClientFor(factory, "alice");
        using var bob = Tokens.ClientFor(factory, "bob");
        var kept = (await alice.StreamAsync(Create("keep me"))).ThreadId;
        var deleted = (await alice.StreamAsync(Create("delete me"))).ThreadId;
        var before = (await alice.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = kept }))).ToJsonString();

        var answers = new List<(string Case, HttpStatusCode Status, string Body)>();
        foreach (var (name, who, id) in new[] { ("own", alice, deleted), ("already deleted", alice, deleted), ("unknown", alice, "thr_never_was"), ("another user's", bob, kept) })
        {
            using var response = await who.PostAsync(Request("threads.delete", new() { ["thread_id"] = id }));
            answers.Add((name, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        answers.Should().OnlyContain(a => a.Status == HttpStatusCode.OK && a.Body == "{}", "a retried delete must not show an error, and another user's thread looks like no thread at all");
        using var gone = await alice.PostAsync(Request("threads.get_by_id", new() { ["thread_id"] = deleted }));
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await alice.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = kept }))).ToJsonString().Should().Be(before, "Bob's delete changed nothing");
    }

    [Test]
    public async Task Deleting_a_thread_deletes_its_attachments_bytes_and_their_preview_links_stop_working()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), Tokens.JwtSettings());
        using var alice = Tokens.ClientFor(factory, "alice");
        var used = await UploadAsync(alice, "used.png");
        var other = await UploadAsync(alice, "other.png");
        var thread = (await alice.StreamAsync(Request("threads.create", new() { ["input"] = Input("look", (string)used["id"]!) }))).ThreadId;
        await alice.StreamAsync(Request("threads.create", new() { ["input"] = Input("and this", (string)other["id"]!) }));
        var file = Path.Combine(factory.Folder, "attachments", (string)used["id"]! + ".bin");
        File.Exists(file).Should().BeTrue();
        using (var preview = await alice.Http.GetAsync(new Uri((string)used["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.OK);

        (await alice.JsonAsync(Request("threads.delete", new() { ["thread_id"] = thread }))).ToJsonString().Should().Be("{}");

        File.Exists(file).Should().BeFalse("the bytes go with the thread");
        using (var preview = await alice.Http.GetAsync(new Uri((string)used["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using (var record = await alice.PostAsync(Request("attachments.delete", new() { ["attachment_id"] = (string)used["id"]! })))
            record.StatusCode.Should().Be(HttpStatusCode.NotFound, "the record went with the thread too");
        File.Exists(Path.Combine(factory.Folder, "attachments", (string)other["id"]! + ".bin")).Should().BeTrue("another thread's attachment stays");
        using (var preview = await alice.Http.GetAsync(new Uri((string)other["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>Uploads a PNG through the real upload endpoint; returns the attachment.</summary>
    internal static async Task<JsonNode> UploadAsync(ChatKitTestClient client, string name)
    {
        using var response = await client.Http.PostAsync("/chatkit/attachments", AttachmentTests.Form(AttachmentTests.Png, name, "image/png"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }
}
