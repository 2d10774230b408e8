using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>Bearer tokens, per-user isolation on every request type, and the per-user rate limit.</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class AuthTests(TestDatabase database)
{
    private const string AnotherKey = "another-key-that-is-also-long-enough-for-hs256";
    private ServerFactory _factory = null!;

    [OneTimeSetUp]
    public void Start() => _factory = ServerFactory.WithResponder(new TestResponder(), database: database);

    [OneTimeTearDown]
    public void Stop() => _factory.Dispose();

    private static Dictionary<string, object> Sub(string user) => new() { ["sub"] = user };

    private HttpClient With(string? token)
    {
        var http = _factory.CreateClient();
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static IEnumerable<TestCaseData> BadTokens()
    {
        TestCaseData Case(string name, Func<ServerFactory, string?> token) => new TestCaseData(token).SetName(name);
        yield return Case("no token", _ => null);
        yield return Case("expired", h => h.CreateToken(Sub("u"), expires: DateTime.UtcNow.AddMinutes(-5)));
        yield return Case("wrong audience", h => h.CreateToken(Sub("u"), audience: "someone-else"));
        yield return Case("wrong issuer", h => h.CreateToken(Sub("u"), issuer: "https://evil.test"));
        yield return Case("bad signature", h => h.CreateToken(Sub("u"), signingKey: AnotherKey));
        yield return Case("garbage", _ => "not-a-jwt");
    }

    [TestCaseSource(nameof(BadTokens))]
    public async Task A_bad_token_gets_401(Func<ServerFactory, string?> token)
    {
        var client = new ChatKitClient(With(token(_factory)));

        var refusal = await Refusals.RefusedAsync(() => client.ListThreadsAsync());

        refusal.StatusCode.Should().Be(401);
    }

    [Test]
    public async Task A_401_says_nothing_of_the_token()
    {
        using var http = With(_factory.CreateToken(Sub("u"), expires: DateTime.UtcNow.AddMinutes(-5)));

        using var response = await http.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()));

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
        using var http = With(_factory.CreateToken(new Dictionary<string, object>(claims) { ["role"] = "admin" }));

        (await Refusals.RefusedAsync(() => new ChatKitClient(http).ListThreadsAsync())).StatusCode.Should().Be(401, "/chatkit");
        (await http.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the admin API");
        (await http.PostAsync("/api/chat/message", JsonContent.Create(new { message = "hi" }))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the simple chat API");
    }

    [TestCase("Role")]
    [TestCase("ROLE")]
    [TestCase("roles")]
    [TestCase("http://schemas.microsoft.com/ws/2008/06/identity/claims/role")]
    public async Task Only_a_claim_named_exactly_role_makes_an_admin(string claimType)
    {
        using var impostor = With(_factory.CreateToken(new Dictionary<string, object> { ["sub"] = "mallory", [claimType] = "admin" }));
        using var admin = _factory.HttpClientFor("root", "admin");
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
        var alice = _factory.ClientFor("alice-" + Guid.NewGuid());
        var turn = await alice.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync();
        turn.Should().HaveAssistantText("echo: hello ");
    }

    /// <summary>Bob tries every request type on Alice's records: nothing is found, listed or changed.</summary>
    [Test]
    public async Task Another_users_records_are_not_found_for_every_request_type()
    {
        var alice = _factory.ClientFor("alice-" + Guid.NewGuid());
        var bob = _factory.ClientFor("bob-" + Guid.NewGuid());
        var created = await alice.CreateThreadAsync(ChatKitClient.Text("secret plans")).CollectAsync();
        var thread = created.ThreadId!;
        var user = created.Items<UserMessageItem>().Single().Id;
        var answer = created.Items<AssistantMessageItem>().Single().Id;
        var getThread = new ThreadsGetByIdRequest { Params = new() { ThreadId = thread } };
        var before = await alice.SendRawAsync(getThread);

        var action = new ChatKitAction { Type = "x" };
        var attempts = new ChatKitRequest[]
        {
            getThread,
            new ThreadsAddUserMessageRequest { Params = new() { ThreadId = thread, Input = ChatKitClient.Text("hijack") } },
            new ThreadsAddClientToolOutputRequest { Params = new() { ThreadId = thread, Result = 1 } },
            new ThreadsAddStructuredInputRequest { Params = new() { ThreadId = thread, ItemId = answer, Input = new() } },
            new ThreadsRetryAfterItemRequest { Params = new() { ThreadId = thread, ItemId = user } },
            new ThreadsCustomActionRequest { Params = new() { ThreadId = thread, Action = action } },
            new ThreadsSyncCustomActionRequest { Params = new() { ThreadId = thread, Action = action } },
            new ThreadsUpdateRequest { Params = new() { ThreadId = thread, Title = "pwned" } },
            new ItemsListRequest { Params = new() { ThreadId = thread } },
            new ItemsFeedbackRequest { Params = new() { ThreadId = thread, ItemIds = [answer], Kind = FeedbackKind.Negative } },
            new AttachmentsDeleteRequest { Params = new() { AttachmentId = "atc_of_alice" } },
        };
        foreach (var request in attempts)
            (await bob.RefusedAsync(request)).StatusCode.Should().Be(404, request.Kind);

        // Like the reference, threads.delete of a thread the caller does not have answers {} (a retried delete
        // must not show an error) and reveals nothing: the same answer as for a thread that never existed.
        (await bob.SendRawAsync(new ThreadsDeleteRequest { Params = new() { ThreadId = thread } }))
            .Should().Be(await bob.SendRawAsync(new ThreadsDeleteRequest { Params = new() { ThreadId = "thr_never" } }));

        (await bob.ListThreadsAsync()).Data.Should().BeEmpty("threads.list never shows another user's threads");
        var bobsThread = await bob.CreateThreadAsync(ChatKitClient.Text("mine")).CollectAsync();
        bobsThread.ThreadId.Should().NotBe(thread, "threads.create makes Bob's own thread");
        (await alice.SendRawAsync(getThread)).Should().Be(before, "Alice's thread is unchanged");
        // attachments.create and input.transcribe name no other user's record; their own tests cover them.
    }

    [Test]
    public async Task The_rate_limit_answers_429_with_retry_after()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), new() { ["RateLimiting:Enabled"] = "true", ["RateLimiting:PermitLimit"] = "3", ["RateLimiting:WindowSeconds"] = "60" }, database);
        var carol = factory.ClientFor("carol");
        var dave = factory.ClientFor("dave");

        for (var i = 0; i < 3; i++)
            await carol.ListThreadsAsync();
        using var limited = await carol.Http.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()));

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60);
        (await limited.Content.ReadAsStringAsync()).Should().Contain("3 requests per 60 s");
        (await dave.ListThreadsAsync()).Data.Should().BeEmpty("the limit is per user");
    }

    [Test]
    public async Task In_development_mode_every_caller_is_the_local_user_and_an_admin()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), new() { ["Auth:Mode"] = "Development" }, database);
        using var anonymous = factory.CreateClient();
        var client = new ChatKitClient(anonymous);

        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;

        (await client.ListThreadsAsync()).Data.Should().ContainSingle().Which.Id.Should().Be(thread);
        using var scope = factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatKitStore>();
        (await store.LoadThreadAsync(thread, new ChatKitContext { UserId = "local-user" })).Id.Should().Be(thread, "the local user owns what an anonymous caller makes");
        (await anonymous.GetAsync($"/admin/api/threads/{thread}")).StatusCode.Should().Be(HttpStatusCode.OK, "the local user is an admin");
    }

    [TestCase("Auth:Jwt:Audience", "", "Audience")]
    [TestCase("Auth:Jwt:SigningKey", "short", "32 bytes")]
    public void Jwt_settings_are_validated_at_start(string key, string value, string mentions)
    {
        using var factory = new ServerFactory(new() { [key] = value }, database: database);
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.ToString().Contains(mentions));
    }
}
