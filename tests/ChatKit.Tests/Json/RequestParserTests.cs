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
