using System.Text;

namespace ChatKit.Tests.Json;

/// <summary>Malformed requests are refused with a <see cref="ChatKitValidationException"/> whose message names the problem.</summary>
public class RequestParserTests
{
    [TestCase("", "empty")]
    [TestCase("{\"type\":\"threads.list\",", "not valid JSON")]
    [TestCase("[{\"type\":\"threads.list\"}]", "not a JSON object")]
    [TestCase("42", "not a JSON object")]
    [TestCase("null", "not a JSON object")]
    [TestCase("{\"params\":{}}", "no string 'type'")]
    [TestCase("{\"type\":7,\"params\":{}}", "no string 'type'")]
    [TestCase("{\"type\":\"threads.fly\",\"params\":{}}", "Unknown request type 'threads.fly'")]
    [TestCase("{\"type\":\"threads.get_by_id\"}", "params")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":{}}", "thread_id")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":{\"thread_id\":12}}", "thread_id")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":{\"thread_id\":null}}", "thread_id")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{\"limit\":\"ten\"}}", "limit")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{\"order\":\"sideways\"}}", "order")]
    [TestCase("{\"type\":\"items.feedback\",\"params\":{\"thread_id\":\"t\",\"item_ids\":[\"i\"],\"kind\":\"meh\"}}", "kind")]
    [TestCase("{\"type\":\"items.feedback\",\"params\":{\"thread_id\":\"t\",\"item_ids\":\"i\",\"kind\":\"positive\"}}", "item_ids")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_image\"}]}}}", "input_image")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"text\":\"no type\"}]}}}", "content")]
    [TestCase("{\"type\":\"attachments.create\",\"params\":{\"name\":\"a\",\"size\":\"big\",\"mime_type\":\"x\"}}", "size")]
    public void Malformed_requests_are_refused_with_a_message_naming_the_problem(string json, string mentions)
    {
        var act = () => ChatKitRequestParser.Parse(json);

        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain(mentions);
    }

    [TestCase("{\"type\":\"threads.list\",\"params\":{\"limit\":\"ten\"}}", "'params.limit' must be an integer or null, not the string \"ten\"")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{\"order\":\"sideways\"}}", "'params.order' must be one of \"asc\", \"desc\", not the string \"sideways\"")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":{}}", "'params.thread_id' is required: a string")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":{\"thread_id\":null}}", "'params.thread_id' must be a string, not null")]
    [TestCase("{\"type\":\"threads.get_by_id\",\"params\":[]}", "'params' must be an object, not an array")]
    [TestCase("{\"type\":\"items.feedback\",\"params\":{\"thread_id\":\"t\",\"item_ids\":[5],\"kind\":\"positive\"}}", "'params.item_ids[0]' must be a string, not the number 5")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_image\"}]}}}", "'params.input.content[0].type' must be one of \"input_text\", \"input_tag\", not the string \"input_image\"")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"text\":\"no type\"}]}}}", "'params.input.content[0].type' is required")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{},\"metadata\":5}", "'metadata' must be an object, not the number 5")]
    [TestCase("{\"type\":\"threads.add_client_tool_output\",\"params\":{\"thread_id\":\"t\"}}", "'params.result' is required")]
    public void Errors_name_the_json_path_and_the_expected_kind_never_a_dotnet_type(string json, string message)
    {
        var act = () => ChatKitRequestParser.Parse(json);

        var error = act.Should().Throw<ChatKitValidationException>().Which.Message;
        error.Should().Contain(message);
        error.Should().NotContainAny("System.", "ChatKit.", "Nullable", "`1", "Params", "LineNumber");
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): a property named twice was read as its last value (a proxy reading the first
    /// one would see another request than the server runs), and a twice-named 'type' was "not valid here". Now one clear
    /// 400 naming it, wherever it is, spelled plainly or escaped.
    /// </summary>
    [TestCase("{\"type\":\"threads.update\",\"params\":{\"thread_id\":\"a\",\"thread_id\":\"b\",\"title\":\"x\"}}", "'params.thread_id' appears twice")]
    [TestCase("{\"type\":\"threads.update\",\"params\":{\"thread_id\":\"a\",\"thread\\u005fid\":\"b\",\"title\":\"x\"}}", "'params.thread_id' appears twice")]
    [TestCase("{\"type\":\"threads.list\",\"type\":\"threads.list\",\"params\":{}}", "'type' appears twice")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{},\"params\":{}}", "'params' appears twice")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"a\",\"text\":\"b\"}],\"attachments\":[],\"inference_options\":{}}}}", "'params.input.content[0].text' appears twice")]
    [TestCase("{\"type\":\"threads.create\",\"metadata\":{\"k\":1,\"k\":2},\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"a\"}],\"attachments\":[],\"inference_options\":{}}}}", "'k' twice in one object")]
    public void A_property_named_twice_in_one_object_is_refused_naming_it(string json, string message)
    {
        var act = () => ChatKitRequestParser.Parse(json);

        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain(message).And.Contain("send each property once");
    }

    /// <summary>
    /// <c>result</c> is required, as in the reference (pydantic's <c>result: Any</c>), and any JSON, null included. Found by a
    /// hostile audit (2026-12): a request without it completed the pending call with no output.
    /// </summary>
    [TestCase("null")]
    [TestCase("{\"city\":\"Lyon\"}")]
    [TestCase("[1,2]")]
    [TestCase("\"text\"")]
    public void A_client_tool_output_takes_any_json_result_null_included(string result)
    {
        var request = ChatKitRequestParser.Parse($"{{\"type\":\"threads.add_client_tool_output\",\"params\":{{\"thread_id\":\"t\",\"result\":{result}}}}}");

        var parsed = request.Should().BeOfType<ThreadsAddClientToolOutputRequest>().Which.Params.Result;
        (parsed?.ToJsonString() ?? "null").Should().Be(result);
    }

    [Test]
    public void A_client_tool_output_with_a_null_result_is_written_with_it_and_read_back()
    {
        var json = ChatKit.Json.ChatKitJson.Serialize<ChatKitRequest>(new ThreadsAddClientToolOutputRequest { Params = new() { ThreadId = "t", Result = null } });

        json.Should().Contain("\"result\":null", "nulls are left out elsewhere, but the reference requires this one");
        ChatKitRequestParser.Parse(json).Should().BeOfType<ThreadsAddClientToolOutputRequest>().Which.Params.Result.Should().BeNull();
    }

    [TestCase("20", 20)]
    [TestCase("\"20\"", 20)]
    [TestCase("\" 1_0 \"", 10)]
    [TestCase("\"-3\"", -3)]
    [TestCase("\"20.00\"", 20)]
    [TestCase("20.0", 20)]
    [TestCase("2e1", 20)]
    [TestCase("true", 1)]
    [TestCase("false", 0)]
    [TestCase("null", null)]
    public void A_limit_is_read_as_leniently_as_the_reference_reads_it(string limit, int? expected)
    {
        var request = ChatKitRequestParser.Parse($"{{\"type\":\"threads.list\",\"params\":{{\"limit\":{limit}}}}}");

        request.Should().BeOfType<ThreadsListRequest>().Which.Params.Limit.Should().Be(expected);
    }

    [TestCase("20.5", "the number 20.5")]
    [TestCase("\"20.5\"", "the string \"20.5\"")]
    [TestCase("\"1__0\"", "the string \"1__0\"")]
    [TestCase("\"_10\"", "the string \"_10\"")]
    [TestCase("\"0x10\"", "the string \"0x10\"")]
    [TestCase("\"\"", "the string \"\"")]
    [TestCase("3000000000", "the number 3000000000")]
    [TestCase("{}", "an object")]
    public void A_limit_that_is_no_integer_is_refused_naming_what_was_sent(string limit, string found)
    {
        var act = () => ChatKitRequestParser.Parse($"{{\"type\":\"threads.list\",\"params\":{{\"limit\":{limit}}}}}");

        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().EndWith($"'params.limit' must be an integer or null, not {found}.");
    }

    [Test]
    public void An_attachment_size_sent_as_a_string_is_read_and_one_that_is_not_a_whole_number_is_refused()
    {
        ChatKitRequestParser.Parse("{\"type\":\"attachments.create\",\"params\":{\"name\":\"a.png\",\"size\":\"1024\",\"mime_type\":\"image/png\"}}")
            .Should().BeOfType<AttachmentsCreateRequest>().Which.Params.Size.Should().Be(1024);
        var act = () => ChatKitRequestParser.Parse("{\"type\":\"attachments.create\",\"params\":{\"name\":\"a.png\",\"size\":1.5,\"mime_type\":\"image/png\"}}");
        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().EndWith("'params.size' must be an integer, not the number 1.5.");
    }

    [Test]
    public void A_body_with_a_byte_order_mark_or_in_utf16_is_named_as_such()
    {
        const string json = "{\"type\":\"threads.list\",\"params\":{}}";
        byte[][] bodies = [[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)], Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(json)).ToArray(),
            Encoding.Unicode.GetBytes(json), Encoding.BigEndianUnicode.GetBytes(json)];
        string[] messages = ["starts with a UTF-8 byte order mark", "looks like UTF-16", "looks like UTF-16", "looks like UTF-16"];

        for (var i = 0; i < bodies.Length; i++)
        {
            var body = bodies[i];
            var act = () => ChatKitRequestParser.Parse(body);
            act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain(messages[i]);
        }
        ChatKitRequestParser.Parse(Encoding.UTF8.GetBytes(json)).Should().BeOfType<ThreadsListRequest>();
    }

    [Test]
    public void Property_names_have_a_length_limit_like_strings()
    {
        var atLimit = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"" + new string('k', ChatKitRequestLimits.Default.MaxPropertyNameLength) + "\":1}}";
        var overLimit = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"" + new string('k', ChatKitRequestLimits.Default.MaxPropertyNameLength + 1) + "\":1}}";
        var escapedOverLimit = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"a\":[{\"" + string.Concat(Enumerable.Repeat("\\u00e9", ChatKitRequestLimits.Default.MaxPropertyNameLength + 1)) + "\":1}]}}";
        var huge = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"" + new string('k', 2_000_000) + "\":1}}";

        ((ThreadsListRequest)ChatKitRequestParser.Parse(atLimit)).Metadata.Should().ContainSingle();
        foreach (var json in new[] { overLimit, escapedOverLimit, huge })
        {
            var act = () => ChatKitRequestParser.Parse(json);
            act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain($"property name in the request is longer than {ChatKitRequestLimits.Default.MaxPropertyNameLength} characters").And.Contain("metadata");
        }
    }

    private static IEnumerable<TestCaseData> InvalidText()
    {
        static byte[] With(string before, byte[] bad, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];
        const string Head = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"";
        yield return new TestCaseData(With(Head + "a", [0xff, 0xfe], "b\":1}}"), "property name").SetName("invalid UTF-8 in a property name");
        yield return new TestCaseData(With(Head + "a", [0xc0, 0xaf], "b\":1}}"), "property name").SetName("overlong UTF-8 in a property name");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(Head + "a\\ud800\":1}}"), "property name").SetName("unpaired surrogate escape in a property name");
        yield return new TestCaseData(With(Head + "a\":\"x", [0xff], "\"}}"), "string").SetName("invalid UTF-8 in a value");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(Head + "a\":\"\\udc00x\"}}"), "string").SetName("unpaired surrogate escape in a value");
    }

    [TestCaseSource(nameof(InvalidText))]
    public void Text_that_would_be_stored_altered_is_refused(byte[] body, string what)
    {
        var act = () => ChatKitRequestParser.Parse(body);

        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain($"{what} in the request is not valid Unicode text").And.Contain("metadata");
    }

    [Test]
    public void Escaped_and_non_ascii_text_that_is_valid_is_kept_exactly()
    {
        var request = (ThreadsListRequest)ChatKitRequestParser.Parse("""{"type":"threads.list","params":{},"metadata":{"\u00e9t\u00e9 \ud83d\ude00":"caf\u00e9","日本":"語"}}""");

        request.Metadata["été 😀"]!.GetValue<string>().Should().Be("café");
        request.Metadata["日本"]!.GetValue<string>().Should().Be("語");
    }

    [Test]
    public void Type_may_come_anywhere_and_unknown_fields_are_ignored_at_every_level()
    {
        var request = ChatKitRequestParser.Parse("""
            {"metadata":{"k":1},"future":true,"params":{"thread_id":"thr_1","extra":[1,2],"input":{"content":[{"text":"hi","type":"input_text","shiny":1}],"attachments":[],"inference_options":{"model":"m","temperature":2}}},"type":"threads.add_user_message"}
            """);

        var add = request.Should().BeOfType<ThreadsAddUserMessageRequest>().Subject;
        add.Params.ThreadId.Should().Be("thr_1");
        add.Params.Input.Content.Should().ContainSingle().Which.Should().BeOfType<UserMessageTextContent>().Which.Text.Should().Be("hi");
        add.Params.Input.InferenceOptions.Model.Should().Be("m");
        add.Metadata["k"]!.GetValue<int>().Should().Be(1);
    }

    [Test]
    public void Optional_parts_take_the_protocol_defaults()
    {
        var list = (ThreadsListRequest)ChatKitRequestParser.Parse("""{"type":"threads.list","params":{}}""");
        (list.Params.Limit, list.Params.Order, list.Params.After).Should().Be(((int?)null, SortOrder.Desc, (string?)null));

        var create = (ThreadsCreateRequest)ChatKitRequestParser.Parse("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}]}}}""");
        create.Params.Input.Attachments.Should().BeEmpty();
        create.Params.Input.InferenceOptions.Should().NotBeNull();
        create.Metadata.Should().BeEmpty();
    }

    [Test]
    public void Nesting_deeper_than_the_limit_is_refused_not_crashed_on()
    {
        var deep = "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"a\":" + new string('[', 200) + new string(']', 200) + "}}";

        var act = () => ChatKitRequestParser.Parse(deep);

        act.Should().Throw<ChatKitValidationException>().Which.Message.Should().Contain("depth");
    }

    [Test]
    public void Every_request_type_is_known_and_classified_as_streaming_or_not()
    {
        ChatKitRequestParser.KnownTypes.Should().HaveCount(16).And.OnlyHaveUniqueItems();
        var streaming = new[] { "threads.create", "threads.add_user_message", "threads.add_client_tool_output", "threads.add_structured_input", "threads.retry_after_item", "threads.custom_action" };
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "requests")))
        {
            var request = ChatKitRequestParser.Parse(File.ReadAllText(file));
            request.IsStreaming.Should().Be(streaming.Contains(request.Kind), request.Kind);
        }
    }
}
