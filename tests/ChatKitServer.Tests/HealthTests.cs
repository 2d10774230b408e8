using System.Net;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>Health for orchestrators: liveness asks nothing, readiness asks the database (and Redis when configured).</summary>
[TestFixture(TestDatabase.Sqlite)]
[TestFixture(TestDatabase.PostgreSql)]
public class HealthTests(TestDatabase database)
{
    [Test]
    public async Task Liveness_stays_up_while_the_database_is_away_and_readiness_follows_the_database()
    {
        using var factory = new ServerFactory(new() { ["Database:MaxRetryCount"] = "0" }, database: database);
        using var http = factory.CreateClient();
        await ExpectAsync(http, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);

        var bringBack = await DatabaseOutage.StartAsync(factory);
        await ExpectAsync(http, live: HttpStatusCode.OK, ready: HttpStatusCode.ServiceUnavailable, all: HttpStatusCode.ServiceUnavailable);

        await bringBack();
        await ExpectAsync(http, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
    }

    [Test]
    public async Task Readiness_asks_redis_when_widget_streams_go_through_it()
    {
        var redis = RedisServer.Start();
        using var factory = new ServerFactory(new() { ["Redis:ConnectionString"] = redis.ConnectionString }, database: database);
        using var http = factory.CreateClient();
        try
        {
            await ExpectAsync(http, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        }
        finally
        {
            redis.Dispose();
        }

        // Degraded, not out of rotation: conversations do not need Redis, and an outage of it must not take every instance
        // out at once (it did: found by a multi-instance audit, 2026-12).
        await ExpectAsync(http, live: HttpStatusCode.OK, ready: HttpStatusCode.OK, all: HttpStatusCode.OK, degraded: true);
        (await factory.ClientFor("alice").ListThreadsAsync()).Data.Should().BeEmpty("the instance still serves conversations");
    }

    private static async Task ExpectAsync(HttpClient http, HttpStatusCode live, HttpStatusCode ready, HttpStatusCode all, bool degraded = false)
    {
        foreach (var (path, status) in new[] { ("/health/live", live), ("/health/ready", ready), ("/health", all) })
        {
            using var response = await http.GetAsync(path);
            response.StatusCode.Should().Be(status, path);
            var expected = status != HttpStatusCode.OK ? "Unhealthy" : degraded && path != "/health/live" ? "Degraded" : "Healthy";
            (await response.Content.ReadAsStringAsync()).Should().Be(expected, path);
        }
    }
}
