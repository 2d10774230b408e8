using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Json;
using ChatKit.Widgets;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// Widget streams through Redis while Redis goes away and comes back (a real redis-server on loopback, killed and started
/// again empty on its port, as a Redis run as a cache restarts): every instance serves widget streams again once Redis
/// answers, subscribers keep receiving (ids go on growing though Redis lost the stream's sequence), and publishing
/// meanwhile is a 503 that says why. An open subscription stays open through the outage with its keep-alives, and gets
/// the widgets another instance published while its own instance was not listening (Redis back but PSUBSCRIBE refused
/// for a while by an ACL, so that "not listening yet" does not depend on timing), once each, in order.
/// </summary>
public class WidgetStreamsAcrossRedisRestartsTests
{
    private static Dictionary<string, string?> Settings(RedisServer redis, string? connectionName = null) => new()
    {
        ["Redis:ConnectionString"] = redis.ConnectionString + (connectionName is null ? "" : ",name=" + connectionName),
        ["WidgetStreams:IdleExpiry"] = "00:10:00",
    };

    private static StringContent Widget(string title) =>
        new(ChatKitJson.Serialize<WidgetRoot>(new Card { Children = [new Title { Value = title }] }), Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> PublishAsync(HttpClient publisher, string stream, string title) =>
        publisher.PostAsync($"/api/chat/widgets/streams/{stream}/events", Widget(title));

    private static async Task ReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("/health/ready");
            // Healthy, not just 200: with Redis away readiness answers 200 "Degraded".
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "Healthy") return;
            if (DateTime.UtcNow > deadline) Assert.Fail("the instance did not become ready again after Redis came back");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// A subscription whose widgets (id, title) arrive in <see cref="Received"/> until it is disposed, read from one
    /// response (no reconnection): <see cref="KeepAlives"/> counts the <c>: keep-alive</c> comments, <see cref="Ended"/>
    /// says whether the server ended the response.
    /// </summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(2));
        private readonly Task _reading;
        private int _keepAlives;
        public readonly System.Collections.Concurrent.ConcurrentQueue<(long Id, string Title)> Received = new();
        public int KeepAlives => Volatile.Read(ref _keepAlives);
        public bool Ended => _reading.IsCompleted;

        private Subscription(HttpResponseMessage response)
        {
            _reading = Task.Run(async () =>
            {
                using (response)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
                    using var reader = new StreamReader(body, Encoding.UTF8);
                    string? id = null, data = null;
                    while (await reader.ReadLineAsync(_stop.Token) is { } line)
                    {
                        if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                        else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                        else if (line == ": keep-alive") Interlocked.Increment(ref _keepAlives);
                        else if (line.Length == 0 && data is not null)
                        {
                            Received.Enqueue((long.Parse(id!), JsonNode.Parse(data)!["children"]![0]!["value"]!.GetValue<string>()));
                            (id, data) = (null, null);
                        }
                    }
                }
            });
        }

        public static async Task<Subscription> OpenAsync(HttpClient client, string stream, string? lastEventId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events");
            if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await Task.Delay(300); // the subscription registers as its response starts
            return new Subscription(response);
        }

        public async Task<List<(long Id, string Title)>> WaitForAsync(int count, TimeSpan within)
        {
            var deadline = DateTime.UtcNow + within;
            while (Received.Count < count && DateTime.UtcNow < deadline) await Task.Delay(50);
            return [.. Received];
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _reading;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
            {
            }
            _stop.Dispose();
        }
    }

    [Test]
    public async Task After_redis_restarts_empty_subscribers_on_every_instance_keep_receiving_and_reconnects_replay_what_came_after()
    {
        using var redis = RedisServer.Start();
        using var instanceA = new ServerFactory(Settings(redis));
        using var instanceB = new ServerFactory(Settings(redis));
        using var publisherOnA = instanceA.HttpClientFor("root", "admin");
        using var aliceOnA = instanceA.HttpClientFor("alice");
        using var aliceOnB = instanceB.HttpClientFor("alice");
        var stream = "public.restart-" + Guid.NewGuid().ToString("n")[..8];

        await using var subscriber = await Subscription.OpenAsync(aliceOnB, stream);
        for (var i = 1; i <= 5; i++)
            (await PublishAsync(publisherOnA, stream, $"before {i}")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        var before = await subscriber.WaitForAsync(5, TimeSpan.FromSeconds(10));
        before.Select(w => w.Title).Should().Equal("before 1", "before 2", "before 3", "before 4", "before 5");
        var lastSeen = before[^1].Id;

        redis.Stop();
        redis.StartAgain(); // empty: the stream's sequence and replay list are gone
        await ReadyAsync(publisherOnA);
        await ReadyAsync(aliceOnB);

        // The subscriber's instance listens again once its connection is back; a few widgets, a moment apart.
        for (var i = 1; i <= 5 && subscriber.Received.Count == 5; i++)
        {
            (await PublishAsync(publisherOnA, stream, $"after {i}")).StatusCode.Should().Be(HttpStatusCode.Accepted);
            await subscriber.WaitForAsync(6, TimeSpan.FromSeconds(1));
        }
        var after = (await subscriber.WaitForAsync(6, TimeSpan.FromSeconds(1))).Skip(5).ToList();
        after.Should().NotBeEmpty("a subscriber that stayed connected through the restart gets the widgets published after it");
        after[0].Id.Should().BeGreaterThan(lastSeen, "ids keep growing after Redis lost the stream's sequence");

        // A client that saw "before 5" reconnects (to the other instance) and gets what was published after it.
        await using var reconnected = await Subscription.OpenAsync(aliceOnA, stream, lastEventId: lastSeen.ToString());
        (await reconnected.WaitForAsync(1, TimeSpan.FromSeconds(5))).Should().NotBeEmpty()
            .And.Subject.First().Title.Should().StartWith("after", "the replay list holds the widgets published since the restart");
    }

    [Test]
    public async Task An_open_subscription_stays_open_through_a_redis_outage_and_gets_every_widget_published_after_in_order([Values] bool redisKeepsItsData)
    {
        using var redis = RedisServer.Start();
        var settings = Settings(redis);
        settings["ChatKit:KeepAliveSeconds"] = "1";
        using var instanceA = new ServerFactory(new(settings) { ["Redis:ConnectionString"] = redis.ConnectionString + ",name=chatkit-a" });
        using var instanceB = new ServerFactory(settings);
        using var aliceOnA = instanceA.HttpClientFor("alice");
        using var publisherOnB = instanceB.HttpClientFor("root", "admin");
        await ReadyAsync(aliceOnA);
        await ReadyAsync(publisherOnB);
        var stream = "public.outage-" + Guid.NewGuid().ToString("n")[..8];

        await using var subscriber = await Subscription.OpenAsync(aliceOnA, stream);
        for (var i = 1; i <= 2; i++)
            (await PublishAsync(publisherOnB, stream, $"before {i}")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await subscriber.WaitForAsync(2, TimeSpan.FromSeconds(10))).Should().HaveCount(2);

        if (redisKeepsItsData) redis.StopKeepingData();
        else redis.Stop();
        var keepAlives = subscriber.KeepAlives;
        await Task.Delay(TimeSpan.FromSeconds(3));
        subscriber.Ended.Should().BeFalse("a subscription outlives a Redis outage");
        subscriber.KeepAlives.Should().BeGreaterThan(keepAlives, "keep-alives go on while Redis is away");

        // Redis comes back, and the other instance publishes before the subscriber's instance listens again (its
        // PSUBSCRIBE refused for now: which instance reconnects first is otherwise a matter of timing).
        redis.StartAgain(refusingPatternSubscriptions: true);
        await ReadyAsync(publisherOnB);
        for (var i = 1; i <= 3; i++)
            (await PublishAsync(publisherOnB, stream, $"after {i}")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true,name=test"))
        {
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            (await server.SubscriptionPatternCountAsync()).Should().Be(0, "no instance listened while they were published");
            await server.ExecuteAsync("ACL", "SETUSER", "default", "+psubscribe");
            foreach (var client in await server.ClientListAsync()) // the subscriber's instance reconnects, and listens this time
                if (client.Name == "chatkit-a") await server.ClientKillAsync(client.Id);
        }

        var received = await subscriber.WaitForAsync(5, TimeSpan.FromSeconds(15));
        await Task.Delay(500); // nothing more (no duplicates) comes after
        received = [.. subscriber.Received];
        received.Select(w => w.Title).Should().Equal(["before 1", "before 2", "after 1", "after 2", "after 3"], "every widget arrives once, in order, on the same response");
        received.Select(w => w.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        subscriber.Ended.Should().BeFalse();
    }

    [Test]
    public async Task Widgets_published_while_an_instance_was_not_listening_reach_its_open_subscriptions_once_it_listens_again()
    {
        using var redis = RedisServer.Start();
        using var instanceA = new ServerFactory(Settings(redis, "chatkit-a"));
        using var instanceB = new ServerFactory(Settings(redis, "chatkit-b"));
        using var aliceOnA = instanceA.HttpClientFor("alice");
        using var publisherOnB = instanceB.HttpClientFor("root", "admin");
        await ReadyAsync(aliceOnA);
        await ReadyAsync(publisherOnB);
        var stream = "public.unheard-" + Guid.NewGuid().ToString("n")[..8];
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true,name=test");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        async Task CutAsync(Func<StackExchange.Redis.ClientInfo, bool> which)
        {
            foreach (var client in await server.ClientListAsync())
                if (client.Name?.StartsWith("chatkit-", StringComparison.Ordinal) == true && which(client)) await server.ClientKillAsync(client.Id);
        }

        await using var subscriber = await Subscription.OpenAsync(aliceOnA, stream);
        (await PublishAsync(publisherOnB, stream, "before")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await subscriber.WaitForAsync(1, TimeSpan.FromSeconds(10))).Should().HaveCount(1);

        // Redis stays up, but the instances' pattern subscriptions are cut and cannot come back for a while (as in a
        // network blip): the instances reconnect at once, but PSUBSCRIBE is refused until the ACL allows it again.
        await server.ExecuteAsync("ACL", "SETUSER", "default", "-psubscribe");
        await CutAsync(client => client.PatternSubscriptionCount > 0);
        await Eventually.WaitForAsync(async () => await server.SubscriptionPatternCountAsync() == 0 ? "" : null, "no instance to listen");
        var published = new List<string> { "before" };
        for (var i = 1; i <= 3; i++)
        {
            (await PublishAsync(publisherOnB, stream, $"unheard {i}")).StatusCode.Should().Be(HttpStatusCode.Accepted);
            published.Add($"unheard {i}");
        }
        (await server.SubscriptionPatternCountAsync()).Should().Be(0, "no instance listened while they were published");

        // The blip ends: the instances' connections drop once more and this time subscribe again.
        await server.ExecuteAsync("ACL", "SETUSER", "default", "+psubscribe");
        await CutAsync(_ => true);

        var received = await subscriber.WaitForAsync(published.Count, TimeSpan.FromSeconds(15));
        await Task.Delay(500); // nothing more (no duplicates) comes after
        received = [.. subscriber.Received];
        received.Select(w => w.Title).Should().Equal(published, "the widgets nobody heard arrive once the instance listens again, in order");
        received.Select(w => w.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        subscriber.Ended.Should().BeFalse("the subscription never reconnected");

        // And live delivery goes on after.
        (await PublishAsync(publisherOnB, stream, "live")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await subscriber.WaitForAsync(published.Count + 1, TimeSpan.FromSeconds(10))).Select(w => w.Title).Last().Should().Be("live");
    }

    [Test]
    public async Task An_instance_whose_first_widget_request_meets_redis_down_serves_widget_streams_once_redis_is_back()
    {
        using var redis = RedisServer.Start();
        using var instance = new ServerFactory(Settings(redis));
        using var publisher = instance.HttpClientFor("root", "admin");
        using var alice = instance.HttpClientFor("alice");
        await ReadyAsync(publisher); // started with Redis up; no widget stream used yet
        var stream = "public.first-" + Guid.NewGuid().ToString("n")[..8];

        redis.Stop();
        using (var refused = await PublishAsync(publisher, stream, "while down"))
            refused.IsSuccessStatusCode.Should().BeFalse();
        redis.StartAgain();
        await ReadyAsync(publisher);

        await using var subscriber = await Subscription.OpenAsync(alice, stream);
        using (var published = await PublishAsync(publisher, stream, "back"))
            published.StatusCode.Should().Be(HttpStatusCode.Accepted, "Redis answers again");
        (await subscriber.WaitForAsync(1, TimeSpan.FromSeconds(5))).Select(w => w.Title).Should().Equal("back");
    }

    [Test]
    public async Task Publishing_while_redis_is_down_is_a_503_with_retry_after_not_a_500()
    {
        using var redis = RedisServer.Start();
        using var instance = new ServerFactory(Settings(redis));
        using var publisher = instance.HttpClientFor("root", "admin");
        var stream = "public.down-" + Guid.NewGuid().ToString("n")[..8];
        (await PublishAsync(publisher, stream, "up")).StatusCode.Should().Be(HttpStatusCode.Accepted);

        redis.Stop();
        using var refused = await PublishAsync(publisher, stream, "while down");
        var body = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        refused.Headers.RetryAfter.Should().NotBeNull();
        body.Should().Contain("Redis");
    }
    [Test]
    public async Task Subscribing_while_redis_is_down_is_a_503_with_retry_after_before_the_stream_starts()
    {
        using var redis = RedisServer.Start();
        using var instance = new ServerFactory(Settings(redis));
        using var alice = instance.HttpClientFor("alice");
        await ReadyAsync(alice);
        var stream = "public.down-" + Guid.NewGuid().ToString("n")[..8];

        redis.Stop();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await (await alice.GetAsync("/health/ready")).Content.ReadAsStringAsync() != "Degraded" && DateTime.UtcNow < deadline)
            await Task.Delay(100); // the instance has seen Redis go

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chat/widgets/streams/{stream}/events");
        request.Headers.Accept.ParseAdd("text/event-stream"); // as EventSource sends it
        using var refused = await alice.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        refused.Headers.RetryAfter.Should().NotBeNull();
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(body)!;
        ((string?)problem["type"]).Should().NotBeNullOrEmpty();
        problem["status"]!.GetValue<int>().Should().Be(503);
        problem["detail"]!.GetValue<string>().Should().Contain("Redis").And.Contain("subscription was not opened");

        redis.StartAgain();
        await ReadyAsync(alice);
        await using var subscriber = await Subscription.OpenAsync(alice, stream); // 200 again once Redis answers
    }
}
