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

        await ExpectAsync(http, live: HttpStatusCode.OK, ready: HttpStatusCode.ServiceUnavailable, all: HttpStatusCode.ServiceUnavailable);
    }

    private static async Task ExpectAsync(HttpClient http, HttpStatusCode live, HttpStatusCode ready, HttpStatusCode all)
    {
        foreach (var (path, status) in new[] { ("/health/live", live), ("/health/ready", ready), ("/health", all) })
        {
            using var response = await http.GetAsync(path);
            response.StatusCode.Should().Be(status, path);
            (await response.Content.ReadAsStringAsync()).Should().Be(status == HttpStatusCode.OK ? "Healthy" : "Unhealthy", path);
        }
    }
}
