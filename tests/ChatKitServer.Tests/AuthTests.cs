using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>Bearer tokens, per-user isolation on every request type, and the per-user rate limit.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class AuthTests(TestDatabase database)
{
    private ServerFactory _factory = null!;

    [OneTimeSetUp]
    public void Start() => _factory = ServerFactory.WithResponder(new TestResponder(), Tokens.JwtSettings(new() { ["RateLimiting:PermitLimit"] = "1000" }), database);

    [OneTimeTearDown]
    public void Stop() => _factory.Dispose();

    private static IEnumerable<TestCaseData> BadTokens()
    {
        yield return new TestCaseData(null).SetName("no token");
        yield return new TestCaseData(Tokens.Mint("u", expires: DateTime.UtcNow.AddMinutes(-5))).SetName("expired");
        yield return new TestCaseData(Tokens.Mint("u", audience: "someone-else")).SetName("wrong audience");
        yield return new TestCaseData(Tokens.Mint("u", issuer: "https://evil.test")).SetName("wrong issuer");
        yield return new TestCaseData(Tokens.Mint("u", signingKey: "another-key-that-is-also-long-enough-for-hs256")).SetName("bad signature");
        yield return new TestCaseData("not-a-jwt").SetName("garbage");
    }

    [TestCaseSource(nameof(BadTokens))]
    public async Task A_bad_token_gets_401(string? token)
    {
        using var http = _factory.CreateClient();
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var client = new ChatKitTestClient(http);

        using var response = await client.PostAsync(Request("threads.list"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_401_says_nothing_of_the_token()
    {
        using var http = _factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint("u", expires: DateTime.UtcNow.AddMinutes(-5)));

        using var response = await new ChatKitTestClient(http).PostAsync(Request("threads.list"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        challenge.Should().StartWith("Bearer").And.NotContain("error_description").And.NotContain("lifetime").And.NotContain("Expires");
    }

    private static IEnumerable<TestCaseData> NobodyTokens()
    {
        yield return new TestCaseData(new Dictionary<string, object> { ["sub"] = "" }).SetName("empty sub");
        yield return new TestCaseData(new Dictionary<string, object> { ["sub"] = "   " }).SetName("blank sub");
        yield return new TestCaseData(new Dictionary<string, object> { ["SUB"] = "alice" }).SetName("SUB instead of sub");
        yield return new TestCaseData(new Dictionary<string, object> { ["sub"] = new[] { "alice", "bob" } }).SetName("two subs");
    }

    [TestCaseSource(nameof(NobodyTokens))]
    public async Task A_token_that_names_no_single_user_gets_401_everywhere(Dictionary<string, object> claims)
    {
        using var http = _factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.MintWith(claims, role: "admin"));

        (await new ChatKitTestClient(http).PostAsync(Request("threads.list"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "/chatkit");
        (await http.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the admin API");
        (await http.PostAsync("/api/chat/message", JsonContent.Create(new { message = "hi" }))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the simple chat API");
    }

    [TestCase("Role")]
    [TestCase("ROLE")]
    [TestCase("roles")]
    [TestCase("http://schemas.microsoft.com/ws/2008/06/identity/claims/role")]
    public async Task Only_a_claim_named_exactly_role_makes_an_admin(string claimType)
    {
        using var impostor = _factory.CreateClient();
        impostor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Tokens.MintWith(new Dictionary<string, object> { ["sub"] = "mallory", [claimType] = "admin" }));
        using var admin = _factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint("root", "admin"));
        var widget = () => new StringContent("""{"type":"Card","children":[]}""", System.Text.Encoding.UTF8, "application/json");

        (await impostor.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "the admin API");
        (await impostor.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "the admin pages");
        (await impostor.PostAsync("/api/chat/widgets/streams/announcements/events", widget())).StatusCode.Should().Be(HttpStatusCode.Forbidden, "widget publishing");

        (await admin.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.PostAsync("/api/chat/widgets/streams/announcements/events", widget())).IsSuccessStatusCode.Should().BeTrue();
    }

    [Test]
    public async Task A_valid_token_works_and_the_user_is_its_sub()
    {
        using var alice = Tokens.ClientFor(_factory, "alice-" + Guid.NewGuid());
        var stream = await alice.StreamAsync(Create("hello"));
        stream.AssistantText.Should().Be("echo: hello ");
    }

    /// <summary>Bob tries every request type on Alice's records: nothing is found, listed or changed.</summary>
    [Test]
    public async Task Another_users_records_are_not_found_for_every_request_type()
    {
        using var alice = Tokens.ClientFor(_factory, "alice-" + Guid.NewGuid());
        using var bob = Tokens.ClientFor(_factory, "bob-" + Guid.NewGuid());
        var created = await alice.StreamAsync(Create("secret plans"));
        var thread = created.ThreadId;
        var user = created.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<UserMessageItem>().Single().Id;
        var answer = created.Events.OfType<ThreadItemDoneEvent>().Select(e => e.Item).OfType<AssistantMessageItem>().Single().Id;
        var before = (await alice.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = thread }))).ToJsonString();

        var attempts = new (string Name, JsonObject Request)[]
        {
            ("threads.get_by_id", Request("threads.get_by_id", new() { ["thread_id"] = thread })),
            ("threads.add_user_message", AddMessage(thread, "hijack")),
            ("threads.add_client_tool_output", Request("threads.add_client_tool_output", new() { ["thread_id"] = thread, ["result"] = 1 })),
            ("threads.add_structured_input", Request("threads.add_structured_input", new() { ["thread_id"] = thread, ["item_id"] = answer, ["input"] = new JsonObject { ["answers"] = new JsonObject() } })),
            ("threads.retry_after_item", Request("threads.retry_after_item", new() { ["thread_id"] = thread, ["item_id"] = user })),
            ("threads.custom_action", Request("threads.custom_action", new() { ["thread_id"] = thread, ["action"] = new JsonObject { ["type"] = "x" } })),
            ("threads.sync_custom_action", Request("threads.sync_custom_action", new() { ["thread_id"] = thread, ["action"] = new JsonObject { ["type"] = "x" } })),
            ("threads.update", Request("threads.update", new() { ["thread_id"] = thread, ["title"] = "pwned" })),
            ("items.list", Request("items.list", new() { ["thread_id"] = thread })),
            ("items.feedback", Request("items.feedback", new() { ["thread_id"] = thread, ["item_ids"] = new JsonArray(answer), ["kind"] = "negative" })),
            ("attachments.delete", Request("attachments.delete", new() { ["attachment_id"] = "atc_of_alice" })),
        };
        foreach (var (name, request) in attempts)
        {
            using var response = await bob.PostAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, name);
        }

        // Like the reference, threads.delete of a thread the caller does not have answers {} (a retried delete
        // must not show an error) and reveals nothing: the same answer as for a thread that never existed.
        (await bob.JsonAsync(Request("threads.delete", new() { ["thread_id"] = thread }))).ToJsonString()
            .Should().Be((await bob.JsonAsync(Request("threads.delete", new() { ["thread_id"] = "thr_never" }))).ToJsonString());

        var bobsList = await bob.JsonAsync(Request("threads.list"));
        bobsList["data"]!.AsArray().Should().BeEmpty("threads.list never shows another user's threads");
        var bobsThread = await bob.StreamAsync(Create("mine"));
        bobsThread.ThreadId.Should().NotBe(thread, "threads.create makes Bob's own thread");
        (await alice.JsonAsync(Request("threads.get_by_id", new() { ["thread_id"] = thread }))).ToJsonString().Should().Be(before, "Alice's thread is unchanged");
        // attachments.create and input.transcribe name no other user's record; their own tests cover them.
    }

    [Test]
    public async Task The_rate_limit_answers_429_with_retry_after()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), Tokens.JwtSettings(new() { ["RateLimiting:PermitLimit"] = "3", ["RateLimiting:WindowSeconds"] = "60" }), database);
        using var carol = Tokens.ClientFor(factory, "carol");
        using var dave = Tokens.ClientFor(factory, "dave");

        for (var i = 0; i < 3; i++)
            (await carol.PostAsync(Request("threads.list"))).StatusCode.Should().Be(HttpStatusCode.OK);
        using var limited = await carol.PostAsync(Request("threads.list"));

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60);
        (await limited.Content.ReadAsStringAsync()).Should().Contain("3 requests per 60 s");
        (await dave.PostAsync(Request("threads.list"))).StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per user");
    }

    [TestCase("Auth:Jwt:Audience", "", "Audience")]
    [TestCase("Auth:Jwt:SigningKey", "short", "32 bytes")]
    public void Jwt_settings_are_validated_at_start(string key, string value, string mentions)
    {
        using var factory = new ServerFactory(Tokens.JwtSettings(new() { [key] = value }), database: database);
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.ToString().Contains(mentions));
    }
}
