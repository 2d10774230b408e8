using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatKit;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>Every endpoint a user can call has a per-user limit: 429 with Retry-After and a ProblemDetails body naming the limit; other users are not affected.</summary>
public class UserLimitTests
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    /// <summary>A server with the limits on (the kit's host runs without them) and <paramref name="key"/> set.</summary>
    private static ServerFactory Limited(string key, string value) => new(new() { ["RateLimiting:Enabled"] = "true", [key] = value });

    private static async Task ShouldBeLimitedAsync(HttpResponseMessage response, string limit)
    {
        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeGreaterThanOrEqualTo(1);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Contain(limit);
        ((string?)System.Text.Json.Nodes.JsonNode.Parse(body)!["type"]).Should().Be(TooManyRequestsType, "every error body of the server has a type");
    }

    /// <summary>The <c>type</c> of a 429 (RFC 6585 defines the status; ASP.NET Core gives no type of its own for it).</summary>
    private const string TooManyRequestsType = "https://tools.ietf.org/html/rfc6585#section-4";

    private static MultipartFormDataContent Form(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    private static Task<HttpResponseMessage> SubscribeAsync(HttpClient client, string stream, CancellationToken ct) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events") { Headers = { Accept = { new("text/event-stream") } } }, // as EventSource asks
            HttpCompletionOption.ResponseHeadersRead, ct);

    [Test]
    public async Task Open_widget_subscriptions_are_limited_per_user()
    {
        using var factory = Limited("RateLimiting:WidgetSubscriptionsPerUser", "2");
        using var alice = factory.HttpClientFor("alice");
        using var bob = factory.HttpClientFor("bob");
        // A subscription answers its headers at once (then keep-alives while it is quiet).
        var first = await SubscribeAsync(alice, "public.a", CancellationToken.None);
        using var second = await SubscribeAsync(alice, "public.b", CancellationToken.None);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);

        using (var third = await SubscribeAsync(alice, "public.c", CancellationToken.None))
            await ShouldBeLimitedAsync(third, "at most 2 open widget subscriptions per user");
        var bobs = SubscribeAsync(bob, "public.c", CancellationToken.None);
        first.Dispose(); // alice closes one
        await Task.Delay(500);
        var again = SubscribeAsync(alice, "public.c", CancellationToken.None);
        await Task.Delay(300);
        await factory.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.c", new Card { Children = [new Title { Value = "hi" }] });

        using var admitted = await again.WaitAsync(TimeSpan.FromSeconds(10));
        admitted.StatusCode.Should().Be(HttpStatusCode.OK, "a closed subscription frees its place");
        using var bobAdmitted = await bobs.WaitAsync(TimeSpan.FromSeconds(10));
        bobAdmitted.StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per user");
    }

    [Test]
    public async Task Uploads_are_limited_per_user_per_window_and_signed_uploads_count_for_their_owner()
    {
        using var factory = Limited("RateLimiting:UploadsPerWindow", "2");
        using var alice = factory.HttpClientFor("alice");
        using var bob = factory.HttpClientFor("bob");
        using var anonymous = factory.CreateClient();
        var created = await new ChatKitClient(alice).CreateAttachmentAsync("cat.png", Png.Length, "image/png");
        var signedUpload = new Uri(created.UploadDescriptor!.Url).PathAndQuery;

        for (var i = 0; i < 2; i++)
            (await alice.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.OK);
        using (var third = await alice.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png")))
            await ShouldBeLimitedAsync(third, "uploads at once and 2 per 60 s per user");
        using (var signed = await anonymous.PostAsync(signedUpload, Form(Png, "cat.png", "image/png")))
            await ShouldBeLimitedAsync(signed, "2 per 60 s per user");

        (await bob.PostAsync("/chatkit/attachments", Form(Png, "cat.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per user");
    }

    [Test]
    public async Task Uploads_in_progress_are_limited_per_user()
    {
        using var factory = Limited("RateLimiting:ConcurrentUploadsPerUser", "1");
        var server = factory.StartKestrel();
        using var alice = factory.HttpClientFor("alice");

        using (var slow = await RawHttp.ConnectAsync(server))
        {
            await slow.SendHeadAsync("POST", "/chatkit/attachments", "Authorization: Bearer " + factory.TokenFor("alice"), "Content-Type: multipart/form-data; boundary=b", "Content-Length: 5000");
            await slow.SendAsync("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nstill coming");
            await Task.Delay(500);

            using var meanwhile = await alice.PostAsync("/chatkit/attachments", Form("hello"u8.ToArray(), "a.txt", "text/plain"));
            await ShouldBeLimitedAsync(meanwhile, "at most 1 uploads at once");
        } // the slow upload's connection closes: its place is free

        await Task.Delay(1000);
        using var after = await alice.PostAsync("/chatkit/attachments", Form("hello"u8.ToArray(), "a.txt", "text/plain"));
        after.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Widget_publishing_is_limited_per_publisher()
    {
        using var factory = Limited("RateLimiting:WidgetPublishesPerWindow", "2");
        using var admin = factory.HttpClientFor("root", "admin");
        using var other = factory.HttpClientFor("ops", "admin");
        StringContent Widget() => new(ChatKitJson.Serialize<WidgetRoot>(new Card { Children = [new Title { Value = "x" }] }), Encoding.UTF8, "application/json");

        for (var i = 0; i < 2; i++)
            (await admin.PostAsync("/api/chat/widgets/streams/public.x/events", Widget())).StatusCode.Should().Be(HttpStatusCode.Accepted);
        using (var third = await admin.PostAsync("/api/chat/widgets/streams/public.x/events", Widget()))
            await ShouldBeLimitedAsync(third, "at most 2 widgets published per 60 s per user");
        (await other.PostAsync("/api/chat/widgets/streams/public.x/events", Widget())).StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Test]
    public async Task Admin_requests_are_limited_per_admin()
    {
        using var factory = Limited("RateLimiting:AdminRequestsPerWindow", "2");
        using var admin = factory.HttpClientFor("root", "admin");
        using var other = factory.HttpClientFor("ops", "admin");

        (await admin.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.OK);
        using (var third = await admin.GetAsync("/admin/api/threads"))
            await ShouldBeLimitedAsync(third, "at most 2 admin requests per 60 s per user");
        (await other.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Image_previews_are_limited_per_user()
    {
        using var factory = Limited("RateLimiting:PreviewsPerWindow", "1");
        using var alice = factory.HttpClientFor("alice");
        using var anonymous = factory.CreateClient();
        var uploaded = await new ChatKitClient(alice).UploadDirectAsync("/chatkit/attachments", new MemoryStream(Png), "cat.png", "image/png");
        var preview = new Uri(((ImageAttachment)uploaded).PreviewUrl).PathAndQuery;

        (await anonymous.GetAsync(preview)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var second = await alice.GetAsync(preview);
        await ShouldBeLimitedAsync(second, "at most 1 previews per 60 s per user");
    }

    [Test]
    public async Task The_simple_chat_api_shares_the_chatkit_limit()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), new() { ["RateLimiting:Enabled"] = "true", ["RateLimiting:PermitLimit"] = "2" });
        using var carol = factory.HttpClientFor("carol");
        StringContent Message() => new("""{"message":"hi"}""", Encoding.UTF8, "application/json");

        (await carol.PostAsync("/api/chat/message", Message())).StatusCode.Should().Be(HttpStatusCode.OK);
        (await carol.PostAsync("/api/chat/stream/message", Message())).StatusCode.Should().Be(HttpStatusCode.OK);
        using var third = await carol.PostAsync("/api/chat/message", Message());
        await ShouldBeLimitedAsync(third, "At most 2 requests per 60 s");

        // A streaming client (Accept: text/event-stream, which the ProblemDetails writer declines) gets the same answer.
        using var streaming = new HttpRequestMessage(HttpMethod.Post, "/api/chat/stream/message") { Content = Message() };
        streaming.Headers.Accept.ParseAdd("text/event-stream");
        using var fourth = await carol.SendAsync(streaming);
        await ShouldBeLimitedAsync(fourth, "At most 2 requests per 60 s");
    }
}
