using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Attachments;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace ChatKitServer.Tests;

/// <summary>
/// Signed attachment links: they expire (410 after), their host comes from ChatKit:PublicBaseUrl or a trusted
/// proxy and never from a forged Host header, and items store a stable path that is signed anew when served,
/// so reloading an old thread still shows its images.
/// </summary>
[TestFixture(AttachmentStorageKind.Local)]
[TestFixture(AttachmentStorageKind.AzureBlob)]
public class AttachmentLinkTests(AttachmentStorageKind storage)
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private ServerFactory Server(Dictionary<string, string?>? more = null) => ServerFactory.WithResponder(new TestResponder(), (more ?? []).WithStorage(storage));

    private static ThreadsCreateRequest CreateWith(string text, params string[] attachments) => new() { Params = new() { Input = ChatKitClient.Text(text, attachments) } };

    private static MultipartFormDataContent Form(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    /// <summary>The path and query of a link, to send to the in-memory server whatever host the link names.</summary>
    private static string Local(string link)
    {
        var uri = new Uri(link);
        return uri.AbsolutePath[uri.AbsolutePath.IndexOf("/chatkit/", StringComparison.Ordinal)..] + uri.Query;
    }

    private static async Task<JsonNode> DirectUploadAsync(ChatKitClient client)
    {
        using var response = await client.Http.PostAsync("/chatkit/attachments", Form(Png, "dot.png", "image/png"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Every JSON the database holds for items and attachments.</summary>
    private static string StoredJson(ServerFactory factory)
    {
        using var db = new SqliteConnection($"Data Source={factory.DatabasePath}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT Json FROM chatkit_items UNION ALL SELECT Json FROM chatkit_attachments";
        using var reader = command.ExecuteReader();
        var all = new List<string>();
        while (reader.Read()) all.Add(reader.GetString(0));
        return string.Join("\n", all);
    }

    [Test]
    public async Task A_forged_host_never_reaches_a_link_or_the_database()
    {
        using var factory = Server(new() { ["ChatKit:PublicBaseUrl"] = "https://chat.example.com/assistant/" });
        var alice = factory.ClientFor("alice");
        alice.Http.DefaultRequestHeaders.Host = "evil.test";

        var created = JsonNode.Parse(await alice.SendRawAsync(new AttachmentsCreateRequest { Params = new() { Name = "dot.png", Size = Png.Length, MimeType = "image/png" } }))!;
        var upload = (string)created["upload_descriptor"]!["url"]!;
        var preview = (string)created["preview_url"]!;
        upload.Should().StartWith("https://chat.example.com/assistant/chatkit/attachments/");
        preview.Should().StartWith("https://chat.example.com/assistant/chatkit/attachments/");
        (await alice.Http.PostAsync(Local(upload), Form(Png, "dot.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.OK);
        var direct = await DirectUploadAsync(alice);
        ((string)direct["preview_url"]!).Should().StartWith("https://chat.example.com/assistant/");

        var turn = await alice.StreamAsync(CreateWith("two pictures", (string)created["id"]!, (string)direct["id"]!)).CollectAsync();

        var streamed = turn.Items<UserMessageItem>().Single();
        streamed.Attachments.OfType<ImageAttachment>().Should().HaveCount(2).And.OnlyContain(a => a.PreviewUrl.StartsWith("https://chat.example.com/assistant/") && a.PreviewUrl.Contains("sig="));
        var stored = StoredJson(factory);
        stored.Should().NotContain("evil.test").And.NotContain("sig=").And.NotContain("chat.example.com", "the database keeps stable paths only");
        stored.Should().Contain($"\"preview_url\":\"/chatkit/attachments/{(string)created["id"]!}/preview\"");
    }

    [Test]
    public async Task Without_a_configured_address_a_foreign_host_is_refused_when_allowed_hosts_are_set()
    {
        using var factory = Server(new() { ["AllowedHosts"] = "localhost" });
        var alice = factory.ClientFor("alice");
        (await DirectUploadAsync(alice))["preview_url"]!.GetValue<string>().Should().StartWith("http://localhost/chatkit/attachments/");

        alice.Http.DefaultRequestHeaders.Host = "evil.test";
        using var forged = await alice.Http.PostAsync("/chatkit/attachments", Form(Png, "dot.png", "image/png"));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest, "host filtering refuses hosts not in AllowedHosts");
    }

    [Test]
    public async Task An_expired_preview_link_gets_410_and_served_items_carry_a_fresh_one()
    {
        using var factory = Server(new() { ["Attachments:PreviewLinkLifetime"] = "00:00:02" });
        var alice = factory.ClientFor("alice");
        using var anonymous = factory.CreateClient();
        var image = await DirectUploadAsync(alice);
        var thread = (await alice.StreamAsync(CreateWith("look", (string)image["id"]!)).CollectAsync()).ThreadId!;
        var first = (string)image["preview_url"]!;
        (await anonymous.GetAsync(Local(first))).StatusCode.Should().Be(HttpStatusCode.OK);

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        using var expired = await anonymous.GetAsync(Local(first));
        expired.StatusCode.Should().Be(HttpStatusCode.Gone);
        expired.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonNode.Parse(await expired.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>().Should().Contain("expired").And.Contain("load the thread again");

        var items = await alice.ListItemsAsync(thread, order: SortOrder.Asc);
        var reloaded = items.Data[0].Should().BeOfType<UserMessageItem>().Which.Attachments[0].Should().BeOfType<ImageAttachment>().Which.PreviewUrl;
        reloaded.Should().NotBe(first);
        (await anonymous.GetAsync(Local(reloaded))).StatusCode.Should().Be(HttpStatusCode.OK, "a thread loaded later shows its images");
    }

    [Test]
    public async Task An_expired_upload_link_gets_410_and_a_changed_expiry_breaks_the_signature()
    {
        using var factory = Server(new() { ["Attachments:UploadLinkLifetime"] = "00:00:02" });
        var alice = factory.ClientFor("alice");
        using var anonymous = factory.CreateClient();
        var created = JsonNode.Parse(await alice.SendRawAsync(new AttachmentsCreateRequest { Params = new() { Name = "dot.png", Size = Png.Length, MimeType = "image/png" } }))!;
        var upload = Local((string)created["upload_descriptor"]!["url"]!);

        var signature = Uri.UnescapeDataString(upload[(upload.IndexOf("sig=", StringComparison.Ordinal) + 4)..]);
        var later = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds() + signature[signature.IndexOf('.')..];
        var tampered = upload[..(upload.IndexOf("sig=", StringComparison.Ordinal) + 4)] + Uri.EscapeDataString(later);
        (await anonymous.PostAsync(tampered, Form(Png, "dot.png", "image/png"))).StatusCode.Should().Be(HttpStatusCode.NotFound, "the expiry is signed");

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        using var expired = await anonymous.PostAsync(upload, Form(Png, "dot.png", "image/png"));
        expired.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await expired.Content.ReadAsStringAsync()).Should().Contain("expired");

        // Only a genuine link is told to have expired: one whose signature does not hold is 404 whatever expiry it shows.
        var sigAt = upload.IndexOf("sig=", StringComparison.Ordinal) + 4;
        var earlier = long.Parse(signature[..signature.IndexOf('.')], System.Globalization.CultureInfo.InvariantCulture) - 60 + signature[signature.IndexOf('.')..];
        foreach (var forgedSignature in new[] { "1.forged", "1." + signature[(signature.IndexOf('.') + 1)..^4] + "AAAA", earlier })
        {
            using var forged = await anonymous.PostAsync(upload[..sigAt] + Uri.EscapeDataString(forgedSignature), Form(Png, "dot.png", "image/png"));
            forged.StatusCode.Should().Be(HttpStatusCode.NotFound, $"'{forgedSignature}' is not a link this server signed");
        }
    }

    [Test]
    public async Task Behind_a_trusted_proxy_links_take_the_forwarded_host_and_an_untrusted_one_is_ignored()
    {
        var (trusted, trustedSite) = OnKestrel(Server(new() { ["ChatKit:TrustedProxies:0"] = "127.0.0.1" }));
        var (untrusted, untrustedSite) = OnKestrel(Server(new() { ["ChatKit:TrustedProxies:0"] = "10.1.2.0/24" }));
        using (trusted)
        using (untrusted)
        {
            using var viaProxy = new HttpClient { BaseAddress = new Uri(trustedSite) };
            viaProxy.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", trusted.TokenFor("alice"));
            viaProxy.DefaultRequestHeaders.Add("X-Forwarded-Host", "chat.example.com");
            viaProxy.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
            var image = await DirectUploadAsync(new ChatKitClient(viaProxy));
            ((string)image["preview_url"]!).Should().StartWith("https://chat.example.com/chatkit/attachments/");

            using var direct = new HttpClient { BaseAddress = new Uri(untrustedSite) };
            direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", untrusted.TokenFor("alice"));
            direct.DefaultRequestHeaders.Add("X-Forwarded-Host", "evil.test");
            using var refused = await direct.PostAsync("/chatkit/attachments", Form(Png, "dot.png", "image/png"));
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync()).Should().Contain("trusted proxy").And.NotContain("evil.test");
        }
    }

    [Test]
    public void Production_without_a_public_address_does_not_start()
    {
        using var factory = new ProductionFactory();
        var start = () => factory.CreateClient();
        start.Should().Throw<Exception>().Where(e => e.ToString().Contains("ChatKit:PublicBaseUrl"));
    }

    private static (ServerFactory Factory, string Site) OnKestrel(ServerFactory factory) => (factory, factory.StartKestrel().GetLeftPart(UriPartial.Authority));

    private sealed class ProductionFactory : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production).UseSetting("ConnectionStrings:ChatKit", "Data Source=:memory:");
            foreach (var (key, value) in new Dictionary<string, string> { ["Auth:Mode"] = "Jwt", ["Auth:Jwt:SigningKey"] = new string('k', 32), ["Auth:Jwt:Issuer"] = "https://issuer.test", ["Auth:Jwt:Audience"] = "chatkit-tests" })
                builder.UseSetting(key, value);
        }
    }
}
