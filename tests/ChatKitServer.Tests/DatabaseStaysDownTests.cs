using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// A database that stays down, with the default retries (EF's strategy alone retried 6 times, backing off up to 30 s: over
/// a minute): a request answers 503 with <c>Retry-After</c> and a ProblemDetails body before its deadline, a JSON request
/// as well as a stream that has not started (<c>Database:MaxRetryTimeSeconds</c>, by default two thirds of the request
/// deadline). Only PostgreSQL retries (SQLite does not), so only it is run.
/// </summary>
public class DatabaseStaysDownTests
{
    [Test]
    public async Task With_the_default_retries_requests_answer_503_with_a_problem_body_before_their_deadline()
    {
        const double deadlineSeconds = 6;
        using var factory = ServerFactory.WithResponder(new TestResponder(),
            new() { ["Deadlines:RequestSeconds"] = deadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }, TestDatabase.PostgreSql);
        var client = factory.ClientFor("alice");
        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("before the outage")).CollectAsync()).ThreadId!;

        var bringBack = await DatabaseOutage.StartAsync(factory);
        try
        {
            foreach (var (request, accept) in new (ChatKitRequest, string)[]
            {
                (new ThreadsListRequest(), "application/json"),
                (new ThreadsAddUserMessageRequest { Params = new() { ThreadId = thread, Input = ChatKitClient.Text("during") } }, "text/event-stream"),
            })
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = Wire.Body(request) };
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
                var clock = Stopwatch.StartNew();
                using var response = await client.Http.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                TestContext.Out.WriteLine($"{request.Kind}: {(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:0.0} s: {body}");

                response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "{0}: the database stays down; {1}", request.Kind, body);
                clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(deadlineSeconds), request.Kind);
                response.Headers.RetryAfter.Should().NotBeNull(request.Kind);
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", request.Kind);
                var problem = JsonNode.Parse(body)!;
                problem["status"]!.GetValue<int>().Should().Be(503, request.Kind);
                ((string?)problem["type"]).Should().NotBeNullOrEmpty(request.Kind);
                problem["title"]!.GetValue<string>().Should().Be("Service unavailable", request.Kind);
                problem["detail"]!.GetValue<string>().Should().Contain("database is not available", request.Kind);
            }
        }
        finally
        {
            await bringBack();
        }
        (await client.ListThreadsAsync()).Data.Should().ContainSingle("the database answers again once it is back");
    }
}
