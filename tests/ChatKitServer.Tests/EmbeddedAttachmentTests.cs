using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKit.AspNetCore;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>
/// Attachments in an app of its own (AddChatKit().AddAttachments() + MapChatKitAttachments(), none of ChatKitServer's
/// setup), through HTTP as the web component uses them: create, upload to the signed link, send, preview; owners only.
/// Before, such an app had <c>attachments.create</c> and nothing to upload to or preview from.
/// </summary>
public class EmbeddedAttachmentTests
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];

    private string _folder = null!;
    private WebApplication _app = null!;

    [SetUp]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "embedded-attachments-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Host.UseDefaultServiceProvider(o => { o.ValidateScopes = true; o.ValidateOnBuild = true; });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ChatKit:PublicBaseUrl"] = "http://localhost/" });
        builder.Services.AddAuthentication("header").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("header", null);
        builder.Services.AddAuthorization();
        builder.Services.AddChatKit().BindConfiguration().AddResponder<AttachmentNamingResponder>().AddInMemoryStore()
            .AddAttachments(o => { o.Path = _folder; o.MaxBytes = 1000; });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapChatKit("/chatkit").RequireAuthorization();
        _app.MapChatKitAttachments().RequireAuthorization();
        await _app.StartAsync();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _app.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task An_attachment_is_created_uploaded_to_its_signed_link_sent_with_a_message_and_previewed_by_its_owner_only()
    {
        var alice = Client("alice");
        var created = await PostJsonAsync(alice, "{\"type\":\"attachments.create\",\"params\":{\"name\":\"dot.png\",\"size\":" + Png.Length + ",\"mime_type\":\"image/png\"}}");
        var id = (string)created["id"]!;
        var uploadUrl = (string)created["upload_descriptor"]!["url"]!;
        uploadUrl.Should().StartWith($"http://localhost/chatkit/attachments/{id}/upload?sig=");

        // The web component sends the bytes to the link as it is, without the app's credentials.
        using var uploaded = await Client(null).PostAsync(uploadUrl, FileForm(Png, "dot.png", "image/png"));
        var uploadBody = await uploaded.Content.ReadAsStringAsync();
        uploaded.StatusCode.Should().Be(HttpStatusCode.OK, uploadBody);
        JsonNode.Parse(uploadBody)!["upload_descriptor"].Should().BeNull();
        File.Exists(Path.Combine(_folder, id + ".bin")).Should().BeTrue("the default storage keeps the bytes in the configured folder");

        var stream = await PostStreamAsync(alice, "{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"look\"}],\"attachments\":[\"" + id + "\"],\"inference_options\":{}}}}");
        var message = stream.Select(e => e["item"]).Single(i => (string?)i?["type"] == "user_message")!;
        var sent = message["attachments"]!.AsArray().Single()!;
        ((string)sent["id"]!).Should().Be(id);
        var previewUrl = (string)sent["preview_url"]!;
        previewUrl.Should().StartWith($"http://localhost/chatkit/attachments/{id}/preview?sig=");
        stream.Should().Contain(e => e.ToJsonString().Contains("I see dot.png"), "the app's responder got the attachment");

        using var preview = await Client(null).GetAsync(previewUrl); // an <img src> sends no credentials
        preview.StatusCode.Should().Be(HttpStatusCode.OK);
        preview.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        (await preview.Content.ReadAsByteArrayAsync()).Should().Equal(Png);
        using (var byOwner = await alice.GetAsync($"/chatkit/attachments/{id}/preview"))
            byOwner.StatusCode.Should().Be(HttpStatusCode.OK, "the signed-in owner needs no signature");

        var bob = Client("bob");
        using var bobsPreview = await bob.GetAsync($"/chatkit/attachments/{id}/preview");
        bobsPreview.StatusCode.Should().Be(HttpStatusCode.NotFound);
        bobsPreview.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using (var anonymous = await Client(null).GetAsync($"/chatkit/attachments/{id}/preview"))
            anonymous.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using (var forged = await Client(null).GetAsync($"/chatkit/attachments/{id}/preview?sig=1999999999.forged"))
            forged.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var bobsMessage = await bob.PostAsync("/chatkit", Json("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"mine?\"}],\"attachments\":[\"" + id + "\"],\"inference_options\":{}}}}"));
        bobsMessage.StatusCode.Should().Be(HttpStatusCode.NotFound, "another user's attachment is not found");

        var thread = (string)stream.Single(e => (string?)e["type"] == "thread.created")["thread"]!["id"]!;
        var loaded = await PostJsonAsync(alice, "{\"type\":\"threads.get_by_id\",\"params\":{\"thread_id\":\"" + thread + "\"}}");
        var stored = loaded["items"]!["data"]!.AsArray().Single(i => (string?)i!["type"] == "user_message")!["attachments"]![0]!;
        ((string)stored["preview_url"]!).Should().StartWith($"http://localhost/chatkit/attachments/{id}/preview?sig=")
            .And.NotBe(previewUrl, "the store keeps a stable path, signed anew whenever the item is served (a stored link would expire)");
    }

    [Test]
    public async Task Uploads_are_held_to_the_size_and_type_limits_with_problem_bodies()
    {
        var alice = Client("alice");

        using var tooLarge = await alice.PostAsync("/chatkit", Json("""{"type":"attachments.create","params":{"name":"big.png","size":5000,"mime_type":"image/png"}}"""));
        using var wrongType = await alice.PostAsync("/chatkit", Json("""{"type":"attachments.create","params":{"name":"run.exe","size":10,"mime_type":"application/x-msdownload"}}"""));
        var created = await PostJsonAsync(alice, """{"type":"attachments.create","params":{"name":"a.txt","size":3,"mime_type":"text/plain"}}""");
        using var notAsDeclared = await Client(null).PostAsync((string)created["upload_descriptor"]!["url"]!, FileForm("four"u8.ToArray(), "a.txt", "text/plain"));
        using var directTooLarge = await alice.PostAsync("/chatkit/attachments", FileForm(new byte[1001], "b.txt", "text/plain"));
        using var directAnonymous = await Client(null).PostAsync("/chatkit/attachments", FileForm("hi"u8.ToArray(), "c.txt", "text/plain"));
        using var direct = await alice.PostAsync("/chatkit/attachments", FileForm("hi"u8.ToArray(), "c.txt", "text/plain"));

        await ShouldBeProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "1000 bytes");
        await ShouldBeProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType, "application/x-msdownload");
        await ShouldBeProblemAsync(notAsDeclared, HttpStatusCode.BadRequest, "declared as 3 bytes");
        await ShouldBeProblemAsync(directTooLarge, HttpStatusCode.RequestEntityTooLarge, "1000 bytes");
        directAnonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the host's policy applies to the direct upload");
        direct.StatusCode.Should().Be(HttpStatusCode.OK);
        var attachment = JsonNode.Parse(await direct.Content.ReadAsStringAsync())!;
        ((string)attachment["name"]!).Should().Be("c.txt");
        attachment["upload_descriptor"].Should().BeNull();
    }

    [Test]
    public async Task An_app_that_maps_ChatKit_elsewhere_gets_its_attachment_endpoints_and_links_under_its_prefix()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ChatKit:PublicBaseUrl"] = "http://localhost/" });
        builder.Services.AddAuthentication("header").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("header", null);
        builder.Services.AddAuthorization();
        builder.Services.AddChatKit().BindConfiguration().AddResponder<AttachmentNamingResponder>().AddInMemoryStore()
            .AddAttachments(o => { o.Path = _folder; o.RoutePrefix = "/api/chatkit/files"; });
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapChatKit("/api/chatkit").RequireAuthorization();
        app.MapChatKitAttachments().RequireAuthorization();
        await app.StartAsync();
        var alice = app.GetTestClient();
        alice.DefaultRequestHeaders.Add(HeaderAuthentication.Header, "alice");

        using var create = await alice.PostAsync("/api/chatkit", Json("{\"type\":\"attachments.create\",\"params\":{\"name\":\"dot.png\",\"size\":" + Png.Length + ",\"mime_type\":\"image/png\"}}"));
        var created = JsonNode.Parse(await create.Content.ReadAsStringAsync())!;
        var id = (string)created["id"]!;
        var uploadUrl = (string)created["upload_descriptor"]!["url"]!;
        uploadUrl.Should().StartWith($"http://localhost/api/chatkit/files/{id}/upload?sig=");
        using (var uploaded = await app.GetTestClient().PostAsync(uploadUrl, FileForm(Png, "dot.png", "image/png")))
            uploaded.StatusCode.Should().Be(HttpStatusCode.OK, await uploaded.Content.ReadAsStringAsync());
        var previewUrl = (string)created["preview_url"]!;
        previewUrl.Should().StartWith($"http://localhost/api/chatkit/files/{id}/preview?sig=");
        using (var preview = await app.GetTestClient().GetAsync(previewUrl))
            (await preview.Content.ReadAsByteArrayAsync()).Should().Equal(Png);
        using (var direct = await alice.PostAsync("/api/chatkit/files", FileForm("hi"u8.ToArray(), "c.txt", "text/plain")))
            direct.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var old = await alice.GetAsync($"/chatkit/attachments/{id}/preview"))
            old.StatusCode.Should().Be(HttpStatusCode.NotFound, "nothing is mapped at the default prefix");
    }

    [TestCase("api/files")]
    [TestCase("/api/files/")]
    [TestCase("/api/{id}")]
    [TestCase("/api//files")]
    [TestCase("/api/files?x=1")]
    public void A_route_prefix_that_is_not_a_plain_path_stops_the_start_and_says_why(string prefix)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddChatKit().AddResponder<AttachmentNamingResponder>().AddInMemoryStore().AddAttachments(o => o.RoutePrefix = prefix);
        using var app = builder.Build();

        var start = () => app.StartAsync();

        start.Should().ThrowAsync<OptionsValidationException>().WithMessage("*Attachments:RoutePrefix*" + prefix + "*").Wait();
    }

    [Test]
    public void Mapping_the_attachment_endpoints_without_adding_attachments_says_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddChatKit().AddResponder<AttachmentNamingResponder>().AddInMemoryStore();
        using var app = builder.Build();

        var map = () => app.MapChatKitAttachments();

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddAttachments()*");
    }

    [Test]
    public async Task A_store_added_after_AddAttachments_is_named_in_a_warning_at_start()
    {
        var logs = new ListLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ChatKit:PublicBaseUrl"] = "http://localhost/" });
        var chatKit = builder.Services.AddChatKit().BindConfiguration().AddResponder<AttachmentNamingResponder>().AddInMemoryStore().AddAttachments(o => o.Path = _folder);
        chatKit.AddInMemoryStore(); // the mistake: this store replaces the one that signs links
        await using var app = builder.Build();

        app.MapChatKitAttachments();

        logs.Lines.Should().ContainSingle(l => l.Contains("after AddAttachments()") && l.Contains("InMemoryChatKitStore"));
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(Lines);
        public void Dispose() { }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) lines.Enqueue(formatter(state, exception));
            }
        }
    }

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ((string)JsonNode.Parse(body)!["detail"]!).Should().Contain(detail);
    }

    private HttpClient Client(string? user)
    {
        var client = _app.GetTestClient();
        if (user is not null) client.DefaultRequestHeaders.Add(HeaderAuthentication.Header, user);
        return client;
    }

    private static async Task<JsonNode> PostJsonAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/chatkit", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static async Task<List<JsonNode>> PostStreamAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/chatkit", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(frame => frame.StartsWith("data: ", StringComparison.Ordinal))
            .Select(frame => JsonNode.Parse(frame["data: ".Length..])!)
            .ToList();
    }

    private static MultipartFormDataContent FileForm(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The app's own sign-in: the user named in a header, as a <c>sub</c> claim.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Header = "X-Test-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers[Header].ToString() is { Length: > 0 } user
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", user)], Scheme.Name)), Scheme.Name))
                : AuthenticateResult.NoResult());
    }

    /// <summary>Names the attachments of the message it answers.</summary>
    private sealed class AttachmentNamingResponder : IChatKitResponder
    {
        public IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken) =>
            TestResponder.Text(thread, "I see " + string.Join(", ", input?.Attachments.Select(a => a.Name) ?? []));
    }
}
