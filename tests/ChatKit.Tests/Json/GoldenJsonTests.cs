using System.Text.Json.Nodes;
using ChatKit.Json;
using ChatKit.Tests.Support;

namespace ChatKit.Tests.Json;

/// <summary>
/// Hand-written golden JSON for every request, stream event, item update and item type (in the
/// reference's canonical form: nulls omitted, defaults written, user dictionaries untouched) must
/// validate against the protocol's schemas, read into the right C# type and be written back
/// exactly. The schema checks are tests of their own (a missing validator skips them, never the
/// round trips).
/// </summary>
public class GoldenJsonTests
{
    private static string Folder(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "golden", name);

    private static IEnumerable<TestCaseData> Files(string folder) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", folder), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(Path.GetFileNameWithoutExtension(f)).SetName($"{folder}/{Path.GetFileName(f)}"));

    private static IEnumerable<TestCaseData> Events() => Files("events");
    private static IEnumerable<TestCaseData> Updates() => Files("updates");
    private static IEnumerable<TestCaseData> Items() => Files("items");
    private static IEnumerable<TestCaseData> Requests() => Files("requests");
    private static IEnumerable<TestCaseData> Pages() => Files("pages");

    private static string Read(string folder, string name) => File.ReadAllText(Path.Combine(Folder(folder), name + ".json"));

    private static void AssertSameJson(string written, string golden) =>
        JsonNode.DeepEquals(JsonNode.Parse(written), JsonNode.Parse(golden)).Should().BeTrue($"written:\n{written}\ngolden:\n{golden}");

    [TestCaseSource(nameof(Events))]
    public void Every_stream_event_round_trips(string name)
    {
        var golden = Read("events", name);

        var ev = ChatKitJson.Deserialize<ThreadStreamEvent>(golden);

        (JsonNode.Parse(golden)!["type"]!.GetValue<string>()).Should().Be(name.Split(".custom")[0]);
        AssertSameJson(ChatKitJson.Serialize(ev), golden);
    }

    [TestCaseSource(nameof(Updates))]
    public void Every_item_update_round_trips(string name)
    {
        var golden = Read("updates", name);

        var ev = ChatKitJson.Deserialize<ThreadStreamEvent>(golden).Should().BeOfType<ThreadItemUpdatedEvent>().Subject;

        JsonNode.Parse(golden)!["update"]!["type"]!.GetValue<string>().Should().Be(name);
        AssertSameJson(ChatKitJson.Serialize<ThreadStreamEvent>(ev), golden);
    }

    [TestCaseSource(nameof(Items))]
    public void Every_item_type_round_trips(string name)
    {
        var golden = Read("items", name);

        var item = ChatKitJson.Deserialize<ThreadItem>(golden);

        item.Kind.Should().Be(name);
        AssertSameJson(ChatKitJson.Serialize(item), golden);
    }

    [TestCaseSource(nameof(Requests))]
    public void Every_request_type_round_trips_and_parses(string name)
    {
        var golden = Read("requests", name);

        var request = ChatKitRequestParser.Parse(golden);

        request.Kind.Should().Be(name);
        request.Metadata["with space"]!.GetValue<bool>().Should().BeTrue("user dictionaries keep their keys");
        AssertSameJson(ChatKitJson.Serialize(request), golden);
    }

    [TestCaseSource(nameof(Pages))]
    public void Pages_threads_attachments_and_results_round_trip(string name)
    {
        var golden = Read("pages", name);
        var schema = name.Split('.')[0];

        var written = schema switch
        {
            "Thread" => ChatKitJson.Serialize(ChatKitJson.Deserialize<ChatKitThread>(golden)),
            "PageThread" => ChatKitJson.Serialize(ChatKitJson.Deserialize<Page<ChatKitThread>>(golden)),
            "PageThreadItem" => ChatKitJson.Serialize(ChatKitJson.Deserialize<Page<ThreadItem>>(golden)),
            "Attachment" => ChatKitJson.Serialize(ChatKitJson.Deserialize<Attachment>(golden)),
            "TranscriptionResult" => ChatKitJson.Serialize(ChatKitJson.Deserialize<TranscriptionResult>(golden)),
            "SyncCustomActionResponse" => ChatKitJson.Serialize(ChatKitJson.Deserialize<SyncCustomActionResponse>(golden)),
            _ => throw new AssertionException("no reader for " + name),
        };
        AssertSameJson(written, golden);
    }

    /// <summary>Every golden file with the schema it must match (a page's schema is the start of its name).</summary>
    private static IEnumerable<TestCaseData> SchemaCases() =>
        new (string Folder, string? Schema)[] { ("events", "ThreadStreamEvent"), ("updates", "ThreadStreamEvent"), ("items", "ThreadItem"), ("requests", "ChatKitReq"), ("pages", null) }
            .SelectMany(f => Files(f.Folder).Select(c => (string)c.Arguments[0]!).Select(name =>
                new TestCaseData(f.Folder, name, f.Schema ?? name.Split('.')[0]).SetName($"{f.Folder}/{name}.json matches {f.Schema ?? name.Split('.')[0]}")));

    [TestCaseSource(nameof(SchemaCases))]
    public void Every_golden_file_matches_the_protocol_schema(string folder, string name, string schema) =>
        SchemaValidator.AssertValid(schema, Read(folder, name));

    [Test]
    public void There_is_a_golden_file_for_every_type_of_the_protocol()
    {
        Directory.GetFiles(Folder("events")).Length.Should().BeGreaterThanOrEqualTo(12);
        Directory.GetFiles(Folder("updates")).Should().HaveCount(10);
        Directory.GetFiles(Folder("items")).Should().HaveCount(11);
        Directory.GetFiles(Folder("requests")).Select(Path.GetFileNameWithoutExtension).Should().BeEquivalentTo(ChatKitRequestParser.KnownTypes);
    }
}
