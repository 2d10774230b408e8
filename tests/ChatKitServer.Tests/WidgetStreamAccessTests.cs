using System.Net;
using System.Text;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// Who may read a widget stream: <c>user-{id}.*</c> that user, <c>thread-{id}.*</c> that thread's
/// owner, <c>public.*</c> anyone signed in, any other name admins; admins read every stream. Anyone
/// else gets 404 with a ProblemDetails body, never the replay.
/// </summary>
public class WidgetStreamAccessTests
{
    private ServerFactory _factory = null!;
    private IWidgetSseService _streams = null!;

    [SetUp]
    public void Start()
    {
        _factory = new ServerFactory();
        _streams = _factory.Services.GetRequiredService<IWidgetSseService>();
    }

    [TearDown]
    public void Stop() => _factory.Dispose();

    private Task PublishAsync(string stream, string title) => _streams.PublishAsync(stream, new Card { Children = [new Title { Value = title }] });

    /// <summary>Asks for the replay from the start; returns the status and, for 200, the first frame.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> ReplayAsync(HttpClient client, string stream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events");
        request.Headers.Add("Last-Event-ID", "0");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token));
        }
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var frame = new StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { Length: > 0 } line) frame.AppendLine(line);
        return (response.StatusCode, frame.ToString());
    }

    [Test]
    public async Task A_user_stream_is_only_for_that_user_and_admins()
    {
        await PublishAsync("user-alice.private.payroll", "secret of alice");
        using var alice = _factory.HttpClientFor("alice");
        using var bob = _factory.HttpClientFor("bob");
        using var aliceDotted = _factory.HttpClientFor("alice.private");
        using var admin = _factory.HttpClientFor("root", "admin");

        var (status, body) = await ReplayAsync(bob, "user-alice.private.payroll");
        status.Should().Be(HttpStatusCode.NotFound);
        body.Should().Contain("was not found").And.NotContain("secret");
        (await ReplayAsync(aliceDotted, "user-alice.private.payroll")).Status.Should().Be(HttpStatusCode.NotFound, "the user id ends at the first dot");

        (await ReplayAsync(alice, "user-alice.private.payroll")).Body.Should().Contain("secret of alice");
        (await ReplayAsync(admin, "user-alice.private.payroll")).Body.Should().Contain("secret of alice");
    }

    [Test]
    public async Task A_thread_stream_is_only_for_the_owner_of_the_thread()
    {
        using var alice = _factory.HttpClientFor("alice");
        using var bob = _factory.HttpClientFor("bob");
        var bobChat = new ChatKitClient(bob);
        (await bobChat.ListThreadsAsync()).Data.Should().BeEmpty("a fresh server has no threads");
        var thread = (await bobChat.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;
        var stream = WidgetStreamAccess.ForThread(thread, "progress");
        await PublishAsync(stream, "progress of bob");

        (await ReplayAsync(alice, stream)).Status.Should().Be(HttpStatusCode.NotFound);
        (await ReplayAsync(alice, "thread-thr_doesnotexist.progress")).Status.Should().Be(HttpStatusCode.NotFound);
        (await ReplayAsync(bob, stream)).Body.Should().Contain("progress of bob");
    }

    [Test]
    public async Task Public_streams_are_for_anyone_signed_in_and_other_names_for_admins_only()
    {
        await PublishAsync("public.news", "hello all");
        await PublishAsync("ops-dashboard", "internal");
        using var alice = _factory.HttpClientFor("alice");
        using var admin = _factory.HttpClientFor("root", "admin");
        using var anonymous = _factory.CreateClient();

        (await ReplayAsync(alice, "public.news")).Body.Should().Contain("hello all");
        (await anonymous.GetAsync("/api/chat/widgets/streams/public.news/events")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await ReplayAsync(alice, "ops-dashboard")).Status.Should().Be(HttpStatusCode.NotFound);
        (await ReplayAsync(alice, "publicity")).Status.Should().Be(HttpStatusCode.NotFound, "only 'public' and 'public.*' are public");
        (await ReplayAsync(admin, "ops-dashboard")).Body.Should().Contain("internal");
    }

    [Test]
    public void Stream_names_for_users_and_threads_refuse_ids_they_cannot_hold()
    {
        WidgetStreamAccess.ForUser("alice", "jobs").Should().Be("user-alice.jobs");
        WidgetStreamAccess.ForUser("alice").Should().Be("user-alice");
        var dotted = () => WidgetStreamAccess.ForUser("alice.smith");
        dotted.Should().Throw<ArgumentException>();
        var email = () => WidgetStreamAccess.ForUser("a@b");
        email.Should().Throw<ChatKit.ChatKitValidationException>();
    }
}
