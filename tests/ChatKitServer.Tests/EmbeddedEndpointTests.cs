using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>
/// ChatKit.AspNetCore in an app of its own (AddChatKit + MapChatKit, none of ChatKitServer's setup): what the builder's
/// seams promise holds there too.
/// </summary>
public class EmbeddedEndpointTests
{
    [Test]
    public async Task A_timeout_in_the_apps_own_code_before_a_stream_is_a_500_with_a_body_not_an_unhandled_exception()
    {
        // An HttpClient that times out throws TaskCanceledException: it was left to the host as if the client had left,
        // so the app answered an empty 500 (or its developer page, with the stack trace) instead of a ProblemDetails.
        await using var app = await StartAsync(chatKit => chatKit.AddContextFactory<TimingOutContextFactory>());

        using var response = await app.GetTestClient().PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = await response.Content.ReadAsStringAsync();
        JsonNode.Parse(body)!["detail"]!.GetValue<string>().Should().Be("The server failed to process the request; the error was logged.");
        body.Should().NotContain("user directory", "the internals stay in the log");
    }

    /// <summary>The host waits for the streams' shutdown grace, and never less than the app asked for its own services.</summary>
    [TestCase(null, 10, 30)]      // the host's default (30 s) already covers a 10 s grace and 5 s more
    [TestCase(null, 60, 65)]      // a longer grace raises it
    [TestCase(120.0, 10, 120)]    // an app's longer timeout, set before AddChatKit, is kept (it was cut to 15 s)
    [TestCase(5.0, 10, 15)]       // an app's shorter one is raised to the grace and 5 s more
    public void The_hosts_shutdown_timeout_covers_the_grace_and_keeps_a_longer_one(double? appSeconds, double graceSeconds, double expectedSeconds)
    {
        var services = new ServiceCollection();
        if (appSeconds is { } seconds) services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(seconds));
        services.AddChatKit(o => o.ShutdownGraceSeconds = graceSeconds);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value.ShutdownTimeout
            .Should().Be(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Test]
    public async Task A_context_factory_may_take_the_apps_scoped_services()
    {
        // It was registered as a singleton: an app's scoped user directory (a DbContext) was refused at start in
        // Development, and in Production became one instance shared by every request.
        await using var app = await StartAsync(chatKit =>
        {
            chatKit.Services.AddScoped<UserDirectory>();
            chatKit.AddContextFactory<DirectoryContextFactory>();
        });
        var client = app.GetTestClient();

        using var first = await client.PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));
        using var second = await client.PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        UserDirectory.Created.Should().BeGreaterThanOrEqualTo(2, "each request has its own scope");
    }

    [Test]
    public async Task A_context_factory_may_wait_for_the_user()
    {
        // IChatKitContextFactory.Create was the only way in: a factory that reads its user from a database blocked a thread.
        await using var app = await StartAsync(chatKit => chatKit.AddContextFactory<AwaitingContextFactory>());
        var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add("X-User", "carol");

        using var created = await client.PostAsync("/chatkit", Json("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}"""));
        (await created.Content.ReadAsStringAsync()).Should().Contain("thread.created");
        using var listed = await client.PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));

        listed.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["data"]!.AsArray().Should().ContainSingle("carol's thread is listed to carol");
        client.DefaultRequestHeaders.Remove("X-User");
        using var anonymous = await client.PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Engine_settings_that_make_no_sense_stop_the_app_at_start()
    {
        // ConfigureEngine was not validated outside ChatKitServer: MaxPageSize = 0 started, then refused every limit
        // with "'limit' must be between 1 and 0".
        var start = () => StartAsync(chatKit => chatKit.ConfigureEngine(e => e.MaxPageSize = 0));

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*MaxPageSize*");
    }

    [Test]
    public async Task Engine_settings_add_up_and_are_read_from_configuration()
    {
        // A second ConfigureEngine call started again from the defaults; BindConfiguration read the endpoint's settings only.
        await using var app = await StartAsync(
            chatKit => chatKit.BindConfiguration().ConfigureEngine(e => e.DefaultPageSize = 2).ConfigureEngine(e => e.MaxTitleLength = 50),
            new() { ["ChatKit:MaxPageSize"] = "3" });
        var options = app.Services.GetRequiredService<ChatKitEngineOptions>();

        (options.DefaultPageSize, options.MaxTitleLength, options.MaxPageSize).Should().Be((2, 50, 3));
        using var response = await app.GetTestClient().PostAsync("/chatkit", Json("""{"type":"threads.list","params":{"limit":4}}"""));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("between 1 and 3");
    }

    [Test]
    public async Task An_attachment_store_added_on_the_builder_creates_and_deletes_the_files()
    {
        await using var app = await StartAsync(chatKit => chatKit.AddAttachmentStore<NotingAttachmentStore>());
        var client = app.GetTestClient();
        var files = app.Services.GetRequiredService<IChatKitAttachmentStore>().Should().BeOfType<NotingAttachmentStore>().Subject;

        using var created = await client.PostAsync("/chatkit", Json("""{"type":"attachments.create","params":{"name":"a.txt","size":3,"mime_type":"text/plain"}}"""));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var id = (string)JsonNode.Parse(body)!["id"]!;
        using var deleted = await client.PostAsync("/chatkit", Json("{\"type\":\"attachments.delete\",\"params\":{\"attachment_id\":\"" + id + "\"}}"));

        deleted.StatusCode.Should().Be(HttpStatusCode.OK);
        files.Log.Should().Equal("create a.txt", "delete " + id);
    }

    [Test]
    public async Task ChatKit_may_be_mapped_more_than_once()
    {
        // The endpoint was named "ChatKit", and names are unique across an app: a second MapChatKit (another path, a route
        // group per tenant) made every request of the app a 500 ("Duplicate endpoint name").
        await using var app = await StartAsync(_ => { }, map: app =>
        {
            app.MapGroup("/tenants/{tenant}").MapChatKit("/chatkit");
            app.MapGet("/", () => "home");
        });
        var client = app.GetTestClient();

        using var root = await client.PostAsync("/chatkit", Json("""{"type":"threads.list","params":{}}"""));
        using var tenant = await client.PostAsync("/tenants/acme/chatkit", Json("""{"type":"threads.list","params":{}}"""));
        using var home = await client.GetAsync("/");

        root.StatusCode.Should().Be(HttpStatusCode.OK);
        tenant.StatusCode.Should().Be(HttpStatusCode.OK);
        home.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task MapChatKit_without_AddChatKit_says_what_is_missing_when_mapped()
    {
        // It mapped, started, and answered every request an empty 500, logging "No service for type
        // 'ChatKit.AspNetCore.ChatKitExceptionHandler' has been registered" (SignalR's MapHub refuses at once).
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();

        var map = () => app.MapChatKit("/chatkit");

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddChatKit()*");
    }

    private static async Task<WebApplication> StartAsync(Action<ChatKitBuilder> configure, Dictionary<string, string?>? settings = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Host.UseDefaultServiceProvider(o => { o.ValidateScopes = true; o.ValidateOnBuild = true; });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        var chatKit = builder.Services.AddChatKit().AddResponder<TestResponder>().AddInMemoryStore().AddContextFactory<HeaderlessContextFactory>();
        configure(chatKit);
        var app = builder.Build();
        app.MapChatKit("/chatkit");
        map?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Everyone is alice: these apps have no sign-in.</summary>
    private sealed class HeaderlessContextFactory : IChatKitContextFactory
    {
        public ChatKitContext Create(HttpContext http) => new() { UserId = "alice" };
    }

    private sealed class TimingOutContextFactory : IChatKitContextFactory
    {
        public ChatKitContext Create(HttpContext http) => throw new TaskCanceledException("The user directory did not answer within 100 seconds.");
    }

    private sealed class NotingAttachmentStore : IChatKitAttachmentStore
    {
        public List<string> Log { get; } = [];

        public Task<Attachment> CreateAttachmentAsync(AttachmentCreateParams request, ChatKitContext context, CancellationToken cancellationToken)
        {
            Log.Add("create " + request.Name);
            return Task.FromResult<Attachment>(new FileAttachment { Id = "atc_" + Guid.NewGuid().ToString("N"), Name = request.Name, MimeType = request.MimeType });
        }

        public Task DeleteAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken)
        {
            Log.Add("delete " + attachment.Id);
            return Task.CompletedTask;
        }
    }

    /// <summary>A factory that only knows how to wait: its user comes from a (simulated) directory lookup.</summary>
    private sealed class AwaitingContextFactory : IChatKitContextFactory
    {
        public ChatKitContext Create(HttpContext http) => throw new NotSupportedException("This factory only answers CreateAsync.");

        public async ValueTask<ChatKitContext> CreateAsync(HttpContext http, CancellationToken cancellationToken)
        {
            await Task.Delay(10, cancellationToken);
            return http.Request.Headers["X-User"].ToString() is { Length: > 0 } user
                ? new ChatKitContext { UserId = user }
                : throw new UnauthorizedAccessException("No X-User header.");
        }
    }

    private sealed class UserDirectory
    {
        public static int Created;
        public UserDirectory() => Interlocked.Increment(ref Created);
        public string Find(ClaimsPrincipal _) => "alice";
    }

    private sealed class DirectoryContextFactory(UserDirectory users) : IChatKitContextFactory
    {
        public ChatKitContext Create(HttpContext http) => new() { UserId = users.Find(http.User) };
    }
}
