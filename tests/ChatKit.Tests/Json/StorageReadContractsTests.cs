using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Json;
using ChatKit.Widgets;

namespace ChatKit.Tests.Json;

/// <summary>
/// Stored records are read with contracts that set members one by one instead of through the source generator's
/// constructor-argument path (<c>SetterContracts</c>). They must read exactly what the generated contracts read and
/// refuse exactly what they refuse.
/// </summary>
public class StorageReadContractsTests
{
    private static string Golden(string folder, string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", folder, name + ".json"));

    private static IEnumerable<TestCaseData> Items() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "items"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(Path.GetFileNameWithoutExtension(f)).SetName($"storage reads items/{Path.GetFileName(f)}"));

    private static void AssertSameJson(string written, string expected) =>
        JsonNode.DeepEquals(JsonNode.Parse(written), JsonNode.Parse(expected)).Should().BeTrue($"written:\n{written}\nexpected:\n{expected}");

    [TestCaseSource(nameof(Items))]
    public void Every_item_type_reads_from_storage_as_it_reads_from_the_wire(string name)
    {
        var golden = Golden("items", name);

        var stored = ChatKitStorageJson.Deserialize<ThreadItem>(golden);
        var fromBytes = ChatKitStorageJson.Deserialize<ThreadItem>(System.Text.Encoding.UTF8.GetBytes(golden));

        stored.Kind.Should().Be(name);
        AssertSameJson(ChatKitJson.Serialize(stored), golden);
        AssertSameJson(ChatKitJson.Serialize(fromBytes), golden);
        AssertSameJson(ChatKitJson.Serialize(ChatKitStorageJson.Clone(stored)), golden);
    }

    [Test]
    public void Threads_attachments_and_pages_read_from_storage_as_from_the_wire()
    {
        AssertSameJson(ChatKitJson.Serialize(ChatKitStorageJson.Deserialize<ChatKitThread>(Golden("pages", "Thread"))), Golden("pages", "Thread"));
        AssertSameJson(ChatKitJson.Serialize(ChatKitStorageJson.Deserialize<Attachment>(Golden("pages", "Attachment.image"))), Golden("pages", "Attachment.image"));
        var page = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "pages"), "PageThreadItem*.json").First();
        AssertSameJson(ChatKitJson.Serialize(ChatKitStorageJson.Deserialize<Page<ThreadItem>>(File.ReadAllText(page))), File.ReadAllText(page));
    }

    [Test]
    public void Item_types_with_required_members_are_made_with_their_constructor_and_set_member_by_member()
    {
        // The wire's generated contract needs all members before it can make the object: no factory.
        ChatKitJson.Options.GetTypeInfo(typeof(AssistantMessageItem)).CreateObject.Should().BeNull();

        foreach (var type in new[] { typeof(AssistantMessageItem), typeof(UserMessageItem), typeof(WidgetItem), typeof(AssistantMessageContent) })
        {
            var contract = ChatKitStorageJson.ReadContract(type);
            contract.CreateObject.Should().NotBeNull($"{type.Name} is read without the constructor-argument path");
            contract.Properties.Select(p => p.Name).Should().Equal(ChatKitJson.Options.GetTypeInfo(type).Properties.Select(p => p.Name));
        }
    }

    [Test]
    public void A_type_with_init_only_required_members_keeps_the_generated_contract_and_still_reads()
    {
        ChatKitStorageJson.ReadContract(typeof(ThemeColor)).CreateObject.Should().BeNull("init-only members can only be set by the generated path");

        ChatKitStorageJson.Deserialize<ThemeColor>("""{"light":"#fff","dark":"#000"}""").Should().Be(new ThemeColor("#fff", "#000"));
    }

    [Test]
    public void A_stored_item_without_a_required_member_is_refused()
    {
        var act = () => ChatKitStorageJson.Deserialize<ThreadItem>("""{"type":"assistant_message","thread_id":"thr_1","created_at":"2026-01-01T00:00:00Z","content":[]}""");

        act.Should().Throw<JsonException>().WithMessage("*missing required properties*id*");
    }

    [Test]
    public void A_stored_item_with_null_where_its_type_allows_none_is_refused()
    {
        var act = () => ChatKitStorageJson.Deserialize<ThreadItem>("""{"type":"assistant_message","id":"msg_1","thread_id":"thr_1","created_at":"2026-01-01T00:00:00Z","content":null}""");

        act.Should().Throw<JsonException>().WithMessage("*content*");
    }

    [Test]
    public void Members_the_wire_ignores_are_not_read_or_written()
    {
        var item = (AssistantMessageItem)ChatKitStorageJson.Deserialize<ThreadItem>(
            """{"type":"assistant_message","id":"msg_1","thread_id":"thr_1","created_at":"2026-01-01T00:00:00Z","content":[{"type":"output_text","text":"hi","annotations":[]}],"text":"not a member","kind":"nor this"}""");

        item.Text.Should().Be("hi");
        ChatKitJson.Serialize<ThreadItem>(item).Should().NotContain("not a member").And.NotContain("\"kind\"");
    }
}
