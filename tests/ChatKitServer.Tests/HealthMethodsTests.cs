using System.Net;
using System.Text.Json.Nodes;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>The health endpoints and the Prometheus scrape answer GET and HEAD only; other methods get a 405 like any endpoint's.</summary>
public class HealthMethodsTests
{
    private static readonly string[] Paths = ["/health", "/health/live", "/health/ready", "/metrics"];

    [Test]
    public async Task Health_and_metrics_answer_get_and_head_and_refuse_other_methods_with_405_allow_and_a_problem_body()
    {
        using var factory = new ServerFactory(new() { ["Telemetry:Prometheus"] = "true" });
        using var http = factory.CreateClient();

        foreach (var path in Paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var ok = await http.SendAsync(new HttpRequestMessage(method, path));
                ok.StatusCode.Should().Be(HttpStatusCode.OK, $"{method} {path}");
            }
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Delete, HttpMethod.Put, HttpMethod.Patch })
            {
                using var refused = await http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent("") });
                var body = await refused.Content.ReadAsStringAsync();
                refused.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed, $"{method} {path}: {body}");
                refused.Content.Headers.Allow.Should().BeEquivalentTo(["GET", "HEAD"], $"{method} {path}");
                refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", $"{method} {path}");
                var problem = JsonNode.Parse(body)!;
                ((string?)problem["type"]).Should().NotBeNullOrEmpty($"{method} {path}");
                problem["status"]!.GetValue<int>().Should().Be(405, $"{method} {path}");
                problem["detail"]!.GetValue<string>().Should().Be($"{method} is not allowed on {path}.");
            }
        }
    }
}
