using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// What the reference implementation's own server tests (openai/chatkit-python tests/test_chatkit_server.py)
/// promise about the protocol, written as our tests: the real server over HTTP on a SQLite file, with an
/// integration's responder. Where our server answers differently on purpose (README, "Errors"), the test
/// asserts our answer and says so.
/// </summary>
public class ReferenceParityTests
{
    private TestResponder _responder = null!;
    private ServerFactory _factory = null!;
    private ChatKitClient _client = null!;
    private HttpClient _admin = null!;
    private static readonly ChatKitContext Alice = new() { UserId = "alice" };

    [SetUp]
    public void SetUp()
    {
        _responder = new TestResponder { Script = (_, _, _) => Nothing() };
        _factory = ServerFactory.WithResponder(_responder);
        _client = _factory.ClientFor("alice");
        _admin = _factory.HttpClientFor("root", "admin");
    }

    [TearDown]
    public void TearDown()
    {
        _admin.Dispose();
        _factory.Dispose();
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Nothing()
    {
        await Task.Yield();
        yield break;
    }

    private static AssistantMessageItem Answer(ThreadMetadata thread, string text, string? id = null) => new()
    {
        Id = id ?? ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), Content = [new AssistantMessageContent { Text = text }],
    };

    private static readonly Card Chart = new() { Children = [new Text { Value = "chart" }] };

    private static ThreadItemDoneEvent Done(ThreadItem item) => new() { Item = item };

    /// <summary>A stream read with its frames as written (the event types, what a frame leaves out).</summary>
    private Task<ChatKitTurn> StreamAsync(StreamingRequest request) => _client.StreamFramesAsync(request).CollectAsync();

    private Task<ChatKitTurn> CreateAsync(string text) => StreamAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text(text) } });

    private static List<string> Types(ChatKitTurn stream) => stream.Frames.Select(f => (string)JsonNode.Parse(f)!["type"]!).ToList();

    private static List<T> DoneItems<T>(ChatKitTurn stream) => stream.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<T>().ToList();

    private async Task<List<ThreadItem>> ItemsAsync(string threadId, SortOrder order = SortOrder.Asc) =>
        (await _client.ListItemsAsync(threadId, limit: 100, order: order)).Data;

    /// <summary>A page asked with only <paramref name="params"/>, so the server's own defaults for limit and order apply (the typed client always writes an order).</summary>
    private async Task<JsonNode> PageWithServerDefaultsAsync(string type, JsonObject @params)
    {
        using var response = await _client.Http.PostAsync("/chatkit", new StringContent(new JsonObject { ["type"] = type, ["params"] = @params }.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Every item of a thread, hidden ones included, as the admin API shows them.</summary>
    private async Task<List<JsonNode>> AllItemsAsync(string threadId) =>
        JsonNode.Parse(await _admin.GetStringAsync($"/admin/api/threads/{threadId}"))!["items"]!.AsArray().Select(i => i!).ToList();

    private static string TextOf(ThreadItem item) => item switch
    {
        UserMessageItem user => ((UserMessageTextContent)user.Content[0]).Text,
        AssistantMessageItem answer => answer.Content[0].Text,
        _ => throw new AssertionException($"{item.Kind} {item.Id} has no text"),
    };

    // Paging: default sizes and orders, has_more and after on every page.

    [Test]
    public async Task Threads_list_shows_twenty_newest_first_by_default_and_pages_on_with_the_cursor()
    {
        var created = new List<string>();
        for (var i = 0; i < 25; i++) created.Add((await _client.CreateThreadAsync(ChatKitClient.Text($"Thread {i}")).CollectAsync()).ThreadId!);

        var first = await PageWithServerDefaultsAsync("threads.list", []);
        Wire.Ids(first).Should().Equal(Enumerable.Reverse(created).Take(20), "newest first, 20 by default");
        first["data"]!.AsArray().Select(t => DateTimeOffset.Parse((string)t!["created_at"]!)).Should().BeInDescendingOrder();
        first["has_more"]!.GetValue<bool>().Should().BeTrue();
        first["after"]!.GetValue<string>().Should().Be(Wire.Ids(first)[^1]);
        var rest = await PageWithServerDefaultsAsync("threads.list", new() { ["after"] = first["after"]!.GetValue<string>() });
        Wire.Ids(rest).Should().Equal(Enumerable.Reverse(created).Skip(20));
        rest["has_more"]!.GetValue<bool>().Should().BeFalse();
        rest.AsObject().ContainsKey("after").Should().BeFalse();

        var ascending = new List<string>();
        string? after = null;
        do
        {
            var page = await _client.ListThreadsAsync(limit: 10, order: SortOrder.Asc, after: after);
            ascending.AddRange(page.Data.Select(t => t.Id));
            after = page.HasMore ? page.After : null;
            if (after is not null) after.Should().Be(page.Data[^1].Id);
        } while (after is not null);
        ascending.Should().Equal(created);
    }

    [Test]
    public async Task Items_list_shows_twenty_newest_first_by_default_and_pages_on_with_the_cursor()
    {
        var answers = new List<string>();
        _responder.Script = (t, _, _) =>
        {
            var items = Enumerable.Range(0, 25).Select(i => Answer(t, $"Message {i}")).ToList();
            answers.AddRange(items.Select(i => i.Id));
            return TestResponder.Events([.. items.Select(Done)]);
        };
        var stream = await CreateAsync("Thread 1");
        var user = DoneItems<UserMessageItem>(stream).Single().Id;

        var first = await PageWithServerDefaultsAsync("items.list", new() { ["thread_id"] = stream.ThreadId });
        Wire.Ids(first).Should().Equal(Enumerable.Reverse(answers).Take(20), "newest first, 20 by default");
        first["has_more"]!.GetValue<bool>().Should().BeTrue();
        first["after"]!.GetValue<string>().Should().Be(Wire.Ids(first)[^1]);
        var rest = await PageWithServerDefaultsAsync("items.list", new() { ["thread_id"] = stream.ThreadId, ["after"] = first["after"]!.GetValue<string>() });
        Wire.Ids(rest).Should().Equal([.. Enumerable.Reverse(answers).Skip(20), user], "the last 5 answers and the user's message");
        rest["has_more"]!.GetValue<bool>().Should().BeFalse();
        rest.AsObject().ContainsKey("after").Should().BeFalse();
    }

    [Test]
    public async Task Get_by_id_shows_the_thread_with_its_first_twenty_visible_items_oldest_first()
    {
        _responder.Script = (t, _, _) => TestResponder.Events([.. Enumerable.Range(0, 25).SelectMany(i => new ThreadStreamEvent[]
        {
            Done(new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = new JsonObject { ["n"] = i } }),
            Done(Answer(t, $"a{i}")),
        })]);
        var stream = await CreateAsync("Test thread");

        var thread = await _client.GetThreadAsync(stream.ThreadId!);

        thread.Id.Should().Be(stream.ThreadId);
        (await Wire.ThreadAsync(_client, stream.ThreadId!)).AsObject().ContainsKey("title").Should().BeFalse("no title was set");
        var items = thread.Items.Data;
        items[0].Should().BeOfType<UserMessageItem>();
        TextOf(items[0]).Should().Be("Test thread");
        items.Skip(1).Select(TextOf).Should().Equal(Enumerable.Range(0, 19).Select(i => $"a{i}"),
            "20 items oldest first; hidden ones are never shown (ours fills the page with visible items, the reference may show fewer)");
        thread.Items.HasMore.Should().BeTrue();
        var rest = await _client.ListItemsAsync(stream.ThreadId!, order: SortOrder.Asc, after: thread.Items.After);
        rest.Data.Select(TextOf).Should().Equal(Enumerable.Range(19, 6).Select(i => $"a{i}"), "the cursor of get_by_id continues in items.list");
    }

    // Hidden context: kept for the model, never sent.

    [Test]
    public async Task Hidden_context_items_are_saved_but_never_reach_the_client()
    {
        _responder.Script = (t, _, _) =>
        {
            var early = new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = new JsonObject { ["note"] = "for the model" } };
            return TestResponder.Events(
                new ThreadItemAddedEvent { Item = early },
                Done(early),
                Done(Answer(t, "visible")),
                Done(new SdkHiddenContextItem { Id = ChatKitIds.SdkHiddenContext(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = "sdk note" }));
        };

        var stream = await CreateAsync("hello");

        string[] hidden = ["hidden_context_item", "sdk_hidden_context"];
        stream.Frames.Should().NotContain(f => hidden.Any(f.Contains), "no event about a hidden item is streamed");
        foreach (var order in new[] { SortOrder.Asc, SortOrder.Desc })
            (await ItemsAsync(stream.ThreadId!, order)).Select(i => i.Kind).Should().BeEquivalentTo(["user_message", "assistant_message"], $"items.list ({order})");
        var thread = await _client.GetThreadAsync(stream.ThreadId!);
        thread.Items.Data.Select(i => i.Kind).Should().Equal("user_message", "assistant_message");
        (await AllItemsAsync(stream.ThreadId!)).Select(i => (string)i["type"]!).Should().Contain(hidden, "they are kept for the model (and admins)");
    }

    // Retry.

    [Test]
    public async Task Retry_after_a_user_message_removes_everything_after_it_and_answers_the_same_message_again()
    {
        var inputs = new List<UserMessageItem?>();
        _responder.Script = (t, input, _) =>
        {
            inputs.Add(input);
            return TestResponder.Events(
                Done(new HiddenContextItem { Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = new JsonObject { ["turn"] = inputs.Count } }),
                Done(Answer(t, $"Response to: {input!.Text} (#{inputs.Count})")));
        };
        var created = await CreateAsync("First message");
        var thread = created.ThreadId!;
        var second = await StreamAsync(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = thread, Input = ChatKitClient.Text("Second message") } });
        var secondMessage = DoneItems<UserMessageItem>(second).Single();
        var oldAnswer = DoneItems<AssistantMessageItem>(second).Single().Id;

        var retried = await StreamAsync(new ThreadsRetryAfterItemRequest { Params = new() { ThreadId = thread, ItemId = secondMessage.Id } });

        Types(retried).Should().Equal(["stream_options", "thread.item.done"], "the user's message is not sent again");
        inputs.Should().HaveCount(3);
        inputs[2]!.Id.Should().Be(secondMessage.Id);
        inputs[2]!.Text.Should().Be("Second message");
        var items = await ItemsAsync(thread, SortOrder.Desc);
        items.Select(TextOf).Should().Equal("Response to: Second message (#3)", "Second message", "Response to: First message (#1)", "First message");
        items[0].Id.Should().NotBe(oldAnswer);
        (await AllItemsAsync(thread)).Count(i => (string?)i["type"] == "hidden_context_item").Should().Be(2, "the retried turn's hidden record went with it");
    }

    [Test]
    public async Task Retry_after_an_item_that_is_not_a_user_message_is_refused_and_changes_nothing()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(Done(Answer(t, "Response")));
        var stream = await CreateAsync("Hello");
        var answer = DoneItems<AssistantMessageItem>(stream).Single().Id;

        // The reference raises "is not a user message" inside the stream; we answer 400 before it starts.
        var notAUserMessage = await _client.RefusedAsync(new ThreadsRetryAfterItemRequest { Params = new() { ThreadId = stream.ThreadId!, ItemId = answer } });
        notAUserMessage.StatusCode.Should().Be(400);
        notAUserMessage.Detail.Should().Contain("user message");

        (await ItemsAsync(stream.ThreadId!)).Should().HaveCount(2);
        _responder.Calls.Should().Be(1);
    }

    // Feedback.

    [Test]
    public async Task Feedback_on_an_answer_or_a_widget_answers_an_empty_object_and_is_kept()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(
            Done(Answer(t, "Feedback received!", "assistant_msg_1")),
            Done(new WidgetItem { Id = "widget_1", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Widget = new Card { Children = [new Text { Key = "text", Value = "Widget content" }] } }));
        var thread = (await CreateAsync("Test feedback")).ThreadId!;

        (await _client.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = ["assistant_msg_1"], Kind = FeedbackKind.Positive } })).Should().Be("{}");
        (await _client.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = ["widget_1"], Kind = FeedbackKind.Negative } })).Should().Be("{}");

        var feedback = JsonNode.Parse(await _admin.GetStringAsync($"/admin/api/threads/{thread}"))!["feedback"]!.AsArray();
        feedback.Select(f => ((string)f!["item_id"]!, (string)f["kind"]!)).Should().BeEquivalentTo([("assistant_msg_1", "positive"), ("widget_1", "negative")]);
    }

    [Test]
    public async Task Feedback_without_item_ids_answers_an_empty_object_and_keeps_nothing()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(Done(Answer(t, "Hi", "assistant_msg_1")));
        var thread = (await CreateAsync("Empty feedback")).ThreadId!;

        (await _client.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = [], Kind = FeedbackKind.Positive } })).Should().Be("{}");

        JsonNode.Parse(await _admin.GetStringAsync($"/admin/api/threads/{thread}"))!["feedback"]!.AsArray().Should().BeEmpty();
        var unknown = () => _client.SendRawAsync(new ItemsFeedbackRequest { Params = new() { ThreadId = "thr_unknown", ItemIds = [], Kind = FeedbackKind.Positive } });
        (await unknown.Should().ThrowAsync<ChatKitClientException>()).Which.StatusCode.Should().Be(404, "the thread is still checked (README: a clear 404)");
    }

    [Test]
    public async Task An_empty_after_cursor_is_no_cursor()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(Done(Answer(t, "one")), Done(Answer(t, "two")));
        var thread = (await CreateAsync("First")).ThreadId!;
        await CreateAsync("Second");

        var threads = await PageWithServerDefaultsAsync("threads.list", new() { ["after"] = "", ["limit"] = 1 });
        threads["data"]!.AsArray().Should().HaveCount(1);
        threads["has_more"]!.GetValue<bool>().Should().BeTrue();
        var items = await PageWithServerDefaultsAsync("items.list", new() { ["thread_id"] = thread, ["after"] = "" });
        Wire.Ids(items).Should().HaveCount(3, "the message and both answers, from the start");
    }

    [Test]
    public async Task A_limit_written_as_a_string_or_a_whole_float_is_read_as_the_reference_reads_it()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(Done(Answer(t, "one")));
        for (var i = 0; i < 3; i++) await CreateAsync("Thread " + i);

        foreach (var limit in new JsonNode?[] { "2", " 2 ", "+2", "2.0", 2.0, JsonNode.Parse("2e0") })
        {
            var page = await PageWithServerDefaultsAsync("threads.list", new() { ["limit"] = limit?.DeepClone() });
            page["data"]!.AsArray().Should().HaveCount(2, $"limit {limit?.ToJsonString()} is 2 to the reference (pydantic, lax)");
        }
        var one = await PageWithServerDefaultsAsync("threads.list", new() { ["limit"] = true });
        one["data"]!.AsArray().Should().HaveCount(1, "true is 1 to pydantic");

        foreach (var limit in new JsonNode?[] { 2.5, "2.5", "two", "", "1e2", JsonNode.Parse("[2]") })
        {
            using var refused = await _client.Http.PostAsync("/chatkit", new StringContent(
                new JsonObject { ["type"] = "threads.list", ["params"] = new JsonObject { ["limit"] = limit?.DeepClone() } }.ToJsonString(), Encoding.UTF8, "application/json"));
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"the reference refuses limit {limit?.ToJsonString()} too");
            (await refused.Content.ReadAsStringAsync()).Should().Contain("'params.limit' must be an integer or null, not");
        }
    }

    // Attachments.

    [Test]
    public async Task Attachments_a_message_uses_get_its_thread_id_and_never_show_their_metadata()
    {
        var first = await ReferenceDifferencesFixedTests.UploadAsync(_client, "one.png");
        var second = await ReferenceDifferencesFixedTests.UploadAsync(_client, "two.png");
        first.AsObject().ContainsKey("metadata").Should().BeFalse("the server keeps metadata on attachments (size, upload state) and never sends it");

        var created = await StreamAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("Message with file", (string)first["id"]!) } });
        var added = await StreamAsync(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = created.ThreadId!, Input = ChatKitClient.Text("Second", (string)second["id"]!) } });

        using (var scope = _factory.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
            foreach (var attachment in new[] { first, second })
            {
                var stored = await store.LoadAttachmentAsync((string)attachment["id"]!, Alice);
                stored.ThreadId.Should().Be(created.ThreadId, "the attachment records which thread uses it once a message does");
                stored.Metadata.Should().NotBeNull("the server's own metadata is still kept");
            }
        }
        var shown = created.Frames.Concat(added.Frames)
            .Append((await Wire.ItemsPageAsync(_client, created.ThreadId!)).ToJsonString())
            .Append((await Wire.ThreadAsync(_client, created.ThreadId!)).ToJsonString())
            .SelectMany(json => JsonNode.Parse(json)!.DescendantsNamed("attachments"))
            .SelectMany(a => a.AsArray()).Select(a => a!.AsObject()).ToList();
        shown.Should().HaveCountGreaterThanOrEqualTo(6, "each attachment is shown in the stream, items.list and get_by_id");
        shown.Should().OnlyContain(a => (string?)a["thread_id"] == created.ThreadId && !a.ContainsKey("metadata"));
    }

    // Client tool calls.

    private static async IAsyncEnumerable<ThreadStreamEvent> ToolCallThenThanks(ThreadMetadata thread, UserMessageItem? input, int pendingCalls)
    {
        await Task.Yield();
        if (input is null)
        {
            yield return Done(Answer(thread, "Glad the tool call succeeded!"));
            yield break;
        }
        for (var i = 1; i <= pendingCalls; i++)
        {
            yield return Done(new ClientToolCallItem
            {
                Id = $"tc_{i}", ThreadId = thread.Id, CreatedAt = ChatKitClock.Now(), CallId = $"tool_call_{i}", Name = "tool_call_1",
                Arguments = new JsonObject { ["arg1"] = "val1", ["arg2"] = false },
            });
        }
    }

    [Test]
    public async Task A_client_tool_call_waits_for_its_output_then_is_completed_and_the_responder_resumes_without_a_message()
    {
        var inputs = new List<UserMessageItem?>();
        _responder.Script = (t, input, _) => { inputs.Add(input); return ToolCallThenThanks(t, input, 1); };

        var created = await CreateAsync("Hello, world!");

        Types(created).Should().Equal("thread.created", "thread.item.done", "stream_options", "thread.item.done");
        var call = DoneItems<ClientToolCallItem>(created).Single();
        call.Status.Should().Be(ClientToolCallStatus.Pending);
        (call.Name, call.CallId, call.Arguments.ToJsonString()).Should().Be(("tool_call_1", "tool_call_1", """{"arg1":"val1","arg2":false}"""));

        var resumed = await StreamAsync(new ThreadsAddClientToolOutputRequest { Params = new() { ThreadId = created.ThreadId!, Result = new JsonObject { ["text"] = "Wow!" } } });

        Types(resumed).Should().Equal("stream_options", "thread.item.done");
        DoneItems<AssistantMessageItem>(resumed).Single().Text.Should().Be("Glad the tool call succeeded!");
        inputs.Should().HaveCount(2);
        inputs[1].Should().BeNull("the responder resumes after a tool output without a new user message");
        var items = await ItemsAsync(created.ThreadId!);
        items.Select(i => i.Kind).Should().Equal("user_message", "client_tool_call", "assistant_message");
        var completed = items[1].Should().BeOfType<ClientToolCallItem>().Subject;
        completed.Status.Should().Be(ClientToolCallStatus.Completed);
        completed.Output!.ToJsonString().Should().Be("""{"text":"Wow!"}""");
    }

    [Test]
    public async Task When_an_output_arrives_older_pending_tool_calls_are_removed()
    {
        _responder.Script = (t, input, _) => ToolCallThenThanks(t, input, 2);
        var created = await CreateAsync("two calls");

        await _client.AddClientToolOutputAsync(created.ThreadId!, JsonValue.Create("ok")).CollectAsync();

        var items = await ItemsAsync(created.ThreadId!);
        items.Select(i => i.Id).Should().Equal(DoneItems<UserMessageItem>(created).Single().Id, "tc_2", items[2].Id);
        items[1].Should().BeOfType<ClientToolCallItem>().Which.Status.Should().Be(ClientToolCallStatus.Completed, "the newest pending call gets the output; the older one would dangle and is removed");

        // The reference raises inside the stream when no call is pending; we answer 409 before it starts.
        var nothingPending = await Refusals.RefusedAsync(() => _client.AddClientToolOutputAsync(created.ThreadId!, JsonValue.Create("again")).CollectAsync());
        nothingPending.StatusCode.Should().Be(409);
    }

    // Cancellation: the client goes away mid-stream.

    private static async IAsyncEnumerable<ThreadStreamEvent> StartAnAnswerThenHang(ThreadMetadata thread, string? firstText, string? delta, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        var pending = new AssistantMessageItem { Id = "assistant-message-pending", ThreadId = thread.Id, CreatedAt = ChatKitClock.Now() };
        if (firstText is not null) pending.Content.Add(new AssistantMessageContent { Text = firstText });
        yield return new ThreadItemAddedEvent { Item = pending };
        if (delta is not null)
            yield return new ThreadItemUpdatedEvent { ItemId = pending.Id, Update = new AssistantMessageContentPartTextDelta { ContentIndex = 0, Delta = delta } };
        yield return new ProgressUpdateEvent { Text = "thinking" }; // the marker the test hangs up after
        await Task.Delay(Timeout.Infinite, ct);
    }

    [TestCase("Hello, ", "World!", "Hello, World!")]
    [TestCase(null, null, null)]
    [TestCase("  ", null, null)]
    public async Task A_cancelled_stream_keeps_a_non_empty_partial_answer_and_a_hidden_note_for_the_model(string? firstText, string? delta, string? saved)
    {
        _responder.Script = (t, _, ct) => StartAnAnswerThenHang(t, firstText, delta, ct);
        string? thread = null;
        await foreach (var ev in _client.CreateThreadAsync(ChatKitClient.Text("Hello")))
        {
            thread ??= (ev as ThreadCreatedEvent)?.Thread.Id;
            if (ev is ProgressUpdateEvent) break; // the client goes away after the marker: leaving the stream closes the connection
        }
        thread.Should().NotBeNull("the stream started with thread.created");
        await _responder.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var all = await Eventually.WaitForAsync(async () =>
        {
            var items = await AllItemsAsync(thread!);
            return items.Any(i => (string?)i["type"] == "sdk_hidden_context") ? items : null;
        }, "the cancelled turn to be saved");

        all[^1]["content"]!.GetValue<string>().Should().Be("The user cancelled the stream. Stop responding to the prior request.");
        var answer = (await ItemsAsync(thread!)).SingleOrDefault(i => i.Id == "assistant-message-pending");
        if (saved is null) answer.Should().BeNull("an empty partial answer is not kept");
        else TextOf(answer!).Should().Be(saved, "the partial answer is kept with the deltas the client saw");
    }

    // The thread changed by the responder.

    [Test]
    public async Task A_thread_changed_mid_stream_is_saved_and_sent_right_after_the_event_during_which_it_changed()
    {
        _responder.Script = (t, _, _) => TitleMidStream(t);
        var stream = await CreateAsync("Hello");

        var done = stream.Events.Select((e, i) => (e, i)).Where(x => x.e is ThreadItemDoneEvent { Item: AssistantMessageItem }).ToList();
        done.Select(x => ((AssistantMessageItem)((ThreadItemDoneEvent)x.e).Item).Text).Should().Equal("A", "B", "C");
        stream.Events[done[1].i + 1].Should().BeOfType<ThreadUpdatedEvent>().Which.Thread.Title.Should().Be("Mid-stream title");
        stream.Events[done[1].i + 2].Should().BeSameAs(done[2].e, "the stream goes on after thread.updated");
        stream.Events.OfType<ThreadUpdatedEvent>().Should().ContainSingle();
        (await _client.GetThreadAsync(stream.ThreadId!)).Title.Should().Be("Mid-stream title");

        static async IAsyncEnumerable<ThreadStreamEvent> TitleMidStream(ThreadMetadata t)
        {
            await Task.Yield();
            yield return Done(Answer(t, "A"));
            t.Title = "Mid-stream title";
            yield return Done(Answer(t, "B"));
            yield return Done(Answer(t, "C"));
        }
    }

    private static IEnumerable<TestCaseData> ThreadChanges()
    {
        TestCaseData Case(string name, Action<ThreadMetadata> change, string field, string json) => new TestCaseData(change, field, json).SetName(name);
        yield return Case("A title set by the responder at the end is saved and ends the stream as thread.updated", t => t.Title = "Updated title", "title", "\"Updated title\"");
        yield return Case("Metadata set by the responder at the end is saved and ends the stream as thread.updated", t => t.Metadata["test_key"] = "test_value", "metadata", """{"test_key":"test_value"}""");
        yield return Case("A lock set by the responder at the end is saved and ends the stream as thread.updated", t => t.Status = new LockedStatus { Reason = "Because" }, "status", """{"type":"locked","reason":"Because"}""");
        yield return Case("Image domains set by the responder at the end are saved and end the stream as thread.updated", t => t.AllowedImageDomains = ["example.com", "images.example.com"], "allowed_image_domains", """["example.com","images.example.com"]""");
    }

    [TestCaseSource(nameof(ThreadChanges))]
    public async Task A_thread_changed_at_the_end_of_a_stream_is_saved_and_sent_last(Action<ThreadMetadata> change, string field, string json)
    {
        _responder.Script = (t, _, _) => { change(t); return Nothing(); };

        var stream = await CreateAsync("Hello, world!");

        var updated = JsonNode.Parse(stream.Frames[^1])!;
        updated["type"]!.GetValue<string>().Should().Be("thread.updated");
        if (field == "metadata")
        {
            // The integration's metadata never reaches the client: like the reference, threads are sent with empty metadata.
            updated["thread"]!["metadata"]!.ToJsonString().Should().Be("{}");
            using var scope = _factory.Services.CreateScope();
            var saved = await scope.ServiceProvider.GetRequiredService<IChatKitStore>().LoadThreadAsync(stream.ThreadId!, Alice);
            saved.Metadata.ToJsonString().Should().Be(json);
            return;
        }
        updated["thread"]![field]!.ToJsonString().Should().Be(json);
        (await Wire.ThreadAsync(_client, stream.ThreadId!))[field]!.ToJsonString().Should().Be(json, "it was saved");
        if (field != "allowed_image_domains")
        {
            JsonNode.Parse(stream.Frames[0])!["thread"]!.AsObject().ContainsKey("allowed_image_domains").Should().BeFalse("unset image domains are left out of thread.created");
            updated["thread"]!.AsObject().ContainsKey("allowed_image_domains").Should().BeFalse("and of thread.updated");
        }
    }

    // Items removed and replaced by the stream.

    [Test]
    public async Task Removed_and_replaced_items_are_saved_as_the_stream_says_and_a_replacement_keeps_its_place()
    {
        _responder.Script = (t, _, _) => TestResponder.Events(
            Done(new UserMessageItem { Id = "msg_to_remove", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = [new UserMessageTextContent { Text = "To be removed" }] }),
            new ThreadItemRemovedEvent { ItemId = "msg_to_remove" },
            Done(new UserMessageItem { Id = "msg_to_replace", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Content = [new UserMessageTextContent { Text = "Original content" }] }),
            Done(new WidgetItem { Id = "widget_to_replace", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Widget = new Card { Children = [new Text { Value = "Original widget content" }] } }),
            new ThreadItemReplacedEvent { Item = Answer(t, "This is the replacement content", "msg_to_replace") },
            new ThreadItemReplacedEvent { Item = new WidgetItem { Id = "widget_to_replace", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Widget = new Card { Children = [new Text { Value = "Replaced widget content" }] } } });

        var stream = await CreateAsync("Trigger");

        stream.Events.OfType<ThreadItemRemovedEvent>().Single().ItemId.Should().Be("msg_to_remove");
        stream.Events.OfType<ThreadItemReplacedEvent>().Select(e => e.Item.Id).Should().Equal("msg_to_replace", "widget_to_replace");
        var items = await ItemsAsync(stream.ThreadId!);
        items.Select(i => (i.Id, i.Kind)).Skip(1).Should().Equal(("msg_to_replace", "assistant_message"), ("widget_to_replace", "widget"));
        TextOf(items[1]).Should().Be("This is the replacement content");
        ((Text)((Card)items[2].Should().BeOfType<WidgetItem>().Subject.Widget).Children[0]).Value.Should().Be("Replaced widget content");
    }

    [Test]
    public async Task A_workflow_is_saved_with_the_tasks_of_its_done_event_once()
    {
        _responder.Script = (t, _, _) =>
        {
            var task = new CustomTask { Title = "foo", Content = "bar" };
            var workflow = new WorkflowItem { Id = "workflow-item", ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Workflow = new Workflow() };
            return TestResponder.Events(
                new ThreadItemAddedEvent { Item = workflow },
                new ThreadItemUpdatedEvent { ItemId = workflow.Id, Update = new WorkflowTaskAdded { TaskIndex = 0, Task = task } },
                Done(new WorkflowItem { Id = workflow.Id, ThreadId = t.Id, CreatedAt = workflow.CreatedAt, Workflow = new Workflow { Tasks = [task] } }));
        };

        var stream = await CreateAsync("Hello");

        DoneItems<WorkflowItem>(stream).Single().Workflow.Tasks.Should().ContainSingle();
        var stored = (await ItemsAsync(stream.ThreadId!)).OfType<WorkflowItem>().Single();
        stored.Workflow.Tasks.Select(x => x.Should().BeOfType<CustomTask>().Subject.Title).Should().Equal("foo");
    }

    // Errors from the responder.

    private static IEnumerable<TestCaseData> Failures()
    {
        yield return new TestCaseData(new InvalidOperationException("Test error"), "stream.error", true, null).SetName("Any exception in a responder ends the stream with a retryable stream.error");
        yield return new TestCaseData(new StreamError(ErrorCodes.StreamError, allowRetry: false), "stream.error", false, null).SetName("A StreamError ends the stream with its code");
        yield return new TestCaseData(new CustomStreamError("Try tomorrow", allowRetry: true), "custom", true, "Try tomorrow").SetName("A CustomStreamError ends the stream with its message");
    }

    [TestCaseSource(nameof(Failures))]
    public async Task A_failing_responder_ends_the_stream_with_an_error_event(Exception failure, string code, bool retry, string? message)
    {
        _responder.Script = (t, _, _) => Fail(failure);

        var stream = await CreateAsync("Test error");

        var error = stream.Events[^1].Should().BeOfType<ErrorEvent>().Subject;
        (error.Code, error.AllowRetry, error.Message).Should().Be((code, retry, message));
        Types(stream).Should().Equal("thread.created", "thread.item.done", "stream_options", "error");

        static async IAsyncEnumerable<ThreadStreamEvent> Fail(Exception failure)
        {
            await Task.Yield();
            if (failure is not null) throw failure;
            yield break;
        }
    }

    [Test]
    public async Task A_responder_failing_mid_answer_keeps_the_partial_answer_before_the_error_differing_on_purpose()
    {
        // Differs from the reference on purpose (issue 4, README's error section): the reference sends only the error
        // and keeps nothing; we finish and save what the user already saw, so a reload shows what the stream showed.
        _responder.Script = (t, _, _) => PartialThenFail(t);

        var stream = await CreateAsync("Hello");

        Types(stream).Should().Equal("thread.created", "thread.item.done", "stream_options", "thread.item.added", "thread.item.updated", "thread.item.updated", "thread.item.done", "error");
        var items = await ItemsAsync(stream.ThreadId!);
        items.Select(i => i.Kind).Should().Equal("user_message", "assistant_message");
        TextOf(items[1]).Should().Be("partial");

        static async IAsyncEnumerable<ThreadStreamEvent> PartialThenFail(ThreadMetadata t)
        {
            await Task.Yield();
            var answer = new AssistantMessageStream(t.Id);
            foreach (var ev in answer.Begin()) yield return ev;
            yield return answer.Append("partial");
            throw new InvalidOperationException("upstream dropped");
        }
    }

    // Creating a thread and adding messages.

    [Test]
    public async Task A_new_thread_streams_the_thread_then_the_message_with_its_quoted_text_and_the_responder_gets_the_tool_choice()
    {
        var inputs = new List<UserMessageItem?>();
        _responder.Script = (t, input, _) => { inputs.Add(input); return TestResponder.Events(Done(Answer(t, "ok"))); };
        var input = ChatKitClient.Text("Hello, world!");
        input.QuotedText = "Quoted text";
        input.InferenceOptions = new() { ToolChoice = new() { Id = "web_search" } };

        var created = await StreamAsync(new ThreadsCreateRequest { Params = new() { Input = input } });

        var thread = JsonNode.Parse(created.Frames[0])!;
        thread["type"]!.GetValue<string>().Should().Be("thread.created");
        thread["thread"]!.AsObject().ContainsKey("title").Should().BeFalse("a new thread has no title");
        var message = DoneItems<UserMessageItem>(created).Single();
        (message.Text, message.QuotedText).Should().Be(("Hello, world!", "Quoted text"));
        created.Events.OfType<StreamOptionsEvent>().Single().StreamOptions.AllowCancel.Should().BeTrue("the user may stop an answer");
        inputs[0]!.InferenceOptions.ToolChoice!.Id.Should().Be("web_search");

        var second = ChatKitClient.Text("Second");
        second.InferenceOptions = new() { ToolChoice = new() { Id = "retrieval" } };
        await _client.AddUserMessageAsync(created.ThreadId!, second).CollectAsync();
        inputs[1]!.InferenceOptions.ToolChoice!.Id.Should().Be("retrieval");

        (await _client.UpdateThreadAsync(created.ThreadId!, "New Title")).Title.Should().Be("New Title");
    }

    // Where we answer differently on purpose (README, "Errors"): a clear status before any stream starts.

    private static IEnumerable<TestCaseData> KeptOnPurpose()
    {
        TestCaseData Case(string name, Func<string, string, ChatKitRequest> request, HttpStatusCode status) => new TestCaseData(request, status).SetName(name);
        yield return Case("items.list of an unknown thread is 404 (the reference answers an empty page)",
            (_, _) => new ItemsListRequest { Params = new() { ThreadId = "thr_unknown" } }, HttpStatusCode.NotFound);
        yield return Case("items.feedback on an unknown thread is 404 (the reference hands it to its hook and answers an empty object)",
            (_, _) => new ItemsFeedbackRequest { Params = new() { ThreadId = "thr_unknown", ItemIds = ["msg_x"], Kind = FeedbackKind.Positive } }, HttpStatusCode.NotFound);
        yield return Case("items.feedback on an unknown item is 404 (the reference hands it to its hook and answers an empty object)",
            (thread, _) => new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = ["msg_unknown"], Kind = FeedbackKind.Positive } }, HttpStatusCode.NotFound);
        yield return Case("threads.retry_after_item on an unknown item is 404 before the stream (the reference answers an empty stream)",
            (thread, _) => new ThreadsRetryAfterItemRequest { Params = new() { ThreadId = thread, ItemId = "msg_unknown" } }, HttpStatusCode.NotFound);
        yield return Case("threads.create with an unknown attachment is 404 before the stream (the reference fails after thread.created)",
            (_, _) => new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("look", "atc_unknown") } }, HttpStatusCode.NotFound);
        yield return Case("threads.custom_action without an action handler is 400 (the reference streams an error event)",
            (thread, widget) => new ThreadsCustomActionRequest { Params = new() { ThreadId = thread, ItemId = widget, Action = new() { Type = "x" } } }, HttpStatusCode.BadRequest);
        yield return Case("threads.sync_custom_action without an action handler is 400 (the reference fails with a server error)",
            (thread, widget) => new ThreadsSyncCustomActionRequest { Params = new() { ThreadId = thread, ItemId = widget, Action = new() { Type = "x" } } }, HttpStatusCode.BadRequest);
        yield return Case("threads.custom_action from an unknown item is 404 before the stream (the reference fails after the stream's headers)",
            (thread, _) => new ThreadsCustomActionRequest { Params = new() { ThreadId = thread, ItemId = "msg_unknown", Action = new() { Type = "x" } } }, HttpStatusCode.NotFound);
        yield return Case("threads.sync_custom_action from an unknown item is 404 (the reference fails with a server error)",
            (thread, _) => new ThreadsSyncCustomActionRequest { Params = new() { ThreadId = thread, ItemId = "msg_unknown", Action = new() { Type = "x" } } }, HttpStatusCode.NotFound);
        yield return Case("input.transcribe without a transcriber is 400 (the reference fails with a server error)",
            (_, _) => new InputTranscribeRequest { Params = new() { AudioBase64 = "aGVsbG8=", MimeType = "audio/webm" } }, HttpStatusCode.BadRequest);
    }

    [TestCaseSource(nameof(KeptOnPurpose))]
    public async Task Kept_on_purpose_a_clear_status_and_nothing_changed(Func<string, string, ChatKitRequest> request, HttpStatusCode status)
    {
        _responder.Script = (t, _, _) => TestResponder.Events(Done(new WidgetItem { Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = ChatKitClock.Now(), Widget = Chart }));
        var stream = await CreateAsync("Hello");
        var widget = DoneItems<WidgetItem>(stream).Single().Id;
        var before = await _client.SendRawAsync(new ThreadsListRequest()) + (await ItemsAsync(stream.ThreadId!)).Count;

        using var response = await _client.Http.PostAsync("/chatkit", Wire.Body(request(stream.ThreadId!, widget)));

        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await _client.SendRawAsync(new ThreadsListRequest()) + (await ItemsAsync(stream.ThreadId!)).Count).Should().Be(before);
    }
}

internal static class ReferenceParityExtensions
{
    /// <summary>Every value of a property named <paramref name="name"/>, anywhere in the JSON.</summary>
    public static IEnumerable<JsonNode> DescendantsNamed(this JsonNode node, string name)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (value is null) continue;
                    if (key == name) yield return value;
                    foreach (var inner in value.DescendantsNamed(name)) yield return inner;
                }
                break;
            case JsonArray a:
                foreach (var value in a.OfType<JsonNode>())
                    foreach (var inner in value.DescendantsNamed(name)) yield return inner;
                break;
        }
    }
}
