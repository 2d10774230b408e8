using ChatKit;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>A configured list of accepted attachment types replaces the defaults (the configuration binder appends to an array that has an initializer).</summary>
public class AttachmentTypesTests
{
    private static AttachmentsCreateRequest Declare(string name, string type) => new() { Params = new() { Name = name, Size = 10, MimeType = type } };

    [Test]
    public async Task Configured_types_replace_the_defaults()
    {
        using var factory = new ServerFactory(new() { ["Attachments:AllowedMimeTypes:0"] = "text/plain", ["Attachments:AllowedMimeTypes:1"] = "image/png" });
        var client = factory.ClientFor("alice");

        foreach (var refused in new[] { "application/pdf", "application/json" })
        {
            var refusal = await client.RefusedAsync(Declare("x", refused));
            refusal.StatusCode.Should().Be(415, refused + " is a default type, not a configured one");
            refusal.Detail.Should().EndWith("allowed: text/plain, image/png.");
        }
        (await client.CreateAttachmentAsync("x.png", 10, "image/png")).MimeType.Should().Be("image/png");
    }

    [Test]
    public async Task Without_configured_types_the_defaults_apply()
    {
        using var factory = new ServerFactory();
        var client = factory.ClientFor("alice");

        var pdf = await client.CreateAttachmentAsync("x.pdf", 10, "application/pdf");

        pdf.MimeType.Should().Be("application/pdf");
    }
}
