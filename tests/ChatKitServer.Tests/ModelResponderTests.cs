using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Json;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>The OpenAI-compatible responder against a scripted upstream on loopback.</summary>
public class ModelResponderTests
{
    private ScriptedUpstream _upstream = null!;
    private ServerFactory _factory = null!;
    private ChatKitClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        Start(_upstream.Settings());
    }

    private void Start(Dictionary<string, string?> settings)
    {
        _factory?.Dispose();
        _factory = new ServerFactory(settings);
        _client = _factory.ClientFor("alice");
    }

    [TearDown]
    public async Task TearDown()
    {
        _factory.Dispose();
        await _upstream.DisposeAsync();
    }

    private async Task<List<ThreadItem>> ItemsAsync(string threadId) => (await _client.ListItemsAsync(threadId, limit: 100, order: SortOrder.Asc)).Data;

    private Task<ChatKitTurn> CreateAsync(string text) => _client.CreateThreadAsync(ChatKitClient.Text(text)).CollectAsync();

    private Task<ChatKitTurn> AddAsync(string threadId, string text) => _client.AddUserMessageAsync(threadId, ChatKitClient.Text(text)).CollectAsync();

    [Test]
    public async Task Each_token_is_a_text_delta_and_the_answer_and_its_usage_are_saved()
    {
        _upstream.Enqueue(Reply.Text("Bon", "jour", " !"));

        var stream = await _client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("Say hello") } }).CollectAsync();

        var deltas = stream.Events.OfType<ThreadItemUpdatedEvent>().Select(e => e.Update).OfType<AssistantMessageContentPartTextDelta>().Select(d => d.Delta);
        deltas.Should().Equal("Bon", "jour", " !");
        stream.Should().HaveAssistantText("Bonjour !");
        stream.ProgressUpdates[0].Should().Be("Analyzing your request...");

        var request = _upstream.Requests.Single();
        request["model"]!.GetValue<string>().Should().Be("test-model");
        request["stream"]!.GetValue<bool>().Should().BeTrue();
        var messages = request["messages"]!.AsArray();
        messages[0]!["role"]!.GetValue<string>().Should().Be("system");
        messages.Last()!["role"]!.GetValue<string>().Should().Be("user");
        messages.Last()!["content"]!.ToJsonString().Should().Contain("Say hello");

        using var scope = _factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
        var all = await store.LoadThreadItemsAsync(stream.ThreadId!, null, 100, SortOrder.Asc, new ChatKitContext { UserId = "alice" });
        var usage = all.Data.OfType<HiddenContextItem>().Single().Content!;
        usage["kind"]!.GetValue<string>().Should().Be("usage");
        usage["prompt_tokens"]!.GetValue<int>().Should().Be(11);
        usage["completion_tokens"]!.GetValue<int>().Should().Be(7);
        usage["item_id"]!.GetValue<string>().Should().Be(all.Data.OfType<AssistantMessageItem>().Single().Id);
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task The_second_turn_sends_the_history_and_the_locale_reaches_the_system_prompt()
    {
        _upstream.Enqueue(Reply.Text("Paris is in France.")).Enqueue(Reply.Text("About 2 million."));
        var first = await CreateAsync("Where is Paris?");

        _client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("fr"));
        var second = await AddAsync(first.ThreadId!, "How many people live there?");

        second.ProgressUpdates[0].Should().Be("Analyse de votre demande...");
        var messages = _upstream.Requests[1]["messages"]!.AsArray().Select(m => (Role: (string)m!["role"]!, Text: m["content"]?.ToJsonString() ?? "")).ToList();
        messages.Select(m => m.Role).Should().Equal("system", "user", "assistant", "user");
        messages[1].Text.Should().Contain("Where is Paris?");
        messages[2].Text.Should().Contain("Paris is in France.");
        messages[0].Text.Should().Contain("locale is fr");
    }

    [Test]
    public async Task A_tool_call_streamed_in_pieces_runs_shows_localized_progress_and_its_result_goes_back()
    {
        _upstream.Enqueue(Reply.Text("Noted."));
        var old = await CreateAsync("My cat is called Miso");
        _upstream.Enqueue(Reply.ToolCall("call_1", "search_threads", "{\"que", "ry\":\"Miso\"}"))
                 .Enqueue(Reply.Text("You told me about Miso before."));

        _client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("de"));
        var stream = await CreateAsync("What is my cat's name?");

        stream.Should().HaveProgressUpdate("Suche nach „Miso“...").And.HaveAssistantText("You told me about Miso before.");
        var followUp = _upstream.Requests[2]["messages"]!.AsArray();
        var call = followUp.Single(m => (string?)m!["role"] == "assistant" && m["tool_calls"] is not null)!;
        call["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>().Should().Be("search_threads");
        var result = followUp.Single(m => (string?)m!["role"] == "tool")!;
        result["tool_call_id"]!.GetValue<string>().Should().Be("call_1");
        result["content"]!.ToJsonString().Should().Contain(old.ThreadId);
        _upstream.Requests[1]["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).Should().Contain("search_threads");
    }

    [Test]
    public async Task The_search_progress_text_cuts_long_queries_to_50_characters()
    {
        var query = new string('q', 80);
        _upstream.Enqueue(Reply.ToolCall("call_1", "search_threads", $"{{\"query\":\"{query}\"}}")).Enqueue(Reply.Text("none"));

        var stream = await CreateAsync("search");

        stream.Should().HaveProgressUpdate($"Searching for \"{new string('q', 50)}…\"...");
    }

    [Test]
    public async Task A_client_tool_ends_the_turn_with_a_pending_call_and_its_output_resumes_the_conversation()
    {
        var settings = _upstream.Settings();
        settings["Assistant:ClientTools:0:Name"] = "get_location";
        settings["Assistant:ClientTools:0:Description"] = "The user's current city";
        Start(settings);
        _upstream.Enqueue(Reply.ToolCall("call_loc", "get_location", "{}")).Enqueue(Reply.Text("You are in Lyon."));

        var first = await CreateAsync("Where am I?");
        var call = first.Items<ClientToolCallItem>().Single();
        call.Status.Should().Be(ClientToolCallStatus.Pending);
        call.Name.Should().Be("get_location");

        var blocked = await AddAsync(first.ThreadId!, "hello?");
        blocked.Notices.Should().ContainSingle();
        _upstream.Requests.Should().HaveCount(1, "no model call while a client tool call is pending");

        var resumed = await _client.AddClientToolOutputAsync(first.ThreadId!, new JsonObject { ["city"] = "Lyon" }).CollectAsync();
        resumed.Should().HaveAssistantText("You are in Lyon.");
        var messages = _upstream.Requests[1]["messages"]!.AsArray();
        messages.Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("Lyon");
    }

    [Test]
    public async Task Model_choice_uses_an_allowed_model_and_refuses_others_and_tool_choice_forces_the_tool()
    {
        var settings = _upstream.Settings();
        settings["Assistant:Models:0"] = "big-model";
        Start(settings);
        _upstream.Enqueue(Reply.Text("from big"));

        var input = ChatKitClient.Text("hi");
        input.InferenceOptions = new() { Model = "big-model", ToolChoice = new() { Id = "search_threads" } };
        await _client.CreateThreadAsync(input).CollectAsync();
        _upstream.Requests[0]["model"]!.GetValue<string>().Should().Be("big-model");
        _upstream.Requests[0]["tool_choice"]!["function"]!["name"]!.GetValue<string>().Should().Be("search_threads");

        input.InferenceOptions = new() { Model = "secret-model" };
        var refused = await _client.CreateThreadAsync(input).CollectAsync();
        var error = refused.Errors.Single();
        error.Message.Should().Contain("secret-model").And.Contain("big-model");
        _upstream.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task The_answer_after_a_client_tool_s_output_comes_from_the_model_the_user_chose_without_forcing_the_tool_again()
    {
        var settings = _upstream.Settings();
        settings["Assistant:Models:0"] = "big-model";
        settings["Assistant:ClientTools:0:Name"] = "get_location";
        settings["Assistant:ClientTools:0:Description"] = "The user's current city";
        Start(settings);
        _upstream.Enqueue(Reply.ToolCall("call_loc", "get_location", "{}")).Enqueue(Reply.Text("You are in Lyon."));

        var input = ChatKitClient.Text("Where am I?");
        input.InferenceOptions = new() { Model = "big-model", ToolChoice = new() { Id = "get_location" } };
        var first = await _client.CreateThreadAsync(input).CollectAsync();
        var resumed = await _client.AddClientToolOutputAsync(first.ThreadId!, new JsonObject { ["city"] = "Lyon" }).CollectAsync();

        resumed.Should().HaveAssistantText("You are in Lyon.");
        _upstream.Requests.Select(r => (string?)r["model"]).Should().Equal(["big-model", "big-model"], "the turn the user sent to big-model goes on there");
        _upstream.Requests[1]["tool_choice"]?.ToJsonString().Should().NotContain("get_location", "the tool was called already");
    }

    [TestCase(500, true)]
    [TestCase(503, true)]
    [TestCase(429, true)]
    [TestCase(400, false)]
    [TestCase(401, false)]
    public async Task Upstream_errors_become_error_events_and_the_next_message_works(int status, bool retry)
    {
        _upstream.Enqueue(Reply.Error(status));

        var failed = await CreateAsync("hi");

        var error = failed.Errors.Single();
        error.AllowRetry.Should().Be(retry);
        if (!retry) error.Message.Should().Contain(status.ToString());
        _upstream.Enqueue(Reply.Text("better now"));
        (await AddAsync(failed.ThreadId!, "again")).Should().HaveAssistantText("better now");
    }

    [Test]
    public async Task A_429_is_retried_honouring_retry_after_before_giving_up()
    {
        Start(_upstream.Settings(maxRetries: 2));
        _upstream.Enqueue(Reply.Error(429, retryAfterSeconds: 1)).Enqueue(Reply.Text("after waiting"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stream = await CreateAsync("hi");

        stream.Should().HaveAssistantText("after waiting");
        _upstream.Requests.Should().HaveCount(2);
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(0.9), "the client waits as Retry-After says");
    }

    [Test]
    public async Task A_stream_that_drops_mid_answer_saves_the_partial_text_and_ends_with_a_retryable_error()
    {
        _upstream.Enqueue(Reply.Text("The answer", " is", " forty") with { DropAfter = 3 });

        var stream = await CreateAsync("question");

        stream.Events.Last().Should().BeOfType<ErrorEvent>().Which.AllowRetry.Should().BeTrue();
        var items = await ItemsAsync(stream.ThreadId!);
        items.Last().Should().BeOfType<AssistantMessageItem>().Which.Content[0].Text.Should().Be("The answer is");
        _upstream.Enqueue(Reply.Text("ok"));
        (await AddAsync(stream.ThreadId!, "again")).Should().HaveAssistantText("ok");
    }

    [Test]
    public async Task A_tool_call_without_an_id_still_runs_and_its_result_goes_back()
    {
        // Some OpenAI-compatible servers (local models) stream a tool call without an id.
        var call = Reply.ToolCall("unused", "search_threads", "{\"query\":\"Miso\"}");
        call.Deltas[0]["tool_calls"]![0]!.AsObject().Remove("id");
        _upstream.Enqueue(call).Enqueue(Reply.Text("Nothing about Miso."));

        var stream = await CreateAsync("What is my cat's name?");

        stream.Should().HaveAssistantText("Nothing about Miso.");
        var followUp = _upstream.Requests[1]["messages"]!.AsArray();
        var id = (string)followUp.Single(m => (string?)m!["role"] == "assistant" && m["tool_calls"] is not null)!["tool_calls"]![0]!["id"]!;
        id.Should().NotBeNullOrEmpty();
        ((string)followUp.Single(m => (string?)m!["role"] == "tool")!["tool_call_id"]!).Should().Be(id);
    }

    [Test]
    public async Task A_stream_that_ends_without_a_finish_reason_is_cut_off_not_a_complete_answer()
    {
        _upstream.Enqueue(Reply.Text("The answer", " is") with { EndsEarly = true });

        var stream = await CreateAsync("question");

        stream.Events.Last().Should().BeOfType<ErrorEvent>().Which.AllowRetry.Should().BeTrue("the answer was cut off; the user may ask again");
        var items = await ItemsAsync(stream.ThreadId!);
        items.Last().Should().BeOfType<AssistantMessageItem>().Which.Content[0].Text.Should().Be("The answer is");
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task A_refusal_is_the_answer_the_user_sees_and_its_usage_is_recorded()
    {
        _upstream.Enqueue(new Reply
        {
            Deltas =
            [
                new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = "" },
                new JsonObject { ["refusal"] = "I'm sorry, " },
                new JsonObject { ["refusal"] = "I can't help with that." },
            ],
        });

        var stream = await CreateAsync("something the model declines");

        stream.Should().HaveAssistantText("I'm sorry, I can't help with that.");
        stream.Events.Should().NotContain(e => e is ErrorEvent);
        using var scope = _factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
        var all = await store.LoadThreadItemsAsync(stream.ThreadId!, null, 100, SortOrder.Asc, new ChatKitContext { UserId = "alice" });
        all.Data.OfType<HiddenContextItem>().Single().Content!["kind"]!.GetValue<string>().Should().Be("usage");
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [TestCase("content_filter", new string[0], "fr", "Le filtre de contenu du service du modèle a arrêté cette réponse.")]
    [TestCase("content_filter", new[] { "Here is", " how" }, "en", "The content filter of the model service stopped this answer.")]
    [TestCase("length", new[] { "A long", " answ" }, "de", "Die Antwort hat die Längengrenze des Modells erreicht und wurde abgeschnitten.")]
    public async Task An_answer_the_model_service_stopped_tells_the_user_why(string finish, string[] chunks, string locale, string notice)
    {
        _upstream.Enqueue(Reply.Text(chunks) with { FinishReason = finish });

        _client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(locale));
        var stream = await CreateAsync("question");

        stream.Should().HaveAssistantText(string.Concat(chunks));
        stream.Notices.Select(n => n.Message).Should().Equal(notice);
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task A_refusal_that_comes_with_a_tool_call_is_shown_once()
    {
        var call = Reply.ToolCall("call_1", "recall", "{}");
        call.Deltas.Insert(0, new JsonObject { ["role"] = "assistant", ["refusal"] = "Not that part." });
        _upstream.Enqueue(call).Enqueue(Reply.Text("Nothing saved."));

        var stream = await CreateAsync("recall everything");

        stream.Items<AssistantMessageItem>().Select(m => m.Content[0].Text).Should().Equal("Not that part.", "Nothing saved.");
    }

    [Test]
    public async Task A_client_that_disconnects_aborts_the_upstream_call()
    {
        _upstream.Enqueue(Reply.Text(Enumerable.Range(0, 200).Select(i => "w" + i + " ").ToArray()) with { Delay = TimeSpan.FromMilliseconds(50) });

        await foreach (var ev in _client.CreateThreadAsync(ChatKitClient.Text("long")))
        {
            if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta { Delta: "w2 " } })
                break; // the client goes away: leaving the stream closes the connection
        }

        await _upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Remember_saves_to_the_database_and_recall_finds_it_in_another_thread()
    {
        _client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("es"));
        _upstream.Enqueue(Reply.ToolCall("call_r", "remember", "{\"fact\":\"Prefers tea over coffee\"}")).Enqueue(Reply.Text("Saved."));
        var saved = await CreateAsync("Remember that I prefer tea");
        saved.Should().HaveProgressUpdate("Guardando en memoria...");
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("saved");

        _upstream.Enqueue(Reply.ToolCall("call_q", "recall", "{\"query\":\"tea\"}")).Enqueue(Reply.Text("You prefer tea."));
        var recalled = await CreateAsync("What do I like to drink?");

        recalled.Should().HaveProgressUpdate("Recordando de la memoria...");
        _upstream.Requests[3]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.ToJsonString().Should().Contain("Prefers tea over coffee");
        recalled.Should().HaveAssistantText("You prefer tea.");
    }

    [TestCase("no_such_tool", "{}", "Il n'existe pas d'outil nommé « no_such_tool ».", "There is no tool named 'no_such_tool'.")]
    [TestCase("search_threads", "[1]", "L'outil « search_threads » a été appelé avec des arguments inutilisables.", "The arguments are not a JSON object.")]
    public async Task A_failed_tool_call_is_shown_in_the_user_s_language_and_told_to_the_model_in_english(string tool, string arguments, string shown, string told)
    {
        _upstream.Enqueue(Reply.ToolCall("call_1", tool, arguments)).Enqueue(Reply.Text("Sorry."));
        _client.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("fr"));

        var stream = await CreateAsync("use " + tool);

        var task = (CustomTask)stream.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<WorkflowItem>().Single().Workflow.Tasks.Single();
        task.Content.Should().Be(shown);
        _upstream.Requests[1]["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"]!.GetValue<string>().Should().Contain(told);
    }

    [TestCase("remember", "{\"fact\":\"Prefers tea\"}")]
    [TestCase("recall", "{\"query\":\"tea\"}")]
    [TestCase("search_threads", "{\"query\":\"tea\"}")]
    public async Task A_built_in_tool_s_progress_and_workflow_use_an_icon_chatkit_knows(string tool, string arguments)
    {
        // The icon of a tool's progress_update and workflow task is one of ChatKit's icon names (IconName in the
        // reference's types); "bookmark" was not one, so the remember tool's events did not match the protocol.
        _upstream.Enqueue(Reply.ToolCall("call_1", tool, arguments)).Enqueue(Reply.Text("Done."));

        var stream = await _client.StreamFramesAsync(new ThreadsCreateRequest { Params = new() { Input = ChatKitClient.Text("use " + tool) } }).CollectAsync();

        stream.Events.OfType<ProgressUpdateEvent>().Should().Contain(p => p.Icon != null);
        stream.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<WorkflowItem>().Should().ContainSingle();
        SchemaValidator.AssertValid("ThreadStreamEvent", stream.Frames);
    }

    [Test]
    public async Task Tool_calls_are_kept_hidden_and_shown_to_the_model_on_the_next_turn()
    {
        _upstream.Enqueue(Reply.ToolCall("call_s", "search_threads", "{\"query\":\"x\"}")).Enqueue(Reply.Text("Nothing found.")).Enqueue(Reply.Text("ok"));
        var first = await CreateAsync("search x");
        first.Items<ThreadItem>().Should().NotContain(i => i.IsHidden, "hidden records never reach the client");

        await AddAsync(first.ThreadId!, "and now?");

        var roles = _upstream.Requests[2]["messages"]!.AsArray().Select(m => (string)m!["role"]!).ToList();
        roles.Should().Equal("system", "user", "assistant", "tool", "assistant", "user");
    }

    [Test]
    public async Task A_model_that_keeps_calling_tools_is_stopped_after_the_configured_rounds()
    {
        var settings = _upstream.Settings();
        settings["Assistant:MaxToolRounds"] = "2";
        Start(settings);
        _upstream.Enqueue(Reply.ToolCall("c1", "search_threads", "{\"query\":\"a\"}")).Enqueue(Reply.Text("final answer"));

        var stream = await CreateAsync("loop");

        stream.Should().HaveAssistantText("final answer");
        _upstream.Requests[1].ContainsKey("tools").Should().BeFalse("the last round offers no tools, so the model must answer");
    }

    [Test]
    public async Task A_stalled_upstream_times_out_into_a_retryable_error()
    {
        var settings = _upstream.Settings();
        settings["OpenAI:TimeoutSeconds"] = "1";
        Start(settings);
        _upstream.Enqueue(Reply.Text("slow", " words") with { Delay = TimeSpan.FromSeconds(3) });

        var stream = await CreateAsync("hurry");

        stream.Events.Last().Should().BeOfType<ErrorEvent>().Which.AllowRetry.Should().BeTrue();
    }

    [Test]
    public async Task Transcription_goes_through_the_audio_endpoint()
    {
        var settings = _upstream.Settings();
        settings["OpenAI:TranscriptionModel"] = "whisper-test";
        Start(settings);

        var result = await _client.SendRawAsync(new InputTranscribeRequest { Params = new() { AudioBase64 = Convert.ToBase64String(new byte[1234]), MimeType = "audio/webm;codecs=opus" } });

        ChatKitJson.Deserialize<TranscriptionResult>(result).Text.Should().Be("transcribed 1234 bytes");
        _upstream.Requests.Single()["model"]!.GetValue<string>().Should().Be("whisper-test");
        SchemaValidator.AssertValid("TranscriptionResult", result);
    }

    [TestCase("pt-BR", "pt", true)]
    [TestCase("1234", "", false)]
    [TestCase("x-klingon", "", true)]
    [TestCase("en;q=0.1, ignore!previous", "en", true)]
    public async Task Only_a_language_tag_from_Accept_Language_reaches_the_model_and_the_transcription(string header, string language, bool prompted)
    {
        // The header's best value went to the model's instructions and, cut to two characters, to the transcription
        // service as its language (its first two characters), whatever it held. The service takes ISO-639-1 codes.
        var settings = _upstream.Settings();
        settings["OpenAI:TranscriptionModel"] = "whisper-test";
        Start(settings);
        _client.Http.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", header).Should().BeTrue();
        _upstream.Enqueue(Reply.Text("ok"));

        await _client.SendRawAsync(new InputTranscribeRequest { Params = new() { AudioBase64 = Convert.ToBase64String(new byte[10]), MimeType = "audio/webm" } });
        await CreateAsync("hello");

        ((string)_upstream.Requests[0]["language"]!).Should().Be(language);
        var system = (string)_upstream.Requests[1]["messages"]![0]!["content"]!;
        if (prompted) system.Should().Contain("locale is " + header.Split(';')[0]);
        else system.Should().NotContain("locale is");
    }
}
