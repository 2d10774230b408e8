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
    public async Task The_documents_server_is_the_public_address_never_a_forged_host()
    {
        using (var configured = new ServerFactory(new() { ["ChatKit:PublicBaseUrl"] = "https://chat.example.com/assistant/" }))
            (await ServersAsync(configured, host: "evil.test")).Should().Equal("https://chat.example.com/assistant/");

        // Behind a trusted proxy, a request that bypasses it vouches for nothing: no server (clients use the document's own address).
        using var proxied = new ServerFactory(new() { ["ChatKit:TrustedProxies:0"] = "10.1.2.3" });
        (await ServersAsync(proxied, host: "evil.test")).Should().BeEmpty();
    }

    private static async Task<List<string>> ServersAsync(ServerFactory factory, string host)
    {
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Host = host;
        using var response = await http.GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var servers = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["servers"]?.AsArray() ?? [];
        return servers.Select(s => (string)s!["url"]!).ToList();
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
