using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;

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
        using var factory = new ServerFactory(NoTitles, inlineScript: """
            {"turns":[{"match":"*","reply":["Pick one."],
              "widget":{"type":"Card","children":[{"type":"Button","label":"Go","onClickAction":{"type":"go","payload":{"n":1}}}]}}]}
            """);
        var client = factory.ClientFor("alice");
        var expected = JsonNode.Parse("""{"type":"go","payload":{"n":1},"handler":"server","loadingBehavior":"auto","streaming":true}""");

        var stream = await client.StreamFramesAsync(Create("show me")).CollectAsync();

        var streamed = stream.Frames.Select(f => JsonNode.Parse(f)!).Single(e => (string?)e["item"]?["type"] == "widget")["item"]!;
        var listed = (await Wire.ItemsPageAsync(client, stream.ThreadId!))["data"]!.AsArray().Single(i => (string?)i!["type"] == "widget")!;
        var shown = (await Wire.ThreadAsync(client, stream.ThreadId!))["items"]!["data"]!.AsArray().Single(i => (string?)i!["type"] == "widget")!;
        foreach (var (where, item) in new[] { ("stream", streamed), ("items.list", listed), ("threads.get_by_id", shown) })
        {
            var action = item["widget"]!["children"]![0]!["onClickAction"]!;
            JsonNode.DeepEquals(action, expected).Should().BeTrue($"{where} sends the click to the server as a stream, like the reference (got {action.ToJsonString()})");
        }
    }

    /// <summary>
    /// Found by a differential check against the reference (2026-12): the model's widget was done while its answer was
    /// still open (the answer's content_part.done and thread.item.done came after the widget's). The reference finishes an
    /// item before the next begins (chatkit/agents.py, stream_agent_response): the answer ends, then the widget follows.
    /// </summary>
    [Test]
    public async Task A_widget_the_model_sends_after_its_text_follows_the_finished_answer_in_the_stream_and_on_reload()
    {
        using var factory = new ServerFactory(NoTitles, inlineScript: """
            {"turns":[{"match":"*","reply":["Here ","it is."],"widget":{"type":"Card","children":[{"type":"Text","value":"chart"}]}}]}
            """);
        var client = factory.ClientFor("alice");

        var stream = await client.StreamFramesAsync(Create("show me")).CollectAsync();

        var events = stream.Frames.Select(f => JsonNode.Parse(f)!).Select(e => (string)e["type"]! switch
        {
            "thread.item.added" or "thread.item.done" => $"{(string)e["type"]!} {(string)e["item"]!["type"]!}",
            "thread.item.updated" => "update " + (string)e["update"]!["type"]!,
            var other => other,
        }).Where(e => !e.StartsWith("thread.created") && !e.StartsWith("stream_options") && e != "progress_update" && !e.Contains("user_message")).ToList();
        events.Should().Equal(
            "thread.item.added assistant_message", "update assistant_message.content_part.added", "update assistant_message.content_part.text_delta",
            "update assistant_message.content_part.text_delta", "update assistant_message.content_part.done", "thread.item.done assistant_message",
            "thread.item.done widget");
        var listed = (await Wire.ItemsPageAsync(client, stream.ThreadId!))["data"]!.AsArray().Select(i => (string)i!["type"]!);
        listed.Should().Equal("user_message", "assistant_message", "widget");
    }

    /// <summary>The scripted model answers only the turns of its script (no title requests in between).</summary>
    private static Dictionary<string, string?> NoTitles => new() { ["Assistant:AutoTitles"] = "false" };

    private static ThreadsCreateRequest Create(string text) => new() { Params = new() { Input = ChatKitClient.Text(text) } };

    private static ThreadsAddUserMessageRequest AddMessage(string threadId, string text) => new() { Params = new() { ThreadId = threadId, Input = ChatKitClient.Text(text) } };

    // 2. Only a page with more to come carries an 'after' cursor.

    [Test]
    public async Task Threads_list_items_list_and_get_by_id_leave_after_out_of_the_last_page()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var client = factory.ClientFor("alice");
        var threads = new List<string>();
        for (var i = 0; i < 3; i++) threads.Add((await client.CreateThreadAsync(ChatKitClient.Text("t" + i)).CollectAsync()).ThreadId!);

        foreach (var order in new[] { SortOrder.Asc, SortOrder.Desc })
        {
            var first = await Wire.ThreadsPageAsync(client, limit: 2, order: order);
            first["has_more"]!.GetValue<bool>().Should().BeTrue();
            first["after"]!.GetValue<string>().Should().Be(Wire.Ids(first)[1], "a page with more to come ends with its last id as the cursor");
            var last = await Wire.ThreadsPageAsync(client, limit: 2, order: order, after: first["after"]!.GetValue<string>());
            last["has_more"]!.GetValue<bool>().Should().BeFalse();
            last.AsObject().ContainsKey("after").Should().BeFalse($"the last page of threads.list ({order}) has no cursor: {last.ToJsonString()}");
        }
        var whole = await Wire.ThreadsPageAsync(client, limit: 3);
        whole.AsObject().ContainsKey("after").Should().BeFalse("a full page that is also the last one has no cursor");

        var firstItems = await Wire.ItemsPageAsync(client, threads[0], limit: 1);
        firstItems["after"]!.GetValue<string>().Should().Be(Wire.Ids(firstItems)[0]);
        var lastItems = await Wire.ItemsPageAsync(client, threads[0], limit: 1, after: firstItems["after"]!.GetValue<string>());
        lastItems["has_more"]!.GetValue<bool>().Should().BeFalse();
        lastItems.AsObject().ContainsKey("after").Should().BeFalse($"the last page of items.list has no cursor: {lastItems.ToJsonString()}");
        (await Wire.ItemsPageAsync(client, threads[0], order: SortOrder.Desc)).AsObject().ContainsKey("after").Should().BeFalse();

        var thread = await Wire.ThreadAsync(client, threads[0]);
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
        var client = factory.ClientFor("alice");
        // Several threads: a time that happens to end in zeros would pass even at 0.1 ms precision.
        for (var i = 0; i < 4; i++)
        {
            var stream = await client.StreamFramesAsync(Create("t" + i)).CollectAsync();
            sent[stream.ThreadId!] = (string)JsonNode.Parse(stream.Frames[0])!["thread"]!["created_at"]!;
            itemsSent[stream.ThreadId!] = Wire.CreatedAtById(stream).Values.ToList();
        }
        await ExpectSameTimesAsync(client, "after a reload");

        using var restarted = ServerFactory.WithResponder(new TestResponder(), new() { ["ConnectionStrings:ChatKit"] = $"Data Source={factory.DatabasePath}" });
        await ExpectSameTimesAsync(restarted.ClientFor("alice"), "after a restart on the same database file");

        async Task ExpectSameTimesAsync(ChatKitClient client, string when)
        {
            var listed = await Wire.ThreadsPageAsync(client, limit: 10);
            foreach (var (id, at) in sent)
            {
                var thread = await Wire.ThreadAsync(client, id);
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
        var settings = new Dictionary<string, string?>(NoTitles)
        {
            ["Assistant:ClientTools:0:Name"] = "get_location", ["Assistant:ClientTools:0:Description"] = "A tool the browser runs",
        };
        using var factory = new ServerFactory(settings, inlineScript: """
            {"turns":[
              {"match":"card","reply":["Here is a card."],"widget":{"type":"Card","children":[{"type":"Text","value":"Hi"}]}},
              {"match":"search","toolCalls":[{"name":"search_threads","arguments":{"query":"card"}}],"then":["Found it."]},
              {"match":"where","toolCalls":[{"name":"get_location","arguments":{}}],"then":["You are in Lyon."]},
              {"match":"*","reply":["ok"]}]}
            """);
        var client = factory.ClientFor("alice");
        using var admin = factory.HttpClientFor("root", "admin");

        var created = await client.StreamFramesAsync(Create("show a card")).CollectAsync();
        var thread = created.ThreadId!;
        var searched = await client.StreamFramesAsync(AddMessage(thread, "search for it")).CollectAsync();
        var asked = await client.StreamFramesAsync(AddMessage(thread, "where am I?")).CollectAsync();
        var resumed = await client.StreamFramesAsync(new ThreadsAddClientToolOutputRequest { Params = new() { ThreadId = thread, Result = new JsonObject { ["city"] = "Lyon" } } }).CollectAsync();

        var streams = new[] { created, searched, asked, resumed };
        var kinds = streams.SelectMany(s => s.Frames).Select(f => JsonNode.Parse(f)!["item"]?["type"]).OfType<JsonNode>().Select(t => (string)t!).ToHashSet();
        kinds.Should().Contain(["user_message", "assistant_message", "widget", "workflow", "client_tool_call"]);
        var adminThread = await admin.GetStringAsync($"/admin/api/threads/{thread}");
        JsonNode.Parse(adminThread)!["items"]!.AsArray().Select(i => (string)i!["type"]!).Should().Contain("hidden_context_item", "the model's usage and tool records are kept");

        var texts = streams.SelectMany(s => s.Frames)
            .Append((await Wire.ItemsPageAsync(client, thread)).ToJsonString())
            .Append((await Wire.ThreadAsync(client, thread)).ToJsonString())
            .Append((await Wire.ThreadsPageAsync(client)).ToJsonString())
            .Append(JsonNode.Parse(adminThread)!["items"]!.ToJsonString());
        var times = texts.SelectMany(Wire.CreatedAts).ToList();
        times.Should().HaveCountGreaterThan(20);
        times.Should().OnlyContain(t => Wire.FractionalDigits(t) <= 6, "the reference writes microseconds; one clock, one precision");
    }

    [Test]
    public async Task The_admin_api_shows_a_thread_s_created_at_as_the_protocol_does()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var client = factory.ClientFor("alice");
        using var admin = factory.HttpClientFor("root", "admin");
        var stream = await client.StreamFramesAsync(Create("hello")).CollectAsync();
        var sent = (string)JsonNode.Parse(stream.Frames[0])!["thread"]!["created_at"]!;

        var row = JsonNode.Parse(await admin.GetStringAsync("/admin/api/threads"))!["data"]!.AsArray().Single(t => (string?)t!["id"] == stream.ThreadId)!;
        var detail = JsonNode.Parse(await admin.GetStringAsync($"/admin/api/threads/{stream.ThreadId}"))!;

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
        var client = factory.ClientFor("alice");

        var first = await client.StreamFramesAsync(Create("chart please")).CollectAsync();
        var second = await client.StreamFramesAsync(AddMessage(first.ThreadId!, "another")).CollectAsync();

        var streamed = Wire.FirstAppearance(first).Concat(Wire.FirstAppearance(second)).ToList();
        streamed.Select(id => first.Events.Concat(second.Events).OfType<ThreadItemDoneEvent>().First(e => e.Item.Id == id).Item.Kind)
            .Should().Equal(kinds.Concat(kinds), "the stream shows the items in this order");
        (await client.ListItemsAsync(first.ThreadId!, limit: 100, order: SortOrder.Asc)).Data.Select(i => i.Id).Should().Equal(streamed, "items.list shows what the stream showed");
        (await client.ListItemsAsync(first.ThreadId!, limit: 100, order: SortOrder.Desc)).Data.Select(i => i.Id).Should().Equal(Enumerable.Reverse(streamed));
        (await client.GetThreadAsync(first.ThreadId!)).Items.Data.Select(i => i.Id).Should().Equal(streamed, "threads.get_by_id too");
        var times = Wire.CreatedAtById(first).Concat(Wire.CreatedAtById(second)).ToDictionary();
        foreach (var item in (await Wire.ItemsPageAsync(client, first.ThreadId!))["data"]!.AsArray())
            ((string)item!["created_at"]!).Should().Be(times[(string)item["id"]!], "a stored item keeps the created_at the stream showed");
    }

    // 6. threads.delete is idempotent and takes the thread's attachments with it.

    [Test]
    public async Task Deleting_an_unknown_a_deleted_or_another_user_s_thread_answers_an_empty_object()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var alice = factory.ClientFor("alice");
        var bob = factory.ClientFor("bob");
        var kept = (await alice.CreateThreadAsync(ChatKitClient.Text("keep me")).CollectAsync()).ThreadId!;
        var deleted = (await alice.CreateThreadAsync(ChatKitClient.Text("delete me")).CollectAsync()).ThreadId!;
        var before = (await Wire.ThreadAsync(alice, kept)).ToJsonString();

        var answers = new List<(string Case, HttpStatusCode Status, string Body)>();
        foreach (var (name, who, id) in new[] { ("own", alice, deleted), ("already deleted", alice, deleted), ("unknown", alice, "thr_never_was"), ("another user's", bob, kept) })
        {
            using var response = await who.Http.PostAsync("/chatkit", Wire.Body(new ThreadsDeleteRequest { Params = new() { ThreadId = id } }));
            answers.Add((name, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        answers.Should().OnlyContain(a => a.Status == HttpStatusCode.OK && a.Body == "{}", "a retried delete must not show an error, and another user's thread looks like no thread at all");
        (await Refusals.RefusedAsync(() => alice.GetThreadAsync(deleted))).StatusCode.Should().Be(404);
        (await Wire.ThreadAsync(alice, kept)).ToJsonString().Should().Be(before, "Bob's delete changed nothing");
    }

    [Test]
    public async Task Deleting_a_thread_deletes_its_attachments_bytes_and_their_preview_links_stop_working()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        var alice = factory.ClientFor("alice");
        var used = await UploadAsync(alice, "used.png");
        var other = await UploadAsync(alice, "other.png");
        var thread = (await alice.CreateThreadAsync(ChatKitClient.Text("look", (string)used["id"]!)).CollectAsync()).ThreadId!;
        await alice.CreateThreadAsync(ChatKitClient.Text("and this", (string)other["id"]!)).CollectAsync();
        var file = Path.Combine(factory.Folder, "attachments", (string)used["id"]! + ".bin");
        File.Exists(file).Should().BeTrue();
        using (var preview = await alice.Http.GetAsync(new Uri((string)used["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.OK);

        (await alice.SendRawAsync(new ThreadsDeleteRequest { Params = new() { ThreadId = thread } })).Should().Be("{}");

        File.Exists(file).Should().BeFalse("the bytes go with the thread");
        using (var preview = await alice.Http.GetAsync(new Uri((string)used["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await alice.RefusedAsync(new AttachmentsDeleteRequest { Params = new() { AttachmentId = (string)used["id"]! } })).StatusCode.Should().Be(404, "the record went with the thread too");
        File.Exists(Path.Combine(factory.Folder, "attachments", (string)other["id"]! + ".bin")).Should().BeTrue("another thread's attachment stays");
        using (var preview = await alice.Http.GetAsync(new Uri((string)other["preview_url"]!).PathAndQuery))
            preview.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>Uploads a PNG through the real upload endpoint; returns the attachment.</summary>
    internal static async Task<JsonNode> UploadAsync(ChatKitClient client, string name)
    {
        using var response = await client.Http.PostAsync("/chatkit/attachments", AttachmentTests.Form(AttachmentTests.Png, name, "image/png"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }
}
