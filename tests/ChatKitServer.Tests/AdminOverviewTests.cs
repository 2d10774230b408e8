using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.Client;
using ChatKit.Json;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>
/// The admin overview (figures per UTC day, read from the real store through HTTP) and the thread exports.
/// Three days of activity are made through the protocol on a clock set back in time: the server's own
/// <see cref="TimeProvider"/> dates every thread, item, usage record and feedback. On SQLite and on a real
/// PostgreSQL (skipped when it is not installed).
/// </summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class AdminOverviewTests(TestDatabase database)
{
    private readonly ShiftedClock _clock = new();
    private ScriptedUpstream _upstream = null!;
    private ServerFactory _factory = null!;
    private HttpClient _admin = null!;
    private DateOnly _today;
    private string _pancakes = null!, _failures = null!, _story = null!;
    private ChatKitTurn _outage = null!, _refused = null!;
    private JsonObject _afterOutage = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        var settings = _upstream.Settings();
        settings["Assistant:Models:0"] = "other-model";
        _factory = new ServerFactory(settings, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)), database: database);
        _admin = Http("root", "admin");
        _today = DateOnly.FromDateTime(DateTime.UtcNow);
        var alice = new ChatKitClient(Http("alice"));
        var bob = new ChatKitClient(Http("bob"));

        // Two days ago: Alice's question makes the model call a tool (two model calls, two usage records); she likes the answer.
        _clock.Set(At(-2, 9));
        _upstream.Enqueue(Reply.ToolCall("call_1", "search_threads", "{\"query\":\"pancakes\"}")).Enqueue(Reply.Text("Here is the pancake recipe."));
        var pancakes = await alice.CreateThreadAsync(ChatKitClient.Text("Find my pancake recipe")).CollectAsync();
        _pancakes = pancakes.ThreadId!;
        await alice.UpdateThreadAsync(_pancakes, "Pancakes");
        await alice.SendFeedbackAsync(_pancakes, [pancakes.Items<AssistantMessageItem>().Single().Id], FeedbackKind.Positive);

        // Yesterday: the model is down (stream.error), Bob asks for a model he may not use (custom), then it answers again.
        _clock.Set(At(-1, 9));
        _upstream.Enqueue(Reply.Error(500));
        _outage = await bob.CreateThreadAsync(ChatKitClient.Text("Hello there")).CollectAsync();
        _failures = _outage.ThreadId!;
        await bob.UpdateThreadAsync(_failures, "Failures");
        var forbidden = ChatKitClient.Text("Answer with the forbidden model");
        forbidden.InferenceOptions.Model = "forbidden-model";
        _refused = await bob.AddUserMessageAsync(_failures, forbidden).CollectAsync();
        _upstream.Enqueue(Reply.Text("Yes, I am back."));
        await bob.AddUserMessageAsync(_failures, ChatKitClient.Text("Are you back?")).CollectAsync();
        lock (_upstream.Requests) _afterOutage = _upstream.Requests[^1];

        // Still yesterday: a slow answer (the clock moves ten minutes while the model streams); Bob dislikes it.
        _upstream.Enqueue(Reply.Text("Once upon a time.") with { Delay = TimeSpan.FromSeconds(1) });
        var requestsBefore = RequestCount();
        var storyTurn = bob.CreateThreadAsync(ChatKitClient.Text("Tell me a story")).CollectAsync();
        await WaitUntilAsync(() => RequestCount() > requestsBefore, "the model to be asked for the story");
        _clock.Advance(TimeSpan.FromMinutes(10));
        var story = await storyTurn;
        _story = story.ThreadId!;
        await bob.UpdateThreadAsync(_story, "Story");
        await bob.SendFeedbackAsync(_story, [story.Items<AssistantMessageItem>().Single().Id], FeedbackKind.Negative);

        // Today: Alice follows up in her thread with the other model.
        _clock.Set(At(0, 0).AddMinutes(1));
        _upstream.Enqueue(Reply.Text("Waffles need more butter."));
        var waffles = ChatKitClient.Text("And for waffles?");
        waffles.InferenceOptions.Model = "other-model";
        await alice.AddUserMessageAsync(_pancakes, waffles).CollectAsync();
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        _admin.Dispose();
        _factory.Dispose();
        await _upstream.DisposeAsync();
    }

    private HttpClient Http(string user, string? role = null) => role is null ? _factory.HttpClientFor(user) : _factory.HttpClientFor(user, role);

    private DateTimeOffset At(int days, int hour) => new(_today.AddDays(days).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);

    private string Day(int days) => _today.AddDays(days).ToString("yyyy-MM-dd");

    private int RequestCount()
    {
        lock (_upstream.Requests) return _upstream.Requests.Count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    private async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await _admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static JsonObject DayOf(JsonObject overview, string day) =>
        overview["days"]!.AsArray().Single(d => (string)d!["day"]! == day)!.AsObject();

    private static List<(string Model, long Prompt, long Completion)> TokensOf(JsonObject day) =>
        day["tokens"]!.AsArray().Select(t => ((string)t!["model"]!, (long)t["prompt_tokens"]!, (long)t["completion_tokens"]!)).ToList();

    [Test]
    public async Task The_overview_counts_threads_turns_tokens_by_model_feedback_and_errors_per_day()
    {
        var overview = await GetJsonAsync($"/admin/api/overview?from={Day(-2)}&to={Day(1)}");

        overview["days"]!.AsArray().Select(d => (string)d!["day"]!).Should().Equal(Day(-2), Day(-1), Day(0));
        var first = DayOf(overview, Day(-2));
        ((int)first["threads"]!, (int)first["turns"]!, (int)first["positive"]!, (int)first["negative"]!).Should().Be((1, 1, 1, 0));
        TokensOf(first).Should().Equal([("test-model", 22L, 14L)], "one answer of two model calls (the tool call, then the text), 11 + 7 tokens each");
        var second = DayOf(overview, Day(-1));
        ((int)second["threads"]!, (int)second["turns"]!, (int)second["positive"]!, (int)second["negative"]!).Should().Be((2, 4, 0, 1));
        TokensOf(second).Should().Equal([("test-model", 22L, 14L)], "two answers; the failed turns used none");
        var third = DayOf(overview, Day(0));
        ((int)third["threads"]!, (int)third["turns"]!).Should().Be((0, 1), "Alice's thread was created two days ago; her follow-up is today's turn");
        TokensOf(third).Should().Equal([("other-model", 11L, 7L)]);
        overview["models"]!.AsArray().Select(m => (string)m!).Should().Equal("other-model", "test-model");

        overview["errors"]!.AsArray().Select(e => ((string)e!["code"]!, (int)e["count"]!)).Should().Equal(("custom", 1), ("stream.error", 1));
        var totals = overview["totals"]!;
        ((int)totals["threads"]!, (int)totals["turns"]!, (long)totals["prompt_tokens"]!, (long)totals["completion_tokens"]!,
            (int)totals["positive"]!, (int)totals["negative"]!, (int)totals["errors"]!).Should().Be((3, 6, 55L, 35L, 1, 1, 2));

        var slowest = overview["slowest_threads"]!.AsArray();
        slowest.Select(t => (string)t!["id"]!).Should().BeEquivalentTo([_story, _pancakes, _failures]);
        slowest[0]!["id"]!.GetValue<string>().Should().Be(_story);
        slowest[0]!["title"]!.GetValue<string>().Should().Be("Story");
        slowest[0]!["user_id"]!.GetValue<string>().Should().Be("bob");
        slowest[0]!["turns"]!.GetValue<int>().Should().Be(1);
        slowest[0]!["slowest_turn_seconds"]!.GetValue<double>().Should().BeInRange(600, 660, "the clock moved ten minutes while the model streamed");
        var pancakes = slowest.Single(t => (string)t!["id"]! == _pancakes)!;
        pancakes["turns"]!.GetValue<int>().Should().Be(2, "the pancake question and the waffle follow-up");
        var failures = slowest.Single(t => (string)t!["id"]! == _failures)!;
        failures["turns"]!.GetValue<int>().Should().Be(3, "a failed turn has a time too: until its error record");
        failures["slowest_turn_seconds"]!.GetValue<double>().Should().BeLessThan(60);

        var byDefault = await GetJsonAsync("/admin/api/overview");
        byDefault["days"]!.AsArray().Should().HaveCount(30, "the last 30 days, today included");
        ((string)byDefault["days"]![29]!["day"]!).Should().Be(Day(0));
        JsonNode.DeepEquals(byDefault["totals"], totals).Should().BeTrue();
    }

    [Test]
    public async Task The_overview_filters_by_user_and_dates_and_refuses_bad_ranges()
    {
        var bob = await GetJsonAsync($"/admin/api/overview?from={Day(-2)}&to={Day(1)}&user=bob");
        bob["user"]!.GetValue<string>().Should().Be("bob");
        var totals = bob["totals"]!;
        ((int)totals["threads"]!, (int)totals["turns"]!, (int)totals["positive"]!, (int)totals["negative"]!, (int)totals["errors"]!).Should().Be((2, 4, 0, 1, 2));
        bob["slowest_threads"]!.AsArray().Select(t => (string)t!["user_id"]!).Should().OnlyContain(u => u == "bob");

        var alice = await GetJsonAsync($"/admin/api/overview?from={Day(-2)}&to={Day(1)}&user=alice");
        ((int)alice["totals"]!["errors"]!, (int)alice["totals"]!["turns"]!).Should().Be((0, 2));
        alice["errors"]!.AsArray().Should().BeEmpty();

        var yesterday = await GetJsonAsync($"/admin/api/overview?from={Day(-1)}&to={Day(0)}");
        yesterday["days"]!.AsArray().Select(d => (string)d!["day"]!).Should().Equal(Day(-1));
        ((int)yesterday["totals"]!["threads"]!, (int)yesterday["totals"]!["turns"]!).Should().Be((2, 4));
        yesterday["models"]!.AsArray().Select(m => (string)m!).Should().Equal("test-model");

        var nobody = await GetJsonAsync($"/admin/api/overview?from={Day(-2)}&to={Day(1)}&user=nobody");
        nobody["days"]!.AsArray().Should().HaveCount(3).And.OnlyContain(d => (int)d!["threads"]! == 0 && (int)d["turns"]! == 0);
        nobody["slowest_threads"]!.AsArray().Should().BeEmpty();

        foreach (var (query, says) in new[]
                 {
                     ("from=yesterday", "'from' is not a date"),
                     ($"from={Day(0)}&to={Day(-1)}", "must be after"),
                     ("from=2020-01-01&to=2022-01-01", "at most 366 days"),
                 })
        {
            using var response = await _admin.GetAsync("/admin/api/overview?" + query);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, query);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            (await response.Content.ReadAsStringAsync()).Should().Contain(says);
        }
    }

    /// <summary>Found by a hostile audit (2026-12): both were a 500 (a date before year 1, a day after 9999-12-31).</summary>
    [TestCase("/admin/api/overview?to=0001-01-01", HttpStatusCode.BadRequest, "must be after")]
    [TestCase("/admin/overview?to=0001-01-01", HttpStatusCode.BadRequest, "must be after")]
    [TestCase("/admin/api/overview?from=0001-01-01&to=0001-01-03", HttpStatusCode.OK, "\"0001-01-02\"")]
    [TestCase("/admin/api/overview?from=9999-12-30&to=9999-12-31T23:59:59Z", HttpStatusCode.OK, "\"9999-12-31\"")]
    [TestCase("/admin/overview?from=9999-12-30&to=9999-12-31T23:59:59Z", HttpStatusCode.OK, "9999-12-31")]
    public async Task Ranges_at_the_ends_of_the_calendar_are_answered_not_failed(string path, HttpStatusCode status, string says)
    {
        using var response = await _admin.GetAsync(path);

        response.StatusCode.Should().Be(status);
        (await response.Content.ReadAsStringAsync()).Should().Contain(says);
    }

    [Test]
    public async Task A_failed_turn_leaves_an_error_record_with_the_code_the_client_got_which_the_model_never_sees()
    {
        _outage.Errors.Should().ContainSingle().Which.Code.Should().Be("stream.error");
        _refused.Errors.Should().ContainSingle().Which.Code.Should().Be("custom");

        var thread = await GetJsonAsync($"/admin/api/threads/{_failures}");
        var records = thread["items"]!.AsArray().Where(i => (string)i!["type"]! == "hidden_context_item" && (string)i["content"]!["kind"]! == "error")
            .Select(i => i!["content"]!).ToList();
        records.Select(r => (string)r!["code"]!).Should().Equal("stream.error", "custom");
        records[0]!["exception"]!.GetValue<string>().Should().Be("System.ClientModel.ClientResultException", "the model call's failure, under the stream error");
        records[1]!["message"]!.GetValue<string>().Should().Be(_refused.Errors.Single().Message, "what the user was shown");

        _afterOutage.ToJsonString().Should().Contain("Hello there").And.NotContain("stream.error").And.NotContain("ClientResultException")
            .And.NotContain("Context:", "error records are for admins: the model is not told about them");

        var page = await _admin.GetStringAsync($"/admin/threads/{_failures}");
        page.Should().Contain("the turn ended with error <strong>stream.error</strong>");
    }

    [Test]
    public async Task The_overview_page_shows_tables_and_carries_the_api_figures_for_its_charts()
    {
        var query = $"from={Day(-2)}&to={Day(1)}";
        using var response = await _admin.GetAsync("/admin/overview?" + query);
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, html);
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'").And.Contain("script-src 'self'");
        html.Should().Contain("<script src=\"/assets/admin-charts.js\" defer></script>").And.NotContain("https://", "nothing comes from elsewhere: the page works offline");
        html.Should().Contain("id=\"activity-table\"").And.Contain("id=\"tokens-table\"").And.Contain("id=\"feedback-table\"")
            .And.Contain("id=\"errors-table\"").And.Contain("id=\"slowest-table\"");
        html.Should().Contain($"<th scope=\"row\">{Day(-2)}</th><td>test-model</td><td>22</td><td>14</td>");
        html.Should().Contain("<th scope=\"row\">stream.error</th><td>1</td>");
        html.Should().Contain($"<a href=\"/admin/threads/{_story}\">Story</a>");

        var carried = System.Text.RegularExpressions.Regex.Match(html, "data-overview=\"([^\"]*)\"").Groups[1].Value;
        var figures = JsonNode.Parse(WebUtility.HtmlDecode(carried));
        JsonNode.DeepEquals(figures, await GetJsonAsync("/admin/api/overview?" + query)).Should().BeTrue("the charts draw what the API answers");

        (await _admin.GetStringAsync("/admin")).Should().Contain("href=\"/admin/overview\"", "the thread list links to the overview");
        (await _admin.GetAsync("/assets/admin-charts.js")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_thread_exports_as_json_with_every_item_as_stored()
    {
        using var response = await _admin.GetAsync($"/admin/api/threads/{_pancakes}/export.json");
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        response.Content.Headers.ContentDisposition.FileName.Should().Be($"{_pancakes}.json");
        var export = JsonNode.Parse(text)!;
        export["thread"]!["id"]!.GetValue<string>().Should().Be(_pancakes);
        export["thread"]!["user_id"]!.GetValue<string>().Should().Be("alice");
        export["thread"]!["title"]!.GetValue<string>().Should().Be("Pancakes");
        export["feedback"]!.AsArray().Should().ContainSingle().Which!["kind"]!.GetValue<string>().Should().Be("positive");

        var items = export["items"]!.AsArray();
        var detail = await GetJsonAsync($"/admin/api/threads/{_pancakes}");
        items.Select(i => (string)i!["id"]!).Should().Equal(detail["items"]!.AsArray().Select(i => (string)i!["id"]!), "every item, hidden ones included, in thread order");
        items.Select(i => (string)i!["type"]!).Should().Contain("hidden_context_item");
        foreach (var item in items)
        {
            var parsed = ChatKitJson.Deserialize<ThreadItem>(item!.ToJsonString());
            JsonNode.DeepEquals(JsonNode.Parse(ChatKitJson.Serialize(parsed)), item).Should().BeTrue($"item {item["id"]} reads back as the same item");
        }
        var visible = await new ChatKitClient(Http("alice")).ListItemsAsync(_pancakes, order: SortOrder.Asc);
        items.Select(i => ChatKitJson.Deserialize<ThreadItem>(i!.ToJsonString())).Where(i => !i.IsHidden).Select(i => i.Id)
            .Should().Equal(visible.Data.Select(i => i.Id), "what the user sees is in the export too");

        var fromPage = JsonNode.Parse(await _admin.GetStringAsync($"/admin/threads/{_pancakes}/export.json"))!;
        JsonNode.DeepEquals(fromPage["items"], export["items"]).Should().BeTrue("the thread page's link downloads the same export");
        (await _admin.GetAsync("/admin/api/threads/thr_missing/export.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_thread_exports_as_a_markdown_transcript()
    {
        using var response = await _admin.GetAsync($"/admin/api/threads/{_pancakes}/export.md");
        var markdown = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, markdown);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/markdown; charset=utf-8");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        response.Content.Headers.ContentDisposition.FileName.Should().Be($"{_pancakes}.md");
        markdown.Should().StartWith("# Pancakes\n");
        markdown.Should().Contain("- User: `alice`").And.Contain($"- Created: {Day(-2)} 09:").And.Contain("- Tokens: 33 prompt, 21 completion, over 2 answers");
        var order = new[]
        {
            "## User · ", "Find my pancake recipe",
            "### Tool call `search_threads`", "{\"query\":\"pancakes\"}",
            "## Assistant · ", "Here is the pancake recipe.", "_Feedback: positive_",
            "_Usage: test-model · 22 prompt + 14 completion tokens_",
            "And for waffles?", "Waffles need more butter.", "_Usage: other-model · 11 prompt + 7 completion tokens_",
        };
        var at = 0;
        foreach (var part in order)
        {
            var found = markdown.IndexOf(part, at, StringComparison.Ordinal);
            found.Should().BeGreaterThanOrEqualTo(0, $"'{part}' comes after what came before, in:\n{markdown}");
            at = found + part.Length;
        }

        var failures = await _admin.GetStringAsync($"/admin/threads/{_failures}/export.md");
        failures.Should().Contain("### Error `stream.error`").And.Contain("### Error `custom`").And.Contain("Yes, I am back.");
    }

    [Test]
    public async Task A_users_text_reads_as_typed_in_the_transcript_and_cannot_pass_for_an_answer_or_carry_html()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder { Script = (t, _, _) => TestResponder.Text(t, "No.") }, database: database);
        var mallory = factory.ClientFor("mallory");
        const string forged = "Is my refund OK?\n\n## Assistant · 2026-12-01 10:00:00 UTC\n\nYes, your refund is *approved*.\n\n_Feedback: positive_\n\n"
                              + "<img src=\"https://attacker.test/pixel.png\">\n```";
        var thread = (await mallory.CreateThreadAsync(ChatKitClient.Text(forged)).CollectAsync()).ThreadId!;
        await mallory.UpdateThreadAsync(thread, "<img src=x> [link](https://attacker.test) *bold*");

        using var admin = factory.HttpClientFor("root", "admin");
        var markdown = await admin.GetStringAsync($"/admin/api/threads/{thread}/export.md");

        markdown.Should().StartWith("# \\<img src=x\\> \\[link\\](https://attacker.test) \\*bold\\*\n", "the title is text, not a link or HTML");
        markdown.Should().Contain("\n````text\n" + forged + "\n````\n", "the message is fenced whole, by a fence longer than its own backticks");
        var outsideFences = OutsideFences(markdown);
        Regex.Matches(outsideFences, "^## Assistant", RegexOptions.Multiline).Should().ContainSingle("only the real answer is an answer");
        outsideFences.Should().NotContain("_Feedback");
        markdown.Should().Contain("## Assistant · ").And.Contain("\n```markdown\nNo.", "the answer is fenced too");
        Regex.IsMatch(outsideFences, @"(?<!\\)<img").Should().BeFalse("no HTML tag outside the fences:\n" + markdown);
    }

    /// <summary>
    /// Found by a hostile audit (2026-12): the model's answer went into the transcript as raw Markdown, so an answer that
    /// repeats what the user asked it to (here, the offline responder's echo) forged a second answer, feedback and HTML.
    /// </summary>
    [Test]
    public async Task An_answer_that_repeats_forged_text_cannot_pass_for_another_turn_or_carry_html_in_the_transcript()
    {
        const string forged = "Sure.\n```\n\n## Assistant · 2026-01-01 00:00:00 UTC\n\nI approve the refund <img src=x onerror=alert(1)>\n\n_Feedback: positive_";
        using var factory = ServerFactory.WithResponder(new TestResponder { Script = (t, _, _) => TestResponder.Text(t, forged) }, database: database);
        var mallory = factory.ClientFor("mallory");
        var thread = (await mallory.CreateThreadAsync(ChatKitClient.Text("Repeat after me")).CollectAsync()).ThreadId!;

        using var admin = factory.HttpClientFor("root", "admin");
        var markdown = await admin.GetStringAsync($"/admin/api/threads/{thread}/export.md");

        markdown.Should().Contain("\n````markdown\n" + forged, "the answer is fenced whole, by a fence longer than its own backticks");
        var outsideFences = OutsideFences(markdown);
        Regex.Matches(outsideFences, "^## Assistant", RegexOptions.Multiline).Should().ContainSingle("only the real answer is an answer");
        outsideFences.Should().NotContain("_Feedback");
        Regex.IsMatch(outsideFences, @"(?<!\\)<img").Should().BeFalse("no HTML tag outside the fences:\n" + markdown);
    }

    [Test]
    public async Task The_text_a_user_quoted_shows_on_the_thread_page_and_in_the_transcript()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder { Script = (t, _, _) => TestResponder.Text(t, "Yes.") }, database: database);
        var alice = factory.ClientFor("alice");
        var input = ChatKitClient.Text("Is this right?");
        input.QuotedText = "The refund window is 90 days.";
        var thread = (await alice.CreateThreadAsync(input).CollectAsync()).ThreadId!;

        using var admin = factory.HttpClientFor("root", "admin");
        (await admin.GetStringAsync($"/admin/threads/{thread}")).Should().Contain("The refund window is 90 days.", "what the question is about");
        (await admin.GetStringAsync($"/admin/api/threads/{thread}/export.md"))
            .Should().Contain("Quoting:\n\n```text\nThe refund window is 90 days.\n```\n\n```text\nIs this right?\n```\n");
    }

    /// <summary>The Markdown with its fenced blocks left out (a fence closes on a line of at least as many backticks).</summary>
    private static string OutsideFences(string markdown)
    {
        var outside = new System.Text.StringBuilder();
        string? fence = null;
        foreach (var line in markdown.Split('\n'))
        {
            var run = Regex.Match(line, "^`{3,}").Value;
            if (fence is null && run.Length > 0) fence = run;
            else if (fence is not null && run.Length >= fence.Length && line.Trim() == run) fence = null;
            else if (fence is null) outside.AppendLine(line);
        }
        return outside.ToString();
    }

    [Test]
    public async Task A_widget_is_exported_as_its_copy_text()
    {
        using var factory = new ServerFactory(database: database);
        var alice = factory.ClientFor("alice");
        var turn = await alice.CreateThreadAsync(ChatKitClient.Text("help")).CollectAsync();
        var widget = turn.Items<WidgetItem>().Single();

        using var admin = factory.HttpClientFor("root", "admin");
        var markdown = await admin.GetStringAsync($"/admin/api/threads/{turn.ThreadId}/export.md");

        markdown.Should().Contain($"### Widget ({widget.Widget.Type})").And.Contain(widget.CopyText);
    }

    [TestCase("/admin/api/overview")]
    [TestCase("/admin/overview")]
    [TestCase("/admin/api/threads/{0}/export.json")]
    [TestCase("/admin/api/threads/{0}/export.md")]
    [TestCase("/admin/threads/{0}/export.json")]
    [TestCase("/admin/threads/{0}/export.md")]
    public async Task Users_get_403_and_anonymous_callers_get_401(string path)
    {
        path = string.Format(path, _pancakes);
        using var user = Http("alice");
        (await user.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = _factory.CreateClient();
        (await anonymous.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task The_api_description_documents_the_overview_and_the_exports()
    {
        var document = await GetJsonAsync("/openapi/v1.json");
        var paths = document["paths"]!;
        paths["/admin/api/overview"]!["get"]!["tags"]!.AsArray().Select(t => (string)t!).Should().Equal("Admin");
        var schema = paths["/admin/api/overview"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        schema.Should().Contain("AdminOverview");
        document["components"]!["schemas"]!["AdminOverview"]!["properties"]!.AsObject().Select(p => p.Key)
            .Should().Contain(["days", "models", "errors", "slowest_threads", "totals"], "the document names the fields as the answer writes them");
        paths["/admin/api/threads/{id}/export.json"]!["get"].Should().NotBeNull();
        paths["/admin/api/threads/{id}/export.md"]!["get"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key).Should().Contain("text/markdown");
    }

    /// <summary>The real clock moved to a chosen time (it keeps running from there), so real delays show as they are.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        private TimeSpan _offset;

        public void Set(DateTimeOffset now) => _offset = now - TimeProvider.System.GetUtcNow();

        public void Advance(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + _offset;
    }
}
