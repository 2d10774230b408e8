using System.Net;
using System.Text.Json.Nodes;
using ChatKitServer.Tests.Support;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>A configured list of accepted attachment types replaces the defaults (the configuration binder appends to an array that has an initializer).</summary>
public class AttachmentTypesTests
{
    [Test]
    public async Task Configured_types_replace_the_defaults()
    {
        using var factory = new ServerFactory(new() { ["Attachments:AllowedMimeTypes:0"] = "text/plain", ["Attachments:AllowedMimeTypes:1"] = "image/png" });
        using var client = factory.CreateChatKitClient();

        foreach (var refused in new[] { "application/pdf", "application/json" })
        {
            using var response = await client.PostAsync(Request("attachments.create", new() { ["name"] = "x", ["size"] = 10, ["mime_type"] = refused }));
            response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType, refused + " is a default type, not a configured one");
            JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().EndWith("allowed: text/plain, image/png.");
        }
        using var accepted = await client.PostAsync(Request("attachments.create", new() { ["name"] = "x.png", ["size"] = 10, ["mime_type"] = "image/png" }));
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Without_configured_types_the_defaults_apply()
    {
        using var factory = new ServerFactory();
        using var client = factory.CreateChatKitClient();

        using var pdf = await client.PostAsync(Request("attachments.create", new() { ["name"] = "x.pdf", ["size"] = 10, ["mime_type"] = "application/pdf" }));

        pdf.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
