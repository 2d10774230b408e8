using System.Net;
using System.Text;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// Instances behind one address count a user's requests together through Redis (a real redis-server on loopback;
/// skipped, with the reason, when it is not installed): the limit holds for the deployment, not per instance. Without
/// Redis, or when it stops answering, each instance counts alone and no request fails for it.
/// </summary>
public class SharedUserLimitTests
{
    private static Dictionary<string, string?> Settings(RedisServer? redis, int permits, bool countInRedis = true) => new()
    {
        ["RateLimiting:Enabled"] = "true",
        ["RateLimiting:PermitLimit"] = permits.ToString(),
        ["RateLimiting:CountInRedis"] = countInRedis ? "true" : "false",
        ["Redis:ConnectionString"] = redis?.ConnectionString,
    };

    private static Task<HttpResponseMessage> ListAsync(HttpClient client) =>
        client.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{}}""", Encoding.UTF8, "application/json"));

    private static async Task<List<HttpStatusCode>> StatusesAsync(params HttpClient[] clients)
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var client in clients)
        {
            using var response = await ListAsync(client);
            statuses.Add(response.StatusCode);
        }
        return statuses;
    }

    [Test]
    public async Task Two_instances_on_one_redis_count_a_users_requests_together()
    {
        using var redis = RedisServer.Start();
        using var one = new ServerFactory(Settings(redis, permits: 4));
        using var two = new ServerFactory(Settings(redis, permits: 4));
        using var aliceOnOne = one.HttpClientFor("alice");
        using var aliceOnTwo = two.HttpClientFor("alice");
        using var bobOnTwo = two.HttpClientFor("bob");

        (await StatusesAsync(aliceOnOne, aliceOnTwo, aliceOnOne, aliceOnTwo)).Should().OnlyContain(s => s == HttpStatusCode.OK);

        foreach (var client in new[] { aliceOnOne, aliceOnTwo })
        {
            using var refused = await ListAsync(client);
            refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "four requests were made across the two instances");
            refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60, "the time left in the shared window");
            (await refused.Content.ReadAsStringAsync()).Should().Contain("At most 4 requests per 60 s");
        }
        (await StatusesAsync(bobOnTwo)).Should().Equal(HttpStatusCode.OK);
    }

    [Test]
    public async Task Every_per_window_limit_is_shared_the_admin_pages_too()
    {
        using var redis = RedisServer.Start();
        var settings = Settings(redis, permits: 100);
        settings["RateLimiting:AdminRequestsPerWindow"] = "2";
        using var one = new ServerFactory(settings);
        using var two = new ServerFactory(settings);
        using var rootOnOne = one.HttpClientFor("root", "admin");
        using var rootOnTwo = two.HttpClientFor("root", "admin");

        (await rootOnOne.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await rootOnTwo.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await rootOnOne.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Test]
    public async Task Told_not_to_count_in_redis_each_instance_counts_alone()
    {
        using var redis = RedisServer.Start();
        using var one = new ServerFactory(Settings(redis, permits: 2, countInRedis: false));
        using var two = new ServerFactory(Settings(redis, permits: 2, countInRedis: false));
        using var aliceOnOne = one.HttpClientFor("alice");
        using var aliceOnTwo = two.HttpClientFor("alice");

        (await StatusesAsync(aliceOnOne, aliceOnOne, aliceOnTwo, aliceOnTwo)).Should().OnlyContain(s => s == HttpStatusCode.OK);
        (await StatusesAsync(aliceOnOne, aliceOnTwo)).Should().OnlyContain(s => s == HttpStatusCode.TooManyRequests);
    }

    [Test]
    public async Task When_redis_stops_answering_each_instance_counts_alone_and_no_request_fails()
    {
        var redis = RedisServer.Start();
        var logs = new LogCapture();
        using var one = new ServerFactory(Settings(redis, permits: 3), logs.AddTo);
        using var alice = one.HttpClientFor("alice");
        (await StatusesAsync(alice, alice)).Should().OnlyContain(s => s == HttpStatusCode.OK, "two of three, counted in Redis");

        redis.Dispose();

        var statuses = await StatusesAsync(alice, alice, alice, alice);
        statuses.Should().Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests],
            "this instance counts a window of its own from the moment Redis went away; never a 500");
        logs.Lines.Where(l => l.Contains("per-user limits are counted by this instance alone")).Should().ContainSingle("one warning, not one per request");
    }
}
