using System.Net;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// The admin text filter (decision 0022) finds what people read of a thread (title, messages, quoted text, widget text),
/// ignoring case for accented and non-Latin letters too, never JSON property names or type tags, and answers the same on
/// SQLite and PostgreSQL.
/// </summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class AdminSearchTests(TestDatabase database)
{
    private const string Script = """
        { "turns": [
          { "match": "card", "reply": ["Here it is."], "copyText": "Copied REPORT",
            "widget": { "type": "Card", "children": [ { "type": "Title", "value": "Quarterly ÜBERSICHT" }, { "type": "Button", "label": "Book NOW" } ] } },
          { "match": "*", "reply": ["Noted."] } ] }
        """;

    private ServerFactory _factory = null!;
    private HttpClient _admin = null!;
    private string _dessert = null!, _symbols = null!, _card = null!, _travel = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _factory = new ServerFactory(database: database, inlineScript: Script);
        _admin = _factory.HttpClientFor("root", "admin");
        var erin = _factory.ClientFor("erin");
        _dessert = (await erin.CreateThreadAsync(new UserMessageInput
        {
            Content = [new UserMessageTextContent { Text = "Crème BRÛLÉE, please" }], QuotedText = "ΣΟΦΊΑ wrote this",
        }).CollectAsync()).ThreadId!;
        await erin.UpdateThreadAsync(_dessert, "Dessert IDEAS");
        _symbols = (await erin.CreateThreadAsync(ChatKitClient.Text("She said \"call me\" at 9\nthen left 😀 see C:\\temp\ttab [a-z] 50%_off")).CollectAsync()).ThreadId!;
        await erin.UpdateThreadAsync(_symbols, "Plain");
        _card = (await erin.CreateThreadAsync(ChatKitClient.Text("Show the card")).CollectAsync()).ThreadId!;
        await erin.UpdateThreadAsync(_card, "Plain");
        _travel = (await erin.CreateThreadAsync(ChatKitClient.Text("Die Straße nach İSTANBUL ist groß")).CollectAsync()).ThreadId!;
        await erin.UpdateThreadAsync(_travel, "Plain");
        using var scope = _factory.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IChatKitStore>().AddThreadItemAsync(_travel, new WorkflowItem
        {
            Id = "wf_travel", ThreadId = _travel, CreatedAt = DateTimeOffset.UtcNow,
            Workflow = new Workflow { Tasks = [new CustomTask { Title = "Packing", Content = "Sunscreen and HATS" }] },
        }, new ChatKitContext { UserId = "erin" });
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _admin.Dispose();
        _factory.Dispose();
    }

    private async Task<List<string>> SearchAsync(string query)
    {
        using var response = await _admin.GetAsync("/admin/api/threads?user=erin&q=" + Uri.EscapeDataString(query));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["data"]!.AsArray().Select(t => (string)t!["id"]!).ToList();
    }

    [Test]
    public async Task A_text_filter_longer_than_500_characters_is_refused_with_400()
    {
        using var response = await _admin.GetAsync("/admin/api/threads?q=" + new string('%', 501));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        ((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!).Should().Contain("'q' is longer than 500 characters");
        (await SearchAsync(new string('é', 500))).Should().BeEmpty("500 characters are searched");
    }

    [TestCase("text")]
    [TestCase("type")]
    [TestCase("role")]
    [TestCase("content")]
    [TestCase("user_message")]
    [TestCase("input_text")]
    [TestCase("created_at")]
    [TestCase("thread_id")]
    [TestCase("{")]
    [TestCase("\":\"")]
    public async Task JSON_property_names_type_tags_and_syntax_find_no_thread(string query) =>
        (await SearchAsync(query)).Should().BeEmpty($"'{query}' is in every item's JSON, not in what anyone wrote");

    [TestCase("crème brûlée")]
    [TestCase("CRÈME BRÛLÉE")]
    [TestCase("Crème Brûlée")]
    [TestCase("CRE\u0300ME")] // an accent typed as a combining mark
    [TestCase("σοφία")] // the quoted text, Greek
    [TestCase("dessert ideas")] // the title
    public async Task Case_does_not_matter_for_accented_and_non_Latin_letters(string query) =>
        (await SearchAsync(query)).Should().Equal([_dessert]);

    [TestCase("\"call me\"")]
    [TestCase("9\nthen")]
    [TestCase("😀")]
    [TestCase("C:\\TEMP")]
    [TestCase("temp\ttab")]
    [TestCase("[a-z]")]
    [TestCase("50%_off")]
    [TestCase("%")]
    [TestCase("_")]
    public async Task Quotes_line_breaks_emoji_backslashes_brackets_percent_and_underscore_match_as_written(string query) =>
        (await SearchAsync(query)).Should().Equal([_symbols]);

    [TestCase("[b-c]")]
    [TestCase("50%off")]
    [TestCase("50_ff")]
    [TestCase("\"call you\"")]
    public async Task Wildcards_and_character_classes_are_not_wildcards(string query) =>
        (await SearchAsync(query)).Should().BeEmpty();

    [Test]
    public async Task A_widgets_copy_text_and_text_components_and_the_answers_are_found()
    {
        (await SearchAsync("copied report")).Should().Equal([_card]);
        (await SearchAsync("übersicht")).Should().Equal([_card]);
        (await SearchAsync("NOTED")).Should().BeEquivalentTo([_dessert, _symbols, _travel]);
        (await _admin.GetStringAsync("/admin?q=" + Uri.EscapeDataString("CRÈME"))).Should().Contain(_dessert, "the page filters the same way");
    }

    [TestCase("STRASSE")]
    [TestCase("strasse")]
    [TestCase("Straße")]
    [TestCase("GROSS")]
    [TestCase("istanbul")]
    [TestCase("İstanbul")] // Turkish dotted capital I
    [TestCase("ıstanbul")] // and dotless small i
    public async Task Sharp_s_is_ss_and_Turkish_dotted_and_dotless_i_are_i(string query) =>
        (await SearchAsync(query)).Should().Equal([_travel]);

    [TestCase("creme brulee")]
    [TestCase("CREME")]
    [TestCase("σοφια")] // Greek without its accent
    public async Task Accents_need_not_be_typed(string query) =>
        (await SearchAsync(query)).Should().Equal([_dessert]);

    [Test]
    public async Task A_workflow_tasks_text_and_a_widgets_button_label_are_found_and_their_JSON_names_are_not()
    {
        (await SearchAsync("sunscreen and hats")).Should().Equal([_travel]);
        (await SearchAsync("packing")).Should().Equal([_travel]);
        (await SearchAsync("book now")).Should().Equal([_card]);
        (await SearchAsync("custom")).Should().BeEmpty("the task's type tag is JSON, not text");
        (await SearchAsync("Button")).Should().BeEmpty("the component's type is JSON, not text");
    }
}
