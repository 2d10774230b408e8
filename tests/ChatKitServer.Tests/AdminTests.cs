using System.Net;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>The admin API and pages: across users for admins, 403 for users, 401 for anonymous callers.</summary>
public class AdminTests
{
    private ScriptedUpstream _upstream = null!;
    private ServerFactory _factory = null!;
    private HttpClient _admin = null!;
    private string _aliceThread = null!;
    private string _bobThread = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _factory = new ServerFactory(_upstream.Settings());
        _admin = _factory.HttpClientFor("root", "admin");
        (_aliceThread, _bobThread) = await SeedAsync(_factory, _upstream);
    }

    /// <summary>Alice asks something that makes the model call a tool and gives feedback; Bob has a plain thread.</summary>
    internal static async Task<(string Alice, string Bob)> SeedAsync(ServerFactory factory, ScriptedUpstream upstream)
    {
        var alice = factory.ClientFor("alice");
        var bob = factory.ClientFor("bob");
        upstream.Enqueue(Reply.ToolCall("call_1", "search_threads", "{\"query\":\"pancakes\"}")).Enqueue(Reply.Text("Here is the pancake recipe."));
        var a = await alice.CreateThreadAsync(ChatKitClient.Text("Find my pancake recipe")).CollectAsync();
        await alice.UpdateThreadAsync(a.ThreadId!, "Pancakes");
        var answer = a.Items<AssistantMessageItem>().Single();
        await alice.SendFeedbackAsync(a.ThreadId!, [answer.Id], FeedbackKind.Positive);
        upstream.Enqueue(Reply.Text("Hello Bob."));
        var b = await bob.CreateThreadAsync(ChatKitClient.Text("Hello there")).CollectAsync();
        await bob.UpdateThreadAsync(b.ThreadId!, "Greetings");
        return (a.ThreadId!, b.ThreadId!);
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        _admin.Dispose();
        _factory.Dispose();
        await _upstream.DisposeAsync();
    }

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await _admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static List<string> Ids(JsonNode page) => page["data"]!.AsArray().Select(t => (string)t!["id"]!).ToList();

    [Test]
    public async Task Admins_list_threads_across_users_with_filters_and_paging()
    {
        Ids(await GetJsonAsync("/admin/api/threads")).Should().StartWith([_bobThread, _aliceThread]);
        Ids(await GetJsonAsync("/admin/api/threads?user=alice")).Should().Equal(_aliceThread);
        Ids(await GetJsonAsync("/admin/api/threads?q=pancake")).Should().Equal(_aliceThread);
        Ids(await GetJsonAsync("/admin/api/threads?q=Greetings")).Should().Equal(_bobThread);
        Ids(await GetJsonAsync("/admin/api/threads?to=2000-01-01")).Should().BeEmpty();
        Ids(await GetJsonAsync($"/admin/api/threads?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}")).Should().Contain([_aliceThread, _bobThread]);

        var first = await GetJsonAsync("/admin/api/threads?limit=1");
        first["has_more"]!.GetValue<bool>().Should().BeTrue();
        var second = await GetJsonAsync($"/admin/api/threads?limit=1&after={first["after"]}");
        Ids(second).Should().Equal(_aliceThread);
        first["data"]![0]!["user_id"]!.GetValue<string>().Should().Be("bob");

        (await _admin.GetAsync("/admin/api/threads?from=yesterday")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _admin.GetAsync("/admin/api/threads?limit=0")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        // A range that ends before it begins is refused as the overview refuses it (it was an empty list: found by an audit, 2026-12).
        using var backwards = await _admin.GetAsync("/admin/api/threads?from=2026-12-02&to=2026-12-01");
        backwards.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await backwards.Content.ReadAsStringAsync()).Should().Contain("'to' (2026-12-01T00:00:00.0000000+00:00) must be after 'from'");
    }

    [Test]
    public async Task The_text_filter_finds_quotes_line_breaks_backslashes_and_emoji_in_messages()
    {
        var dave = _factory.ClientFor("dave");
        _upstream.Enqueue(Reply.Text("Noted."));
        var thread = (await dave.CreateThreadAsync(ChatKitClient.Text("She said \"call me\" at 9\nthen left 😀 see C:\\temp\ttab [a-z] 50%_off")).CollectAsync()).ThreadId!;
        await dave.UpdateThreadAsync(thread, "Plain title"); // only the message holds the text
        try
        {
            // The item's stored JSON escapes these characters; the search must still find the text as the user wrote it.
            foreach (var text in new[] { "\"call me\"", "9\nthen", "😀", "C:\\temp", "temp\ttab", "said \"call", "[a-z]", "50%_off" })
                Ids(await GetJsonAsync("/admin/api/threads?user=dave&q=" + Uri.EscapeDataString(text))).Should().Equal([thread], $"the message holds {text}");
            Ids(await GetJsonAsync("/admin/api/threads?user=dave&q=" + Uri.EscapeDataString("\"call you\""))).Should().BeEmpty();
            Ids(await GetJsonAsync("/admin/api/threads?user=dave&q=" + Uri.EscapeDataString("[b-c]"))).Should().BeEmpty("brackets are text, not a character class (SQL Server)");
            Ids(await GetJsonAsync("/admin/api/threads?user=dave&q=" + Uri.EscapeDataString("50%off"))).Should().BeEmpty("% is text, not a wildcard");
            (await _admin.GetStringAsync("/admin?q=" + Uri.EscapeDataString("\"call me\""))).Should().Contain(thread, "the page filters the same way");
        }
        finally
        {
            (await _admin.DeleteAsync($"/admin/api/threads/{thread}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        }
    }

    [TestCase("/admin?after=thr_gone", 400, "does not name a thread")]
    [TestCase("/admin?from=yesterday", 400, "from")]
    [TestCase("/admin?from=2026-12-02&to=2026-12-01", 400, "must be after")]
    [TestCase("/admin/threads/thr_gone", 404, "thr_gone")]
    [TestCase("/admin/threads/thr_gone/export.md", 404, "thr_gone")]
    public async Task A_refused_admin_page_is_a_page_that_says_why(string path, int status, string said)
    {
        // These answered the API's ProblemDetails JSON, which a browser shows as raw text.
        using var response = await _admin.GetAsync(path);

        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        body.Should().Contain("id=\"admin-error\"").And.Contain(said).And.Contain("href=\"/admin\"");
        using var api = await _admin.GetAsync(path.Replace("/admin", "/admin/api").Replace("/api?", "/api/threads?"));
        api.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", "the API still answers JSON");
    }

    [Test]
    public async Task A_thread_shows_every_item_hidden_ones_included_with_usage_and_feedback()
    {
        var thread = await GetJsonAsync($"/admin/api/threads/{_aliceThread}");

        thread["user_id"]!.GetValue<string>().Should().Be("alice");
        var kinds = thread["items"]!.AsArray().Select(i => (string)i!["type"]!).ToList();
        // The thread's order (first appearance): the workflow is announced before the tool's hidden record is saved.
        kinds.Should().Equal("user_message", "workflow", "hidden_context_item", "assistant_message", "hidden_context_item");
        thread["items"]![2]!["content"]!["name"]!.GetValue<string>().Should().Be("search_threads");
        thread["usage"]!["prompt_tokens"]!.GetValue<int>().Should().Be(22, "two model calls of 11 prompt tokens");
        thread["usage"]!["completion_tokens"]!.GetValue<int>().Should().Be(14);
        thread["feedback"]!.AsArray().Should().ContainSingle().Which!["kind"]!.GetValue<string>().Should().Be("positive");
        (await _admin.GetAsync("/admin/api/threads/thr_missing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_admin_pages_show_the_list_and_a_thread()
    {
        var list = await _admin.GetStringAsync("/admin");
        list.Should().Contain("Pancakes").And.Contain("Greetings").And.Contain("alice").And.Contain("bob");

        var page = await _admin.GetStringAsync($"/admin/threads/{_aliceThread}");
        page.Should().Contain("Find my pancake recipe").And.Contain("Here is the pancake recipe.")
            .And.Contain("search_threads").And.Contain("feedback: positive").And.Contain("<strong>22</strong> prompt");

        var filtered = await _admin.GetStringAsync("/admin?user=bob");
        filtered.Should().Contain("Greetings").And.NotContain("Pancakes");
    }

    [TestCase("/admin/api/threads")]
    [TestCase("/admin")]
    public async Task Users_get_403_and_anonymous_callers_get_401(string path)
    {
        using var user = _factory.HttpClientFor("alice");
        (await user.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = _factory.CreateClient();
        (await anonymous.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public void The_next_page_link_keeps_every_filter_encoded()
    {
        var model = new ChatKitServer.Admin.AdminIndexModel(
            new ChatKitServer.Admin.AdminThreadFilter("a&b #c+d", Text: "x y=z"), "2026-01-01", null, new ChatKitServer.Admin.AdminThreadPage([], true, "thr_1"));
        model.NextPage.Should().Be("/admin?user=a%26b%20%23c%2Bd&from=2026-01-01&q=x%20y%3Dz&after=thr_1");
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x" + model.NextPage).Query);
        ((string?)query["user"]).Should().Be("a&b #c+d");
        ((string?)query["q"]).Should().Be("x y=z");
        query.Should().NotContainKey("to");
    }

    [Test]
    public async Task Admins_delete_threads()
    {
        var carol = _factory.ClientFor("carol");
        _upstream.Enqueue(Reply.Text("bye"));
        var thread = (await carol.CreateThreadAsync(ChatKitClient.Text("delete me")).CollectAsync()).ThreadId!;

        using var user = _factory.HttpClientFor("alice");
        (await user.DeleteAsync($"/admin/api/threads/{thread}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _admin.DeleteAsync($"/admin/api/threads/{thread}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await _admin.GetAsync($"/admin/api/threads/{thread}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Refusals.RefusedAsync(() => carol.GetThreadAsync(thread))).StatusCode.Should().Be(404);
    }
}
