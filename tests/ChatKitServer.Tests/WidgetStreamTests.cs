using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;
using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKitServer.Tests;

/// <summary>Server-pushed widget streams: publish/subscribe, several subscribers, reconnects, authorization, Redis between instances.</summary>
public class WidgetStreamTests
{
    private static StringContent Widget(string title) =>
        new(ChatKitJson.Serialize<WidgetRoot>(new Card { Children = [new Title { Value = title }] }), Encoding.UTF8, "application/json");

    private static string TitleOf(string data) => JsonNode.Parse(data)!["children"]![0]!["value"]!.GetValue<string>();

    /// <summary>Subscribes and collects <paramref name="count"/> widgets (id, title), then hangs up.</summary>
    private static async Task<List<(string Id, string Title)>> ReadAsync(HttpClient client, string stream, int count, string? lastEventId = null, TaskCompletionSource? connected = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        connected?.TrySetResult();
        var got = new List<(string, string)>();
        if (count == 0) return got;
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cts.Token))
        {
            got.Add((item.EventId!, TitleOf(item.Data)));
            if (got.Count == count) break;
        }
        return got;
    }

    private static async Task SubscribedAsync(IWidgetSseService service, string stream)
    {
        // Subscriptions register before the response starts; give the SSE request a moment to arrive.
        await Task.Delay(300);
    }

    [Test]
    public async Task Published_widgets_reach_every_subscriber_in_order_with_ids()
    {
        using var factory = new ServerFactory();
        using var admin = factory.HttpClientFor("root", "admin");
        using var alice = factory.HttpClientFor("alice");
        using var bob = factory.HttpClientFor("bob");

        var first = ReadAsync(alice, "public.dash", 2);
        var second = ReadAsync(bob, "public.dash", 2);
        await Task.Delay(500);
        (await admin.PostAsync("/api/chat/widgets/streams/public.dash/events", Widget("one"))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        await factory.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.dash", new Card { Children = [new Title { Value = "two" }] });

        var got = await first;
        got.Select(w => w.Title).Should().Equal("one", "two");
        long.Parse(got[1].Id).Should().Be(long.Parse(got[0].Id) + 1, "ids count on by one");
        (await second).Should().Equal(got);
    }

    [Test]
    public async Task A_reconnecting_client_gets_what_it_missed_up_to_the_replay_limit()
    {
        using var factory = new ServerFactory(new() { ["WidgetStreams:ReplayLimit"] = "3" });
        var service = factory.Services.GetRequiredService<IWidgetSseService>();
        using var alice = factory.HttpClientFor("alice");
        var ids = new List<string>();
        for (var i = 1; i <= 5; i++)
            ids.Add((await service.PublishAsync("public.jobs", new Card { Children = [new Title { Value = "p" + i }] })).ToString(CultureInfo.InvariantCulture));

        (await ReadAsync(alice, "public.jobs", 2, lastEventId: ids[2])).Should().Equal((ids[3], "p4"), (ids[4], "p5"));
        (await ReadAsync(alice, "public.jobs", 3, lastEventId: "0")).Should().Equal((ids[2], "p3"), (ids[3], "p4"), (ids[4], "p5"));
    }

    [Test]
    public async Task A_client_reconnecting_after_a_restart_with_the_last_id_it_saw_gets_the_next_widget()
    {
        // One instance without Redis: the widgets kept for replay are gone with the process, but ids must not start
        // again below the ids its clients saw, or the client (EventSource sends Last-Event-ID) would drop the next ones.
        string seen;
        using (var before = new ServerFactory())
        {
            using var alice = before.HttpClientFor("alice");
            var reading = ReadAsync(alice, "public.news", 1);
            await Task.Delay(500);
            await before.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.news", new Card { Children = [new Title { Value = "before" }] });
            seen = (await reading).Single().Id;
        }

        using var after = new ServerFactory();
        using var client = after.HttpClientFor("alice");
        var next = ReadAsync(client, "public.news", 1, lastEventId: seen);
        await Task.Delay(500);
        await after.Services.GetRequiredService<IWidgetSseService>().PublishAsync("public.news", new Card { Children = [new Title { Value = "after" }] });

        var got = (await next).Single();
        got.Title.Should().Be("after");
        long.Parse(got.Id, CultureInfo.InvariantCulture).Should().BeGreaterThan(long.Parse(seen, CultureInfo.InvariantCulture));
    }

    [Test]
    public async Task Only_admins_or_the_publisher_role_may_publish_and_bad_input_is_refused()
    {
        using var factory = new ServerFactory(new() { ["WidgetStreams:PublisherRole"] = "publisher" });
        using var user = factory.HttpClientFor("alice");
        using var publisher = factory.HttpClientFor("job-runner", "publisher");
        using var anonymous = factory.CreateClient();

        (await user.PostAsync("/api/chat/widgets/streams/s/events", Widget("x"))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await anonymous.PostAsync("/api/chat/widgets/streams/s/events", Widget("x"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/chat/widgets/streams/s/events")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await publisher.PostAsync("/api/chat/widgets/streams/s/events", Widget("x"))).StatusCode.Should().Be(HttpStatusCode.Accepted);

        using var notWidget = await publisher.PostAsync("/api/chat/widgets/streams/s/events", new StringContent("{\"type\":\"Text\"}", Encoding.UTF8, "application/json"));
        notWidget.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var badId = await publisher.PostAsync("/api/chat/widgets/streams/bad%20id!/events", Widget("x"));
        badId.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badId.Content.ReadAsStringAsync()).Should().Contain("stream id");
    }

    /// <summary>A null where a component stands, or a number where a name does (an enum), is refused, not sent to subscribers.</summary>
    [TestCase("""{"type":"Card","children":[null]}""", "must be an object, not null")]
    [TestCase("""{"type":"Basic","children":[null]}""", "must be an object, not null")]
    [TestCase("""{"type":"Basic","children":"Text"}""", "a component or a list")]
    [TestCase("""{"type":"Card","children":[{"type":"Text","value":"x","size":3}]}""", "size")]
    [TestCase("""{"type":"Card","size":1,"children":[]}""", "size")]
    public async Task A_widget_with_a_null_component_or_a_number_for_a_name_is_refused(string widget, string said)
    {
        using var factory = new ServerFactory();
        using var admin = factory.HttpClientFor("root", "admin");

        using var refused = await admin.PostAsync("/api/chat/widgets/streams/s/events", new StringContent(widget, Encoding.UTF8, "application/json"));

        var body = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
        body.Should().Contain(said);
        using var valid = await admin.PostAsync("/api/chat/widgets/streams/s/events", Widget("x"));
        valid.StatusCode.Should().Be(HttpStatusCode.Accepted, "the stream still takes widgets");
    }

    [Test]
    public async Task A_basic_root_whose_children_is_one_component_reaches_subscribers()
    {
        // The schema lets a Basic root hold one component instead of a list; a template may build it so.
        using var factory = new ServerFactory();
        using var admin = factory.HttpClientFor("root", "admin");
        using var alice = factory.HttpClientFor("alice");
        var received = ReadAsync(alice, "public.basic", 1);
        await Task.Delay(500);

        using var published = await admin.PostAsync("/api/chat/widgets/streams/public.basic/events",
            new StringContent("""{"type":"Basic","gap":2,"children":{"type":"Text","value":"alone"}}""", Encoding.UTF8, "application/json"));

        published.StatusCode.Should().Be(HttpStatusCode.Accepted, await published.Content.ReadAsStringAsync());
        (await received).Select(w => w.Title).Should().Equal("alone");
    }

    [Test]
    public async Task Through_Redis_a_widget_published_on_one_instance_reaches_a_subscriber_on_another()
    {
        using var redis = RedisServer.Start();
        var settings = new Dictionary<string, string?> { ["Redis:ConnectionString"] = redis.ConnectionString, ["WidgetStreams:IdleExpiry"] = "00:10:00" };
        using var instanceA = new ServerFactory(settings);
        using var instanceB = new ServerFactory(settings);
        using var publisherOnA = instanceA.HttpClientFor("root", "admin");
        using var subscriberOnB = instanceB.HttpClientFor("alice");
        var stream = "public.shared-" + Guid.NewGuid().ToString("n")[..8];

        var received = ReadAsync(subscriberOnB, stream, 2);
        await Task.Delay(800);
        (await publisherOnA.PostAsync($"/api/chat/widgets/streams/{stream}/events", Widget("from A"))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        await instanceB.Services.GetRequiredService<IWidgetSseService>().PublishAsync(stream, new Card { Children = [new Title { Value = "from B" }] });

        var both = await received;
        both.Select(w => w.Title).Should().Equal("from A", "from B");
        long.Parse(both[1].Id).Should().Be(long.Parse(both[0].Id) + 1, "ids grow by one within a stream");

        using var subscriberOnA = instanceA.HttpClientFor("alice");
        (await ReadAsync(subscriberOnA, stream, 1, lastEventId: both[0].Id)).Should().Equal([both[1]], "the replay list is shared too");

        await using var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var ttl = await direct.GetDatabase().KeyTimeToLiveAsync($"chatkit:widgets:{{{stream}}}:kept");
        ttl.Should().NotBeNull("the replay list of an idle stream expires").And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(10));
    }
}
