using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>
/// One SSE behaviour for every stream the server writes (the protocol's, simple chat's, widget
/// subscriptions): headers for proxies, keep-alive comments while the source is quiet (a proxy's read
/// timeout must not cut an idle subscription), frames as they come.
/// </summary>
public class SseBehaviourTests
{
    private static async Task<string> ReadForAsync(HttpResponseMessage response, TimeSpan time)
    {
        using var cut = new CancellationTokenSource(time);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        await using var body = await response.Content.ReadAsStreamAsync();
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cut.Token)) > 0)
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        catch (OperationCanceledException)
        {
            // read for as long as asked
        }
        return text.ToString();
    }

    private static void ShouldBeAnSseResponse(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Content.Headers.ContentType.CharSet.Should().Be("utf-8", "as the reference sends it: clients that default text/* to Latin-1 read the frames right");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
    }

    [Test]
    public async Task An_idle_widget_subscription_answers_at_once_and_gets_keep_alives_then_its_widget_with_an_id()
    {
        using var factory = new ServerFactory(new() { ["ChatKit:KeepAliveSeconds"] = "0.2" });
        using var client = factory.HttpClientFor("alice");

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/chat/widgets/streams/public.news/events"), HttpCompletionOption.ResponseHeadersRead)
            .WaitAsync(TimeSpan.FromSeconds(10));
        ShouldBeAnSseResponse(response);
        var publishing = Task.Run(async () =>
        {
            await Task.Delay(900);
            await factory.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.news", new Card { Children = [new Title { Value = "Breaking" }] });
        });
        var raw = await ReadForAsync(response, TimeSpan.FromSeconds(2));
        await publishing;

        raw.Should().StartWith(": keep-alive\n\n", "the subscription was quiet for longer than the keep-alive interval");
        raw.Should().MatchRegex(@"id: \d+\ndata: \{""type"":""Card"".*Breaking.*\}\n\n");
    }

    [Test]
    public async Task A_simple_chat_stream_gets_keep_alives_while_the_answer_is_slow()
    {
        var responder = new TestResponder { Script = (t, _, ct) => Slow(t, ct) };
        using var factory = ServerFactory.WithResponder(responder, new() { ["ChatKit:KeepAliveSeconds"] = "0.1" });
        using var client = factory.HttpClientFor("alice");

        using var response = await client.PostAsync("/api/chat/stream/message", new StringContent("""{"message":"hi"}""", Encoding.UTF8, "application/json"));
        ShouldBeAnSseResponse(response);
        var raw = await response.Content.ReadAsStringAsync();

        raw.Should().Contain(": keep-alive\n\n");
        raw.Should().Contain("\"content\":\"late \"").And.Contain("\"isDelta\":false");
        raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(f => !f.StartsWith(':')).Should().OnlyContain(f => f.StartsWith("data: {"));
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> Slow(ThreadMetadata thread, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Delay(600, ct);
        await foreach (var ev in TestResponder.Text(thread, "late").WithCancellation(ct))
            yield return ev;
    }
}
