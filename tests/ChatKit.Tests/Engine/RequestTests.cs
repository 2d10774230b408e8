using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.Tests.Engine;

/// <summary>The reference behaviour of each non-chat request type.</summary>
public class RequestTests
{
    private EngineHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new EngineHarness();

    private static string Req(string type, JsonObject @params) =>
        new JsonObject { ["type"] = type, ["params"] = @params }.ToJsonString();

    [Test]
    public async Task Get_by_id_returns_the_thread_with_its_first_20_items_ascending()
    {
        var id = await _h.NewThreadAsync("q0", "a0");
        for (var i = 1; i < 12; i++)
        {
            _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "a");
            await _h.StreamAsync(EngineHarness.AddMessage(id, "q" + i));
        }

        var thread = await _h.JsonAsync(Req("threads.get_by_id", new() { ["thread_id"] = id }));

        thread["id"]!.GetValue<string>().Should().Be(id);
        var data = thread["items"]!["data"]!.AsArray();
        data.Should().HaveCount(20);
        data[0]!["content"]![0]!["text"]!.GetValue<string>().Should().Be("q0");
        thread["items"]!["has_more"]!.GetValue<bool>().Should().BeTrue();
        thread["status"]!["type"]!.GetValue<string>().Should().Be("active");
    }

    [Test]
    public async Task Threads_list_pages_with_after_cursor_newest_first_by_default()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await _h.NewThreadAsync("t" + i));

        var first = await _h.JsonAsync(Req("threads.list", new() { ["limit"] = 2 }));
        var page1 = first["data"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToList();
        page1.Should().Equal(ids[4], ids[3]);
        first["has_more"]!.GetValue<bool>().Should().BeTrue();
        first["after"]!.GetValue<string>().Should().Be(ids[3]);
        first["data"]![0]!["items"]!["data"]!.AsArray().Should().BeEmpty();

        var rest = await _h.JsonAsync(Req("threads.list", new() { ["limit"] = 10, ["after"] = ids[3] }));
        rest["data"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).Should().Equal(ids[2], ids[1], ids[0]);
        rest["has_more"]!.GetValue<bool>().Should().BeFalse();

        var asc = await _h.JsonAsync(Req("threads.list", new() { ["order"] = "asc" }));
        asc["data"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).Should().Equal(ids);
    }

    [TestCase(0)]
    [TestCase(-5)]
    [TestCase(100_000)]
    public async Task A_limit_out_of_range_is_a_validation_error(int limit)
    {
        var act = () => _h.JsonAsync(Req("threads.list", new() { ["limit"] = limit }));
        (await act.Should().ThrowAsync<ChatKitValidationException>()).Which.Message.Should().Contain("limit");
    }

    [Test]
    public async Task Update_renames_and_delete_removes_and_unknown_threads_are_not_found()
    {
        var id = await _h.NewThreadAsync();

        var updated = await _h.JsonAsync(Req("threads.update", new() { ["thread_id"] = id, ["title"] = "Renamed" }));
        updated["title"]!.GetValue<string>().Should().Be("Renamed");
        (await _h.Store.LoadThreadAsync(id, _h.Context)).Title.Should().Be("Renamed");

        var tooLong = () => _h.JsonAsync(Req("threads.update", new() { ["thread_id"] = id, ["title"] = new string('x', 1000) }));
        await tooLong.Should().ThrowAsync<ChatKitValidationException>();

        (await _h.JsonAsync(Req("threads.delete", new() { ["thread_id"] = id }))).ToJsonString().Should().Be("{}");
        var gone = () => _h.JsonAsync(Req("threads.get_by_id", new() { ["thread_id"] = id }));
        await gone.Should().ThrowAsync<ChatKitNotFoundException>();
        var missing = () => _h.StreamAsync(EngineHarness.AddMessage("thr_missing", "hi"));
        await missing.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Another_users_thread_is_not_found()
    {
        var id = await _h.NewThreadAsync();
        var other = new ChatKitContext { UserId = "user-2" };
        var act = () => _h.Engine.ProcessAsync(ChatKitRequestParser.Parse(Req("threads.get_by_id", new() { ["thread_id"] = id })), other);
        await act.Should().ThrowAsync<ChatKitNotFoundException>();
        var list = (ChatKitJsonResponse)await _h.Engine.ProcessAsync(ChatKitRequestParser.Parse(Req("threads.list", new())), other);
        JsonNode.Parse(list.Json)!["data"]!.AsArray().Should().BeEmpty();
    }

    [Test]
    public async Task Feedback_is_saved_for_existing_items_and_refused_for_unknown_ones()
    {
        var id = await _h.NewThreadAsync();
        var answer = (await _h.ItemsAsync(id)).Last();

        var ok = await _h.JsonAsync(Req("items.feedback", new() { ["thread_id"] = id, ["item_ids"] = new JsonArray(answer.Id), ["kind"] = "negative" }));
        ok.ToJsonString().Should().Be("{}");
        _h.Store.FeedbackFor(id, answer.Id, _h.Context).Should().Be(FeedbackKind.Negative);

        var unknown = () => _h.JsonAsync(Req("items.feedback", new() { ["thread_id"] = id, ["item_ids"] = new JsonArray("msg_nope"), ["kind"] = "positive" }));
        await unknown.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Retry_after_item_deletes_every_later_item_and_answers_the_user_message_again()
    {
        var id = await _h.NewThreadAsync("first", "answer 1");
        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "answer 2");
        await _h.StreamAsync(EngineHarness.AddMessage(id, "second"));
        var firstQuestion = (await _h.ItemsAsync(id))[0];

        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "better answer 1");
        var events = await _h.StreamAsync(Req("threads.retry_after_item", new() { ["thread_id"] = id, ["item_id"] = firstQuestion.Id }));

        events[0].Should().BeOfType<StreamOptionsEvent>();
        _h.Responder.Calls.Last().Input!.Id.Should().Be(firstQuestion.Id);
        var items = await _h.ItemsAsync(id);
        items.Select(i => i is AssistantMessageItem a ? a.Text : ((UserMessageItem)i).Text).Should().Equal("first", "better answer 1");

        var notUser = () => _h.StreamAsync(Req("threads.retry_after_item", new() { ["thread_id"] = id, ["item_id"] = items[1].Id }));
        (await notUser.Should().ThrowAsync<ChatKitValidationException>()).Which.Message.Should().Contain("user message");
    }

    [Test]
    public async Task Client_tool_output_completes_the_pending_call_and_resumes_without_a_new_message()
    {
        _h.Responder.Script = (t, _, _) => AskClient(t);
        var created = await _h.StreamAsync(EngineHarness.Create("where am I?"));
        var id = created.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        var call = created.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<ClientToolCallItem>().Single();
        call.Status.Should().Be(ClientToolCallStatus.Pending);

        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "You are in Paris");
        var events = await _h.StreamAsync(Req("threads.add_client_tool_output", new() { ["thread_id"] = id, ["result"] = new JsonObject { ["City"] = "Paris" } }));

        _h.Responder.Calls.Last().Input.Should().BeNull();
        events[0].Should().BeOfType<StreamOptionsEvent>();
        var stored = (ClientToolCallItem)await _h.Store.LoadItemAsync(id, call.Id, _h.Context);
        stored.Status.Should().Be(ClientToolCallStatus.Completed);
        stored.Output!["City"]!.GetValue<string>().Should().Be("Paris");

        var again = () => _h.StreamAsync(Req("threads.add_client_tool_output", new() { ["thread_id"] = id, ["result"] = 1 }));
        await again.Should().ThrowAsync<ChatKitConflictException>();

        static async IAsyncEnumerable<ThreadStreamEvent> AskClient(ThreadMetadata t)
        {
            await Task.Yield();
            yield return new ThreadItemDoneEvent
            {
                Item = new ClientToolCallItem { Id = ChatKitIds.ToolCall(), ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow, CallId = "call_1", Name = "get_location", Arguments = new JsonObject { ["precise"] = true } },
            };
        }
    }

    [Test]
    public async Task Structured_input_answers_skip_omitted_questions_and_keep_one_value_for_single_choice()
    {
        _h.Responder.Script = (t, _, _) => Ask(t);
        var created = await _h.StreamAsync(EngineHarness.Create("plan a trip"));
        var id = created.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        var item = created.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<StructuredInputItem>().Single();

        _h.Responder.Script = (t, _, _) => ScriptedResponder.Text(t, "Noted");
        var submission = new JsonObject
        {
            ["status"] = "answered",
            ["answers"] = new JsonObject
            {
                ["dest"] = new JsonObject { ["values"] = new JsonArray("Rome", "Oslo") },
                ["multi"] = new JsonObject { ["values"] = new JsonArray("a", "b") },
                ["unknown_q"] = new JsonObject { ["values"] = new JsonArray("x") },
            },
        };
        var events = await _h.StreamAsync(Req("threads.add_structured_input", new() { ["thread_id"] = id, ["item_id"] = item.Id, ["input"] = submission }));

        var replaced = events.OfType<ThreadItemReplacedEvent>().Single().Item.Should().BeOfType<StructuredInputItem>().Subject;
        replaced.Status.Should().Be(StructuredInputStatus.Answered);
        replaced.Inputs[0].Answer!.Values.Should().Equal("Rome");
        replaced.Inputs[1].Answer!.Skipped.Should().BeTrue();
        replaced.Inputs[2].Answer!.Values.Should().Equal("a", "b");
        var stored = (StructuredInputItem)await _h.Store.LoadItemAsync(id, item.Id, _h.Context);
        stored.Status.Should().Be(StructuredInputStatus.Answered);
        _h.Logger.Entries.Should().Contain(e => e.Message.Contains("unknown_q"));

        var twice = () => _h.StreamAsync(Req("threads.add_structured_input", new() { ["thread_id"] = id, ["item_id"] = item.Id, ["input"] = submission.DeepClone() }));
        await twice.Should().ThrowAsync<ChatKitConflictException>();

        static async IAsyncEnumerable<ThreadStreamEvent> Ask(ThreadMetadata t)
        {
            await Task.Yield();
            yield return new ThreadItemDoneEvent
            {
                Item = new StructuredInputItem
                {
                    Id = ChatKitIds.Message(), ThreadId = t.Id, CreatedAt = DateTimeOffset.UtcNow,
                    Inputs =
                    [
                        new StructuredInputMultipleChoice { Id = "dest", Question = "Where?", Options = [new() { Value = "Rome" }, new() { Value = "Oslo" }] },
                        new StructuredInputFreeform { Id = "notes", Question = "Anything else?" },
                        new StructuredInputMultipleChoice { Id = "multi", Question = "Pick", Multiple = true, Options = [new() { Value = "a" }, new() { Value = "b" }] },
                    ],
                },
            };
        }
    }

    [Test]
    public async Task Transcription_without_a_transcriber_is_not_supported_and_bad_base64_is_refused()
    {
        var none = () => _h.JsonAsync(Req("input.transcribe", new() { ["audio_base64"] = "AAAA", ["mime_type"] = "audio/webm" }));
        (await none.Should().ThrowAsync<ChatKitNotSupportedException>()).Which.StatusCode.Should().Be(400);

        _h.Transcriber = new FakeTranscriber();
        _h = Rebuild(_h);
        var ok = await _h.JsonAsync(Req("input.transcribe", new() { ["audio_base64"] = Convert.ToBase64String("hello"u8.ToArray()), ["mime_type"] = "audio/webm;codecs=opus" }));
        ok["text"]!.GetValue<string>().Should().Be("5 bytes of audio/webm;codecs=opus");

        var bad = () => _h.JsonAsync(Req("input.transcribe", new() { ["audio_base64"] = "not base64!", ["mime_type"] = "audio/webm" }));
        (await bad.Should().ThrowAsync<ChatKitValidationException>()).Which.Message.Should().Contain("base64");
    }

    [Test]
    public async Task Attachments_are_created_carried_by_the_message_with_thread_id_and_deleted()
    {
        var files = new FakeAttachmentStore();
        _h.Attachments = files;
        var created = await _h.JsonAsync(Req("attachments.create", new() { ["name"] = "cat.png", ["size"] = 10, ["mime_type"] = "image/png" }));
        var attachmentId = created["id"]!.GetValue<string>();
        created["type"]!.GetValue<string>().Should().Be("image");
        created["upload_descriptor"]!["method"]!.GetValue<string>().Should().Be("POST");
        created.AsObject().ContainsKey("metadata").Should().BeFalse("attachment metadata never goes on the wire");

        var create = """{"type":"threads.create","params":{"input":""" + EngineHarness.Input("look", attachmentId) + "}}";
        var early = () => _h.StreamAsync(create);
        (await early.Should().ThrowAsync<ChatKitConflictException>()).Which.Message.Should().Contain("not been uploaded");
        var uploaded = await _h.Store.LoadAttachmentAsync(attachmentId, _h.Context);
        uploaded.UploadDescriptor = null; // what the upload endpoint does once the bytes arrived
        await _h.Store.SaveAttachmentAsync(uploaded, _h.Context);
        var events = await _h.StreamAsync(create);
        var message = events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<UserMessageItem>().Single();
        var threadId = events.OfType<ThreadCreatedEvent>().Single().Thread.Id;
        message.Attachments.Should().ContainSingle().Which.ThreadId.Should().Be(threadId);
        (await _h.Store.LoadAttachmentAsync(attachmentId, _h.Context)).ThreadId.Should().Be(threadId);

        var unknown = () => _h.StreamAsync("""{"type":"threads.create","params":{"input":""" + EngineHarness.Input("x", "atc_missing") + "}}");
        await unknown.Should().ThrowAsync<ChatKitNotFoundException>();
        (await _h.Store.LoadThreadsAsync(100, null, SortOrder.Asc, _h.Context)).Data.Should().ContainSingle("a refused request writes nothing");

        (await _h.JsonAsync(Req("attachments.delete", new() { ["attachment_id"] = attachmentId }))).ToJsonString().Should().Be("{}");
        files.Deleted.Should().Equal(attachmentId);
        var gone = () => _h.Store.LoadAttachmentAsync(attachmentId, _h.Context);
        await gone.Should().ThrowAsync<ChatKitNotFoundException>();
    }

    [Test]
    public async Task Custom_action_streams_the_handlers_answer_and_a_non_widget_sender_gets_an_error_event()
    {
        var handler = new FakeActionHandler();
        _h.Actions = handler;
        var id = await _h.NewThreadAsync();
        var assistant = (await _h.ItemsAsync(id)).Last();

        var events = await _h.StreamAsync(Req("threads.custom_action", new() { ["thread_id"] = id, ["action"] = new JsonObject { ["type"] = "refresh", ["payload"] = new JsonObject { ["Key"] = 1 } } }));
        events[0].Should().BeOfType<StreamOptionsEvent>();
        events.OfType<ProgressUpdateEvent>().Single().Text.Should().Be("action refresh from none");
        handler.Payloads.Single()!["Key"]!.GetValue<int>().Should().Be(1);

        var fromMessage = await _h.StreamAsync(Req("threads.custom_action", new() { ["thread_id"] = id, ["item_id"] = assistant.Id, ["action"] = new JsonObject { ["type"] = "x" } }));
        var error = fromMessage.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>().Subject;
        (error.Code, error.AllowRetry).Should().Be(("stream.error", false));

        var sync = () => _h.JsonAsync(Req("threads.sync_custom_action", new() { ["thread_id"] = id, ["item_id"] = assistant.Id, ["action"] = new JsonObject { ["type"] = "x" } }));
        await sync.Should().ThrowAsync<ChatKitValidationException>();
    }

    [Test]
    public async Task Sync_custom_action_returns_the_updated_item_and_saves_it()
    {
        _h.Actions = new FakeActionHandler();
        var id = await _h.NewThreadAsync();

        var result = await _h.JsonAsync(Req("threads.sync_custom_action", new() { ["thread_id"] = id, ["action"] = new JsonObject { ["type"] = "note" } }));

        var itemId = result["updated_item"]!["id"]!.GetValue<string>();
        (await _h.Store.LoadItemAsync(id, itemId, _h.Context)).Should().BeOfType<AssistantMessageItem>().Which.Text.Should().Be("noted");
    }

    [Test]
    public async Task Actions_without_a_handler_are_not_supported()
    {
        var id = await _h.NewThreadAsync();
        var act = () => _h.StreamAsync(Req("threads.custom_action", new() { ["thread_id"] = id, ["action"] = new JsonObject { ["type"] = "x" } }));
        await act.Should().ThrowAsync<ChatKitNotSupportedException>();
    }

    [Test]
    public async Task Sync_action_on_a_locked_thread_is_a_conflict()
    {
        _h.Actions = new FakeActionHandler();
        var id = await _h.NewThreadAsync();
        var thread = await _h.Store.LoadThreadAsync(id, _h.Context);
        thread.Status = new LockedStatus();
        await _h.Store.SaveThreadAsync(thread, _h.Context);

        var act = () => _h.JsonAsync(Req("threads.sync_custom_action", new() { ["thread_id"] = id, ["action"] = new JsonObject { ["type"] = "x" } }));
        (await act.Should().ThrowAsync<ChatKitConflictException>()).Which.StatusCode.Should().Be(409);
    }

    private static EngineHarness Rebuild(EngineHarness old) => new() { Transcriber = old.Transcriber, Actions = old.Actions, Attachments = old.Attachments };

    private sealed class FakeTranscriber : IChatKitTranscriber
    {
        public Task<TranscriptionResult> TranscribeAsync(ReadOnlyMemory<byte> audio, string mimeType, ChatKitContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new TranscriptionResult { Text = $"{audio.Length} bytes of {mimeType}" });
    }

    private sealed class FakeAttachmentStore : IChatKitAttachmentStore
    {
        public List<string> Deleted { get; } = [];

        public Task<Attachment> CreateAttachmentAsync(AttachmentCreateParams request, ChatKitContext context, CancellationToken cancellationToken)
        {
            var id = ChatKitIds.Attachment();
            Attachment a = request.MimeType.StartsWith("image/")
                ? new ImageAttachment { Id = id, Name = request.Name, MimeType = request.MimeType, PreviewUrl = "https://files.test/" + id, Metadata = new JsonObject { ["path"] = "/secret" } }
                : new FileAttachment { Id = id, Name = request.Name, MimeType = request.MimeType };
            a.UploadDescriptor = new AttachmentUploadDescriptor { Url = "https://files.test/upload/" + id, Method = "POST" };
            return Task.FromResult(a);
        }

        public Task DeleteAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken)
        {
            Deleted.Add(attachment.Id);
            return Task.CompletedTask;
        }
    }

    private sealed class FakeActionHandler : IChatKitActionHandler
    {
        public List<JsonNode?> Payloads { get; } = [];

        public async IAsyncEnumerable<ThreadStreamEvent> ActAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            Payloads.Add(action.Payload);
            yield return ResponderEvents.Progress($"action {action.Type} from {sender?.Id ?? "none"}");
        }

        public Task<SyncCustomActionResponse> ActSyncAsync(ThreadMetadata thread, ChatKitAction action, WidgetItem? sender, ChatKitContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new SyncCustomActionResponse
            {
                UpdatedItem = new AssistantMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new() { Text = "noted" }] },
            });
    }
}
