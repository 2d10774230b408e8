using System.Net;
using System.Text.Json.Nodes;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>The OpenAPI document of the endpoints that are not the ChatKit protocol, and its browsable reference.</summary>
public class ApiDescriptionTests
{
    [Test]
    public async Task The_document_describes_the_admin_api_simple_chat_widget_streams_and_attachments_but_not_the_protocol()
    {
        using var factory = new ServerFactory();
        using var http = factory.CreateClient();

        using var response = await http.GetAsync("/openapi/v1.json");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        var document = JsonNode.Parse(text)!;
        document["openapi"]!.GetValue<string>().Should().StartWith("3.");
        document["info"]!["title"]!.GetValue<string>().Should().Be("ChatKitServer");
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.Should().Contain(["/admin/api/threads", "/admin/api/threads/{id}", "/api/chat/message", "/api/chat/stream/message",
            "/api/chat/widgets/streams/{streamId}/events", "/chatkit/attachments", "/chatkit/attachments/{id}/upload", "/chatkit/attachments/{id}/preview"]);
        paths.Should().NotContain("/chatkit", "the protocol is described by its JSON Schemas");
        paths.Should().NotContain(p => p == "/admin" || p.StartsWith("/admin/threads") || p.StartsWith("/admin/log"), "HTML pages are not an API");
        document["paths"]!["/api/chat/message"]!["post"]!["tags"]!.AsArray().Select(t => (string)t!).Should().Equal("Simple chat");
        document["paths"]!["/api/chat/stream/message"]!["post"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key).Should().Contain("text/event-stream");
    }

    [Test]
    public async Task The_browsable_reference_is_served_in_development()
    {
        using var factory = new ServerFactory();
        using var http = factory.CreateClient();

        using var response = await http.GetAsync("/scalar/v1");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("openapi/v1.json").And.Contain("scalar.js");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("script-src 'self'");
        (await http.GetAsync("/scalar/scalar.js")).StatusCode.Should().Be(HttpStatusCode.OK, "the reference works offline: its script is served here, not from a CDN");
    }
}
