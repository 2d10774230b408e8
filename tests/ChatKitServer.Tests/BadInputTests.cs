using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using ChatKit.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatKitServer.Tests;

/// <summary>Every kind of bad input gets its status, a JSON body that says what was wrong, and changes nothing.</summary>
public class BadInputTests
{
    private ServerFactory _factory = null!;
    private ChatKitClient _alice = null!;
    private string _threadId = null!;
    private string _assistantId = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _factory = ServerFactory.WithResponder(new TestResponder(), new() { ["ChatKit:MaxRequestBodyBytes"] = "65536" });
        _alice = _factory.ClientFor("alice");
        var created = await _alice.CreateThreadAsync(ChatKitClient.Text("seed")).CollectAsync();
        _threadId = created.ThreadId!;
        _assistantId = created.Items<AssistantMessageItem>().Single().Id;
    }

    [OneTimeTearDown]
    public void TearDown() => _factory.Dispose();

    /// <summary>
    /// Found by a hostile audit (2026-12): text/plain, the third encoding an HTML form can send (and so one a page on another
    /// site can post without a CORS preflight), was read as JSON; on a Development server any site could start turns.
    /// </summary>
    [TestCase("text/plain")]
    [TestCase("text/plain; charset=utf-8")]
    [TestCase("TEXT/PLAIN")]
    public async Task A_plain_text_post_is_told_to_send_json_and_starts_nothing(string contentType)
    {
        var before = (await _alice.ListThreadsAsync()).Data.Count;
        using var body = new StringContent("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"hi\"}],\"attachments\":[],\"inference_options\":{}}}}");
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await _alice.Http.PostAsync("/chatkit", body);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.UnsupportedMediaType);
        var detail = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        detail.Should().Contain("application/json");
        (await _alice.ListThreadsAsync()).Data.Should().HaveCount(before, "no thread was created");
    }

    [Test]
    public async Task A_form_post_is_told_to_send_json()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["type"] = "threads.list" });

        using var response = await _alice.Http.PostAsync("/chatkit", form);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.UnsupportedMediaType);
        var detail = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        detail.Should().Contain("application/x-www-form-urlencoded").And.Contain("application/json").And.NotContain("empty");
    }

    [TestCase("text/event-stream")]
    [TestCase("text/html")]
    [TestCase("application/json")]
    public async Task A_refused_request_says_why_whatever_the_accept_header(string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chatkit")
        {
            Content = Wire.Body(new ThreadsAddUserMessageRequest { Params = new() { ThreadId = "thr_unknown", Input = ChatKitClient.Text("hello") } }),
        };
        request.Headers.Accept.ParseAdd(accept);

        using var response = await _alice.Http.SendAsync(request);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["detail"]!.GetValue<string>().Should().Contain("thr_unknown");
        body["status"]!.GetValue<int>().Should().Be(404);
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string body, int status, string mentions) => new TestCaseData(body, status, mentions).SetName(name);
        yield return Case("not json", "{not json", 400, "not valid JSON");
        yield return Case("empty body", "", 400, "empty");
        yield return Case("json array", "[1,2]", 400, "not a JSON object");
        yield return Case("no type", """{"params":{}}""", 400, "type");
        yield return Case("unknown type", """{"type":"threads.explode","params":{}}""", 400, "threads.explode");
        yield return Case("missing params", """{"type":"threads.get_by_id"}""", 400, "params");
        yield return Case("missing thread_id", """{"type":"threads.get_by_id","params":{}}""", 400, "thread_id");
        yield return Case("thread_id wrong type", """{"type":"threads.get_by_id","params":{"thread_id":42}}""", 400, "thread_id");
        yield return Case("bad order", """{"type":"threads.list","params":{"order":"sideways"}}""", 400, "order");
        yield return Case("negative limit", """{"type":"threads.list","params":{"limit":-1}}""", 400, "limit");
        yield return Case("huge limit", """{"type":"threads.list","params":{"limit":1000000}}""", 400, "limit");
        yield return Case("unknown cursor", """{"type":"threads.list","params":{"after":"thr_nope"}}""", 400, "thr_nope");
        yield return Case("unknown thread", """{"type":"threads.get_by_id","params":{"thread_id":"thr_missing"}}""", 404, "thr_missing");
        yield return Case("unknown thread on stream", """{"type":"threads.add_user_message","params":{"thread_id":"thr_missing","input":{"content":[{"type":"input_text","text":"x"}],"attachments":[],"inference_options":{}}}}""", 404, "thr_missing");
        yield return Case("unknown attachment", """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}],"attachments":["atc_missing"],"inference_options":{}}}}""", 404, "atc_missing");
        yield return Case("empty message", """{"type":"threads.create","params":{"input":{"content":[],"attachments":[],"inference_options":{}}}}""", 400, "empty");
        yield return Case("transcribe without transcriber", """{"type":"input.transcribe","params":{"audio_base64":"AAAA","mime_type":"audio/webm"}}""", 400, "transcribe");
        yield return Case("limit of the wrong kind", """{"type":"threads.list","params":{"limit":"ten"}}""", 400, "'params.limit' must be an integer or null, not the string \"ten\"");
        yield return Case("attachment id of the wrong kind", """{"type":"threads.create","params":{"input":{"content":[],"attachments":[5]}}}""", 400, "'params.input.attachments[0]' must be a string, not the number 5");
        yield return Case("long metadata key", """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}]}},"metadata":{" """ + new string('k', 300) + "\":1}}", 400, "property name in the request is longer than 256 characters (in 'metadata')");
        yield return Case("unpaired surrogate in a metadata key", """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}]}},"metadata":{"a\ud800":1}}""", 400, "not valid Unicode text");
        yield return Case("deep nesting", "{\"type\":\"threads.list\",\"metadata\":" + new string('[', 500) + new string(']', 500) + ",\"params\":{}}", 400, "depth");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Bad_input_gets_its_status_and_a_problem_body(string body, int status, string mentions)
    {
        var before = await SnapshotAsync();

        using var response = await _alice.Http.PostAsync("/chatkit", new StringContent(body, Encoding.UTF8, "application/json"));

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["status"]!.GetValue<int>().Should().Be(status);
        problem["detail"]!.GetValue<string>().Should().ContainEquivalentOf(mentions);
        problem["detail"]!.GetValue<string>().Should().NotContainAny(["System.", "ChatKit.", "`1", "LineNumber"], "errors speak JSON, not .NET");
        (await SnapshotAsync()).Should().Be(before, "a refused request changes nothing");
    }

    [Test]
    public async Task A_property_name_that_is_not_utf8_is_refused_not_stored_altered()
    {
        var before = await SnapshotAsync();
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}]}},"metadata":{"a"""), 0xff, 0xfe, .. Encoding.UTF8.GetBytes("\":1}}")];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await _alice.Http.PostAsync("/chatkit", content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("property name in the request is not valid Unicode text");
        (await SnapshotAsync()).Should().Be(before);
    }

    private static IEnumerable<TestCaseData> JsonBodies()
    {
        yield return new TestCaseData("/api/chat/message", """{"message":5}""", "'message' must be a string").SetName("simple chat: message of the wrong kind");
        yield return new TestCaseData("/api/chat/message", """{"message":"hi","threadId":["x"]}""", "'threadId' must be a string").SetName("simple chat: threadId of the wrong kind");
        yield return new TestCaseData("/api/chat/message", """{"message":"a",""", "The body").SetName("simple chat: cut-off JSON");
        yield return new TestCaseData("/api/chat/widgets/streams/news/events", """{"type":"Card","children":5}""", "'children' must be an array").SetName("widget: children of the wrong kind");
        yield return new TestCaseData("/api/chat/widgets/streams/news/events", """{"type":"Card","children":[{"type":"Text","value":5}]}""", "'value'").SetName("widget: a Text value of the wrong kind");
    }

    [TestCaseSource(nameof(JsonBodies))]
    public async Task Json_errors_of_the_other_endpoints_name_the_path_and_kind_not_dotnet_types(string path, string body, string mentions)
    {
        using var admin = _factory.HttpClientFor("root", "admin"); // publishes widgets too
        using var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var text = await response.Content.ReadAsStringAsync();
        JsonNode.Parse(text)!["detail"]!.GetValue<string>().Should().Contain(mentions);
        text.Should().NotContainAny(["System.", "ChatKitServer.", "ChatKit.", "`1", "LineNumber", "field is required"], "errors speak JSON, not .NET");
    }

    private static IEnumerable<TestCaseData> WrongItemKinds()
    {
        yield return new TestCaseData("""{"type":"threads.retry_after_item","params":{"thread_id":"{thread}","item_id":"{item}"}}""",
            "is of type assistant_message; threads.retry_after_item needs a user message").SetName("retry after an assistant message");
        yield return new TestCaseData("""{"type":"threads.add_structured_input","params":{"thread_id":"{thread}","item_id":"{item}","input":{"status":"answered","answers":{}}}}""",
            "is of type assistant_message, not a structured_input item").SetName("structured input for an assistant message");
        yield return new TestCaseData("""{"type":"threads.sync_custom_action","params":{"thread_id":"{thread}","item_id":"{item}","action":{"type":"x","payload":{}}}}""",
            "is of type assistant_message, not a widget").SetName("sync action sent by an assistant message");
    }

    /// <summary>Found by the differential check against the reference (2026-12): the detail read "is a assistant_message".</summary>
    [TestCaseSource(nameof(WrongItemKinds))]
    public async Task An_item_of_the_wrong_kind_is_named_with_its_type(string template, string mentions)
    {
        var body = template.Replace("{thread}", _threadId).Replace("{item}", _assistantId);

        using var response = await _alice.Http.PostAsync("/chatkit", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        detail.Should().Be($"Item '{_assistantId}' {mentions}" + (mentions.EndsWith("widget", StringComparison.Ordinal) ? ": only widgets send actions." : "."));
    }

    private static IEnumerable<TestCaseData> NullsAndNumbersTheProtocolNeverSends()
    {
        TestCaseData Case(string name, string template, string mentions) => new TestCaseData(template, mentions).SetName(name);
        const string Text = """{"type":"input_text","text":"x"}""";
        yield return Case("null item id in feedback", """{"type":"items.feedback","params":{"thread_id":"{thread}","item_ids":["{item}",null],"kind":"positive"}}""",
            "'params.item_ids[1]' must be a string, not null");
        yield return Case("null attachment id", """{"type":"threads.add_user_message","params":{"thread_id":"{thread}","input":{"content":[""" + Text + """],"attachments":[null],"inference_options":{}}}}""",
            "'params.input.attachments[0]' must be a string, not null");
        yield return Case("null content part of a new thread", """{"type":"threads.create","params":{"input":{"content":[null,""" + Text + """],"attachments":[],"inference_options":{}}}}""",
            "'params.input.content[0]' must be an object whose 'type' is one of \"input_text\", \"input_tag\", not null");
        yield return Case("null content part of a message", """{"type":"threads.add_user_message","params":{"thread_id":"{thread}","input":{"content":[null],"attachments":[],"inference_options":{}}}}""",
            "'params.input.content[0]' must be an object");
        yield return Case("null answer value", """{"type":"threads.add_structured_input","params":{"thread_id":"{thread}","item_id":"{item}","input":{"status":"answered","answers":{"q":{"values":["a",null]}}}}}""",
            "'params.input.answers.q.values[1]' must be a string, not null");
        yield return Case("feedback kind as a number", """{"type":"items.feedback","params":{"thread_id":"{thread}","item_ids":["{item}"],"kind":1}}""",
            "'params.kind' must be one of \"positive\", \"negative\", not the number 1");
        yield return Case("feedback kind as a number no kind has", """{"type":"items.feedback","params":{"thread_id":"{thread}","item_ids":["{item}"],"kind":99}}""",
            "'params.kind' must be one of \"positive\", \"negative\", not the number 99");
        yield return Case("sort order as a number", """{"type":"items.list","params":{"thread_id":"{thread}","order":5}}""",
            "'params.order' must be one of \"asc\", \"desc\", not the number 5");
        yield return Case("submission status as a number", """{"type":"threads.add_structured_input","params":{"thread_id":"{thread}","item_id":"{item}","input":{"status":0,"answers":{}}}}""",
            "'params.input.status' must be one of \"answered\", \"skipped\", not the number 0");
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): a null inside a list passed the nullable checks (which cover properties, not
    /// list elements), so a null item or attachment id was a 500 and a null content part was saved in the message; and
    /// enums took any integer ("kind": 99 was kept as negative feedback).
    /// </summary>
    [TestCaseSource(nameof(NullsAndNumbersTheProtocolNeverSends))]
    public async Task A_null_in_a_list_or_a_number_for_an_enum_is_refused_saying_where(string template, string mentions)
    {
        var before = await SnapshotAsync();
        var body = template.Replace("{thread}", _threadId).Replace("{item}", _assistantId);

        using var response = await _alice.Http.PostAsync("/chatkit", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain(mentions);
        (await SnapshotAsync()).Should().Be(before, "a refused request changes nothing");
    }

    [TestCase("/chatkit", "gzip")]
    [TestCase("/chatkit", "br")]
    [TestCase("/api/chat/message", "gzip")]
    [TestCase("/api/chat/widgets/streams/news/events", "deflate")]
    [TestCase("/chatkit/attachments", "gzip")]
    public async Task A_compressed_body_is_refused_saying_so_and_an_identity_one_is_read(string path, string encoding)
    {
        // Bodies are read as they are sent: gzip was refused as "'0x1F' is an invalid start of a value", and a plain body
        // that claimed "br" was taken as plain. Both now get 415 naming the encoding.
        using var admin = _factory.HttpClientFor("root", "admin");
        var plain = path switch
        {
            "/chatkit" => """{"type":"threads.list","params":{}}""",
            "/api/chat/message" => """{"message":"hi"}""",
            "/api/chat/widgets/streams/news/events" => """{"type":"Card","children":[]}""",
            _ => "not a form",
        };
        var gzipped = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(gzipped, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(plain));
        foreach (var body in new[] { gzipped.ToArray(), Encoding.UTF8.GetBytes(plain) })
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            content.Headers.ContentEncoding.Add(encoding);
            using var response = await admin.PostAsync(path, content);

            response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>()
                .Should().Contain($"Content-Encoding '{encoding}'").And.Contain("uncompressed");
        }

        if (path != "/chatkit") return;
        var identity = new StringContent(plain, Encoding.UTF8, "application/json");
        identity.Headers.ContentEncoding.Add("identity");
        (await admin.PostAsync(path, identity)).StatusCode.Should().Be(HttpStatusCode.OK, "identity is no encoding at all");
    }

    [Test]
    public async Task The_protocol_endpoint_alone_refuses_a_compressed_body_too()
    {
        // An app that embeds ChatKit (no ChatKitServer middleware in front) gets the same refusal from MapChatKit itself.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddChatKit().AddResponder<TestResponder>().AddInMemoryStore();
        await using var app = builder.Build();
        app.MapChatKit("/chatkit");
        await app.StartAsync();
        var content = new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await app.GetTestClient().PostAsync("/chatkit", content);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Content-Encoding 'gzip'");
    }

    [TestCase("/api/chat/message", """{"message":"a\ud800b"}""", "message")]
    [TestCase("/api/chat/message", """{"message":"hi","threadId":"\udc00"}""", "threadId")]
    [TestCase("/api/chat/widgets/streams/news/events", """{"type":"Card","children":[{"type":"Text","value":"a\ud800"}]}""", "widget root")]
    public async Task Text_that_is_not_valid_unicode_is_named_as_such_on_the_other_endpoints(string path, string body, string mentions)
    {
        // An unpaired surrogate escape was reported as "'message' must be a string" (it is one) or "not valid in a WidgetRoot".
        using var admin = _factory.HttpClientFor("root", "admin");
        using var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>()
            .Should().Contain("not valid Unicode").And.Contain(mentions);
    }

    [TestCase("POST", "/api/chat/message", "text/plain", "root", 415, "application/json")]
    [TestCase("POST", "/api/chat/widgets/streams/news/events", "text/csv", "root", 415, "not 'text/csv'")]
    [TestCase("GET", "/chatkit", null, "root", 405, "GET is not allowed on /chatkit")]
    [TestCase("GET", "/no/such/page", null, "root", 404, "no endpoint at GET /no/such/page")]
    [TestCase("GET", "/admin/api/threads", null, "alice", 403, "role")]
    public async Task Refusals_made_by_the_framework_say_what_was_wrong_too(string method, string path, string? type, string user, int status, string mentions)
    {
        // These came as a problem body with a title and no detail.
        using var http = user == "root" ? _factory.HttpClientFor("root", "admin") : _factory.HttpClientFor(user);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new ByteArrayContent("""{"message":"hi"}"""u8.ToArray());
            if (type is not null) request.Content.Headers.ContentType = new(type);
        }

        using var response = await http.SendAsync(request);

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"];
        detail.Should().NotBeNull();
        detail!.GetValue<string>().Should().Contain(mentions);
    }

    [Test]
    public async Task A_long_path_or_content_type_is_not_sent_back_whole_in_a_framework_refusal()
    {
        // "There is no endpoint at GET /aaaa…" repeated a path of any length (up to Kestrel's 8 KB request line), and a 415 the whole Content-Type.
        using var http = _factory.HttpClientFor("root", "admin");
        using var notFound = await http.GetAsync("/" + new string('a', 5000));
        using var wrongType = new HttpRequestMessage(HttpMethod.Post, "/api/chat/message") { Content = new ByteArrayContent("""{"message":"hi"}"""u8.ToArray()) };
        wrongType.Content.Headers.TryAddWithoutValidation("Content-Type", "text/" + new string('b', 5000));
        using var unsupported = await http.SendAsync(wrongType);

        foreach (var (response, status) in new[] { (notFound, 404), (unsupported, 415) })
        {
            ((int)response.StatusCode).Should().Be(status);
            var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
            detail.Length.Should().BeLessThan(ChatKit.AspNetCore.ChatKitExceptionHandler.MaxDetailLength + 50);
            detail.Should().Contain(" characters)");
        }
    }

    [Test]
    public async Task Item_ids_of_another_thread_are_not_found()
    {
        var other = (await _alice.CreateThreadAsync(ChatKitClient.Text("other")).CollectAsync()).ThreadId!;
        var feedback = () => _alice.SendFeedbackAsync(other, [_assistantId], FeedbackKind.Positive);
        (await Refusals.RefusedAsync(feedback)).StatusCode.Should().Be(404);
    }

    [Test]
    public async Task An_oversized_body_gets_413_with_or_without_content_length()
    {
        var big = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"x\":\"" + new string('a', 70_000) + "\"}}";
        using var withLength = await _alice.Http.PostAsync("/chatkit", new StringContent(big, Encoding.UTF8, "application/json"));
        withLength.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await withLength.Content.ReadAsStringAsync()).Should().Contain("65536");

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var withoutLength = await _alice.Http.SendAsync(request);
        withoutLength.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task A_locked_thread_refuses_new_messages_with_an_error_event_and_sync_actions_with_409()
    {
        using var scope = _factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
        var context = new ChatKitContext { UserId = "alice" };
        var threadId = (await _alice.CreateThreadAsync(ChatKitClient.Text("to lock")).CollectAsync()).ThreadId!;
        var thread = await store.LoadThreadAsync(threadId, context);
        thread.Status = new LockedStatus { Reason = "Read-only" };
        await store.SaveThreadAsync(thread, context);

        var refused = await _alice.AddUserMessageAsync(threadId, ChatKitClient.Text("hello?")).CollectAsync();
        var error = refused.Events.Should().ContainSingle().Which.Should().BeOfType<ErrorEvent>().Subject;
        error.Message.Should().Be("Read-only");

        var sync = () => _alice.SyncCustomActionAsync(threadId, null, new ChatKitAction { Type = "x" });
        (await Refusals.RefusedAsync(sync)).StatusCode.Should().Be(409);
    }

    [Test]
    public async Task Cors_preflight_is_answered_for_configured_origins_only()
    {
        using var factory = new ServerFactory(new() { ["ChatKit:AllowedOrigins:0"] = "https://app.example" });
        using var client = factory.CreateClient();

        using var allowed = await client.SendAsync(Preflight("https://app.example"));
        allowed.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://app.example");

        using var other = await client.SendAsync(Preflight("https://evil.example"));
        other.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();

        static HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/chatkit");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
            return request;
        }
    }

    [TestCase("ChatKit:KeepAliveSeconds", "-3", "KeepAliveSeconds")]
    [TestCase("ChatKit:MaxRequestBodyBytes", "10", "MaxRequestBodyBytes")]
    [TestCase("Assistant:Provider", "Telepathy", "Assistant")]
    public void A_wrong_setting_stops_the_server_with_a_message_naming_it(string key, string value, string mentions)
    {
        using var factory = new ServerFactory(new() { [key] = value });
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.ToString().Contains(mentions));
    }

    [Test]
    public void Development_auth_is_refused_in_production()
    {
        using var factory = new ProductionFactory();
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.Message.Contains("Auth:Mode=Development"));
    }

    private sealed class ProductionFactory : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.UseEnvironment(Environments.Production).UseSetting("ConnectionStrings:ChatKit", "Data Source=:memory:");
    }

    private async Task<string> SnapshotAsync()
    {
        var threads = await _alice.SendRawAsync(new ThreadsListRequest { Params = new() { Limit = 100 } });
        var items = await _alice.SendRawAsync(new ItemsListRequest { Params = new() { ThreadId = _threadId, Limit = 100 } });
        return threads + items;
    }
}
