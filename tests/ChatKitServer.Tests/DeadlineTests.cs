using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>
/// Deadlines through real Kestrel on loopback: a slow body is stopped at the request deadline (408,
/// logged, connection closed), uploads have the long deadline, Kestrel cuts slow headers, and
/// streams are never cut by the deadline. (One server for the class: the log capture goes through
/// Serilog's static logger, which the newest server in the process owns.)
/// </summary>
public class DeadlineTests
{
    private ServerFactory _factory = null!;
    private Uri _server = null!;
    private readonly LogCapture _logs = new();
    private readonly TestResponder _responder = new();

    [OneTimeSetUp]
    public void Start()
    {
        _factory = new ServerFactory(new()
        {
            ["Deadlines:RequestSeconds"] = "2",
            ["Deadlines:LongRequestSeconds"] = "3",
            ["Deadlines:RequestHeadersSeconds"] = "2",
            ["Deadlines:MinRequestBodyBytesPerSecond"] = "1000",
            ["Deadlines:MinRequestBodyGraceSeconds"] = "2",
        }, services =>
        {
            services.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(_responder));
            _logs.AddTo(services);
        });
        _server = _factory.StartKestrel();
    }

    [OneTimeTearDown]
    public void Stop() => _factory.Dispose();

    [Test]
    public async Task A_body_trickled_above_the_minimum_rate_is_stopped_at_the_deadline_with_408_and_its_connection_closed()
    {
        using var raw = await RawHttp.ConnectAsync(_server);
        await raw.SendHeadAsync("POST", "/chatkit", "Authorization: Bearer " + _factory.TokenFor("alice"), "Content-Type: application/json", "Content-Length: 1000000");
        using var sending = new CancellationTokenSource();
        var trickle = raw.TrickleAsync(250, TimeSpan.FromMilliseconds(100), sending.Token); // 2.5 KB/s: fast enough for Kestrel
        var clock = Stopwatch.StartNew();

        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(8));

        response.Should().NotBeNull("the deadline of 2 s stops the request");
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.5)).And.BeLessThan(TimeSpan.FromSeconds(6));
        response!.Status.Should().Be(408);
        response.Headers["Content-Type"].Should().StartWith("application/problem+json");
        response.Body.Should().Contain("deadline of 2 s");
        response.Headers["Connection"].Should().Be("close");
        (await raw.ClosedWithinAsync(TimeSpan.FromSeconds(8))).Should().BeTrue("Kestrel drops the rest of the body for at most 5 s, then closes");
        await sending.CancelAsync();
        await trickle;
        _logs.Lines.Should().Contain(l => l.StartsWith("Warning") && l.Contains("/chatkit") && l.Contains("passed its deadline of 2 s"));
    }

    [Test]
    public async Task An_upload_has_the_long_deadline()
    {
        using var raw = await RawHttp.ConnectAsync(_server);
        await raw.SendHeadAsync("POST", "/chatkit/attachments", "Authorization: Bearer " + _factory.TokenFor("alice"), "Content-Type: multipart/form-data; boundary=b", "Content-Length: 1000000");
        await raw.SendAsync("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n");
        using var sending = new CancellationTokenSource();
        var trickle = raw.TrickleAsync(250, TimeSpan.FromMilliseconds(100), sending.Token);
        var clock = Stopwatch.StartNew();

        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(10));

        response!.Status.Should().Be(408);
        response.Body.Should().Contain("deadline of 3 s");
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(2.5));
        await sending.CancelAsync();
        await trickle;
    }

    [Test]
    public async Task Headers_that_arrive_too_slowly_are_cut_by_Kestrel()
    {
        using var raw = await RawHttp.ConnectAsync(_server);
        await raw.SendAsync("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        using var sending = new CancellationTokenSource();
        var trickle = raw.TrickleAsync(5, TimeSpan.FromMilliseconds(200), sending.Token);
        var clock = Stopwatch.StartNew();

        (await raw.ClosedWithinAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(6), "Deadlines:RequestHeadersSeconds is 2 (Kestrel's default is 30)");
        await sending.CancelAsync();
        await trickle;
    }

    [Test]
    public async Task Streams_are_not_cut_by_the_deadline()
    {
        _responder.Script = (t, _, ct) => Slowly(t, ["one ", "two ", "three ", "four ", "five ", "six"], ct);
        using var http = _factory.HttpClientFor("alice");
        http.Timeout = TimeSpan.FromSeconds(20);
        http.BaseAddress!.Authority.Should().Be(_server.Authority, "the requests go through Kestrel");
        var clock = Stopwatch.StartNew();

        var chatKit = await new ChatKitClient(http).CreateThreadAsync(ChatKitClient.Text("take your time")).CollectAsync();
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(3), "the stream outlived the deadline of 2 s");
        chatKit.Should().HaveAssistantText("one two three four five six").And.NotHaveErrors();

        using var simple = await http.PostAsync("/api/chat/stream/message", new StringContent("""{"message":"again"}""", Encoding.UTF8, "application/json"));
        var frames = await SseParser.Create(await simple.Content.ReadAsStreamAsync()).EnumerateAsync().Select(f => f.Data).ToListAsync();
        frames.Last().Should().Contain("\"content\":\"one two three four five six\"").And.Contain("\"isDelta\":false");

        // Widget subscriptions send their headers with the first widget: read it while publishing past the deadline.
        var late = Task.Run(async () =>
        {
            using var subscription = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/chat/widgets/streams/public.slow/events"), HttpCompletionOption.ResponseHeadersRead);
            await foreach (var widget in SseParser.Create(await subscription.Content.ReadAsStreamAsync()).EnumerateAsync())
                return widget.Data;
            return null;
        });
        await Task.Delay(TimeSpan.FromSeconds(3));
        await _factory.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.slow", new Card { Children = [new Title { Value = "late" }] });
        (await late.WaitAsync(TimeSpan.FromSeconds(10))).Should().Contain("late", "a subscription open longer than the deadline still receives widgets");
        _logs.Lines.Should().NotContain(l => l.Contains("/api/chat") && l.Contains("deadline"));
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Slowly(ThreadMetadata thread, string[] words, [EnumeratorCancellation] CancellationToken ct)
    {
        var message = new AssistantMessageStream(thread.Id);
        foreach (var ev in message.Begin()) yield return ev;
        foreach (var word in words)
        {
            await Task.Delay(600, ct);
            yield return message.Append(word);
        }
        foreach (var ev in message.Complete()) yield return ev;
    }
}

/// <summary>Kestrel's minimum body rate, set from <c>Deadlines</c>, through real Kestrel (a server of its own: no request deadline in the way).</summary>
public class BodyRateTests
{
    [Test]
    public async Task A_body_slower_than_the_minimum_rate_is_cut_by_Kestrel_before_any_deadline()
    {
        using var factory = new ServerFactory(new()
        {
            ["Deadlines:RequestSeconds"] = "120",
            ["Deadlines:MinRequestBodyBytesPerSecond"] = "1000",
            ["Deadlines:MinRequestBodyGraceSeconds"] = "2",
        });
        var server = factory.StartKestrel();
        using var raw = await RawHttp.ConnectAsync(server);
        await raw.SendHeadAsync("POST", "/chatkit", "Authorization: Bearer " + factory.TokenFor("alice"), "Content-Type: application/json", "Content-Length: 1000000");
        using var sending = new CancellationTokenSource();
        var trickle = raw.TrickleAsync(30, TimeSpan.FromMilliseconds(100), sending.Token); // 300 B/s: above Kestrel's default 240 B/s, below the configured 1,000
        var clock = Stopwatch.StartNew();

        (await raw.ClosedWithinAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("Kestrel closes a body slower than MinRequestBodyBytesPerSecond");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8));
        if (RawResponse.TryParse(raw.Received, out var response)) response!.Status.Should().Be(408);
        await sending.CancelAsync();
        await trickle;
    }
}
