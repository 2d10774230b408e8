using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// What the client offers beyond one method per request (issue 21, point 6), each against the real server in memory:
/// the text as strings, watching a turn while it is collected, every page of a listing, an in-stream error that throws,
/// a default path under the base address, and a stream that stops at once when cancelled.
/// </summary>
public class ChatKitClientErgonomicsTests
{
    /// <summary>The scripted model answers only the turns of its script (no title requests in between).</summary>
    private static Dictionary<string, string?> NoTitles => new() { ["Assistant:AutoTitles"] = "false" };

    // The text as strings

    [Test]
    public async Task Text_deltas_arrive_as_strings_one_per_delta()
    {
        using var host = new ServerFactory(NoTitles, inlineScript: """{ "turns": [ { "match": "*", "reply": ["The ", "answer ", "is ", "42."] } ] }""");

        var pieces = new List<string>();
        await foreach (var text in host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("question")).TextDeltasAsync())
            pieces.Add(text);

        pieces.Should().Equal("The ", "answer ", "is ", "42.");
    }

    [Test]
    public async Task A_message_sent_whole_comes_as_one_piece_of_text()
    {
        var responder = new TestResponder
        {
            Script = (thread, _, _) => TestResponder.Events(new ThreadItemDoneEvent
            {
                Item = new AssistantMessageItem { Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTime.UtcNow, Content = [new AssistantMessageContent { Text = "Sent whole." }] },
            }),
        };
        using var host = ServerFactory.WithResponder(responder, NoTitles);

        var pieces = new List<string>();
        await foreach (var text in host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).TextDeltasAsync())
            pieces.Add(text);

        pieces.Should().Equal(["Sent whole."], "a server that does not stream its message still shows its text");
    }

    [Test]
    public async Task An_error_in_the_stream_ends_the_text_with_an_exception_carrying_it()
    {
        var responder = new TestResponder { Script = (thread, _, _) => PartialThenFail(thread) };
        using var host = ServerFactory.WithResponder(responder, NoTitles);

        var pieces = new List<string>();
        var read = async () =>
        {
            await foreach (var text in host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).TextDeltasAsync())
                pieces.Add(text);
        };

        var error = (await read.Should().ThrowAsync<ChatKitStreamErrorException>()).Which;
        pieces.Should().Equal("Partial ");
        error.Code.Should().Be(ErrorCodes.Custom);
        error.Detail.Should().Be("The model went away");
        error.AllowRetry.Should().BeTrue();
        error.Turn.ThreadId.Should().StartWith("thr_");
        error.Message.Should().Contain(error.Turn.ThreadId).And.Contain("The model went away");
    }

    // Watching a turn while it is collected

    [Test]
    public async Task A_callback_sees_each_event_while_the_turn_is_still_being_collected()
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = ServerFactory.WithResponder(new TestResponder { Script = (thread, _, ct) => HelloThenWaitFor(thread, seen.Task, ct) }, NoTitles);
        var watched = new List<ThreadStreamEvent>();
        var shown = new StringBuilder();

        var turn = await host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")).CollectAsync(ev =>
        {
            watched.Add(ev);
            shown.Append(ev.TextDelta());
            if (shown.ToString() == "Hello ") seen.TrySetResult(); // the server finishes only once the first words were shown
        });

        turn.Should().NotHaveErrors("the server waited for the callback, which ran while the stream was open");
        turn.AssistantText.Should().Be("Hello world.");
        shown.ToString().Should().Be("Hello world.");
        watched.Should().Equal(turn.Events, (a, b) => ReferenceEquals(a, b), "the callback gets every event of the turn, in order");
    }

    [Test]
    public async Task An_async_callback_is_awaited_before_the_next_event_is_read()
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = ServerFactory.WithResponder(new TestResponder { Script = (thread, _, ct) => HelloThenWaitFor(thread, seen.Task, ct) }, NoTitles);
        var log = new List<string>();

        var events = Logged(host.ClientFor("alice").CreateThreadAsync(ChatKitClient.Text("hi")), log);
        var turn = await events.CollectAsync(async (ev, ct) =>
        {
            await Task.Delay(10, ct);
            log.Add("handled " + ev.GetType().Name);
            if (ev.TextDelta() == "Hello ") seen.TrySetResult();
        });

        turn.Should().NotHaveErrors();
        turn.AssistantText.Should().Be("Hello world.");
        log.Should().Equal(turn.Events.SelectMany(e => new[] { "read " + e.GetType().Name, "handled " + e.GetType().Name }), "each event is handled before the next is read");
    }

    // Every page of a listing

    [Test]
    public async Task All_threads_and_all_items_are_read_page_after_page()
    {
        using var host = new ServerFactory(NoTitles, inlineScript: """{ "turns": [ { "match": "*", "reply": ["Noted."] } ] }""");
        var client = host.ClientFor("alice");
        for (var i = 0; i < 5; i++) (await client.CreateThreadAsync(ChatKitClient.Text($"thread {i}")).CollectAsync()).EnsureSuccess();
        var threadId = (await client.ListThreadsAsync(limit: 1)).Data.Single().Id;
        for (var i = 0; i < 2; i++) (await client.AddUserMessageAsync(threadId, ChatKitClient.Text($"more {i}")).CollectAsync()).EnsureSuccess();

        var threads = new List<string>();
        await foreach (var thread in client.GetAllThreadsAsync(pageSize: 2)) threads.Add(thread.Id);
        var items = new List<string>();
        await foreach (var item in client.GetAllItemsAsync(threadId, SortOrder.Asc, pageSize: 2)) items.Add(item.Id);

        threads.Should().Equal((await client.ListThreadsAsync(limit: 100)).Data.Select(t => t.Id), "three pages of two make the five threads, newest first");
        threads.Should().HaveCount(5);
        items.Should().Equal((await client.ListItemsAsync(threadId, limit: 100, order: SortOrder.Asc)).Data.Select(i => i.Id));
        items.Should().HaveCountGreaterThanOrEqualTo(6, "three questions and three answers");
    }

    [Test]
    public async Task A_page_that_says_more_follow_without_a_cursor_fails_instead_of_looping()
    {
        using var http = new HttpClient(new Answering("""{ "data": [], "has_more": true, "after": null }""")) { BaseAddress = new Uri("http://chat.test/") };

        var read = async () =>
        {
            await foreach (var _ in new ChatKitClient(http).GetAllThreadsAsync()) { }
        };

        (await read.Should().ThrowAsync<InvalidDataException>()).WithMessage("*threads.list*has_more*never end*");
    }

    // An in-stream error

    [Test]
    public async Task EnsureSuccess_throws_the_stream_s_error_and_returns_a_good_turn()
    {
        using var host = new ServerFactory(NoTitles, inlineScript: """
            { "turns": [
              { "match": "fail", "error": { "message": "Upstream is down", "retry": true } },
              { "match": "break", "error": { "retry": false } },
              { "match": "*", "reply": ["Fine."] } ] }
            """);
        var client = host.ClientFor("alice");

        var good = await client.CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync();
        good.EnsureSuccess().Should().BeSameAs(good);

        var failed = await client.CreateThreadAsync(ChatKitClient.Text("fail")).CollectAsync();
        failed.AssistantText.Should().BeEmpty();
        var custom = failed.Invoking(t => t.EnsureSuccess()).Should().Throw<ChatKitStreamErrorException>().Which;
        custom.Code.Should().Be(ErrorCodes.Custom);
        custom.Detail.Should().Be("Upstream is down");
        custom.AllowRetry.Should().BeTrue();
        custom.Turn.Should().BeSameAs(failed);
        custom.Message.Should().Be($"The turn in {failed.ThreadId} failed with the stream error 'custom': Upstream is down (the server allows a retry).");

        var broken = await client.CreateThreadAsync(ChatKitClient.Text("break")).CollectAsync();
        var generic = broken.Invoking(t => t.EnsureSuccess()).Should().Throw<ChatKitStreamErrorException>().Which;
        generic.Code.Should().Be(ErrorCodes.StreamError);
        generic.Detail.Should().BeNull();
        generic.AllowRetry.Should().BeFalse();
    }

    // The default path and a base address

    [Test]
    public async Task The_default_path_goes_under_a_base_address_that_ends_with_a_slash()
    {
        using var host = new ServerFactory();
        var gateway = new Gateway("/assistant");
        using var http = Signed(host, host.CreateDefaultClient(new Uri("http://gateway.test/assistant/"), gateway));

        var turn = await new ChatKitClient(http).CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync();

        turn.Should().NotHaveErrors();
        turn.AssistantText.Should().NotBeEmpty();
        gateway.Paths.Should().Equal(["/assistant/chatkit"], "the prefix of the base address is kept");
    }

    [Test]
    public async Task Without_the_slash_the_last_segment_of_the_base_address_is_replaced_as_in_any_relative_uri()
    {
        using var host = new ServerFactory();
        var gateway = new Gateway("/assistant");
        using var http = Signed(host, host.CreateDefaultClient(new Uri("http://gateway.test/assistant"), gateway));

        var refused = await Refusals.RefusedAsync(() => new ChatKitClient(http).ListThreadsAsync(), "the gateway has nothing at /chatkit");

        refused.StatusCode.Should().Be(404);
        gateway.Paths.Should().Equal(["/chatkit"], "'assistant' is a file name to HttpClient, not a folder");
    }

    // Cancellation

    [Test]
    public async Task Once_cancelled_the_stream_yields_nothing_more()
    {
        using var host = new ServerFactory(NoTitles, inlineScript: """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four ", "five ", "six."] } ] }""");
        var client = host.ClientFor("alice");
        using var cancel = new CancellationTokenSource();
        var afterCancel = new List<ThreadStreamEvent>();

        var read = async () =>
        {
            await foreach (var ev in client.CreateThreadAsync(ChatKitClient.Text("count"), cancel.Token))
            {
                if (cancel.IsCancellationRequested)
                {
                    afterCancel.Add(ev);
                }
                else if (ev is ThreadItemUpdatedEvent { Update: AssistantMessageContentPartTextDelta })
                {
                    await Task.Delay(300); // the rest of the answer reaches the client meanwhile
                    cancel.Cancel();
                }
            }
        };

        await read.Should().ThrowAsync<OperationCanceledException>();
        afterCancel.Select(e => e.GetType().Name).Should().BeEmpty("nothing is yielded once the token is cancelled");
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> PartialThenFail(ThreadMetadata thread)
    {
        var message = new AssistantMessageStream(thread.Id);
        foreach (var ev in message.Begin()) yield return ev;
        yield return message.Append("Partial ");
        await Task.Yield();
        throw new CustomStreamError("The model went away", allowRetry: true);
    }

    /// <summary>Streams "Hello ", waits until <paramref name="shown"/> completes (10 s at most), then "world.".</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> HelloThenWaitFor(ThreadMetadata thread, Task shown, [EnumeratorCancellation] CancellationToken ct)
    {
        var message = new AssistantMessageStream(thread.Id);
        foreach (var ev in message.Begin()) yield return ev;
        yield return message.Append("Hello ");
        await shown.WaitAsync(TimeSpan.FromSeconds(10), ct);
        yield return message.Append("world.");
        foreach (var ev in message.Complete()) yield return ev;
    }

    /// <summary>Passes <paramref name="events"/> on, writing "read {type}" to <paramref name="log"/> as each is read.</summary>
    private static async IAsyncEnumerable<ThreadStreamEvent> Logged(IAsyncEnumerable<ThreadStreamEvent> events, List<string> log, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var ev in events.WithCancellation(ct))
        {
            log.Add("read " + ev.GetType().Name);
            yield return ev;
        }
    }

    /// <summary>Answers every request with 200 and this JSON.</summary>
    private sealed class Answering(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }

    private static HttpClient Signed(ServerFactory host, HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.TokenFor("alice"));
        return http;
    }

    /// <summary>
    /// A gateway that serves the app under <c>prefix</c> (as a reverse proxy mounted at a path does): a request under it
    /// reaches the server without the prefix, any other gets the gateway's 404. Records the paths it was asked for.
    /// </summary>
    private sealed class Gateway(string prefix) : DelegatingHandler
    {
        public List<string> Paths { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            lock (Paths) Paths.Add(path);
            if (!path.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound)
                {
                    Content = new StringContent($$"""{"detail":"The gateway serves nothing at {{path}}."}""", Encoding.UTF8, "application/problem+json"),
                });
            }
            request.RequestUri = new UriBuilder(request.RequestUri) { Path = path[prefix.Length..] }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
