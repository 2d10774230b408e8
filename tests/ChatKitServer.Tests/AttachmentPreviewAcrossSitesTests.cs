using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Playwright;

namespace ChatKitServer.Tests;

/// <summary>
/// The ChatKit web component shows its UI in a frame from OpenAI's CDN, so the images of attachments (their
/// <c>preview_url</c>) are loaded by a page of another site than the server's. Every other answer keeps
/// <c>Cross-Origin-Resource-Policy: same-site</c>; a preview, which the signature in its link authorizes, says
/// <c>cross-origin</c>, or the browser refuses to show it.
/// </summary>
public class AttachmentPreviewAcrossSitesTests
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    /// <summary>Uploads a one-pixel PNG as <paramref name="http"/>'s user; answers the attachment's JSON.</summary>
    private static async Task<JsonNode> UploadImageAsync(HttpClient http)
    {
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        using var response = await http.PostAsync("/chatkit/attachments", new MultipartFormDataContent { { file, "file", "dot.png" } });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The path and query of a link (the signature included).</summary>
    private static string PathOf(string link) => new Uri(link).PathAndQuery;

    [Test]
    public async Task A_preview_may_be_embedded_by_another_site_and_other_answers_may_not()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder());
        using var alice = factory.HttpClientFor("alice");
        var image = await UploadImageAsync(alice);

        using var anonymous = factory.CreateClient();
        using var preview = await anonymous.GetAsync(PathOf((string)image["preview_url"]!));
        preview.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(preview, "Cross-Origin-Resource-Policy").Should().Be("cross-origin");
        Header(preview, "X-Content-Type-Options").Should().Be("nosniff");

        using var list = await alice.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()));
        Header(list, "Cross-Origin-Resource-Policy").Should().Be("same-site");
        using var missing = await anonymous.GetAsync($"/chatkit/attachments/{(string)image["id"]!}/preview?sig=forged");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        Header(missing, "Cross-Origin-Resource-Policy").Should().Be("same-site", "only an image served by its signed link is for other sites");
    }

    [Test]
    public async Task Under_another_route_prefix_previews_are_linked_served_and_marked_for_other_sites_there()
    {
        using var factory = ServerFactory.WithResponder(new TestResponder(), new() { ["Attachments:RoutePrefix"] = "/files/chat" });
        using var alice = factory.HttpClientFor("alice");
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        using var uploaded = await alice.PostAsync("/files/chat", new MultipartFormDataContent { { file, "file", "dot.png" } });
        var text = await uploaded.Content.ReadAsStringAsync();
        uploaded.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var image = JsonNode.Parse(text)!;
        var link = PathOf((string)image["preview_url"]!);
        link.Should().StartWith($"/files/chat/{(string)image["id"]!}/preview?sig=");

        using var anonymous = factory.CreateClient();
        using var preview = await anonymous.GetAsync(link);
        preview.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(preview, "Cross-Origin-Resource-Policy").Should().Be("cross-origin");
        using var old = await anonymous.GetAsync(link.Replace("/files/chat/", "/chatkit/attachments/"));
        old.StatusCode.Should().Be(HttpStatusCode.NotFound, "the endpoints moved with the prefix");
        Header(old, "Cross-Origin-Resource-Policy").Should().Be("same-site");
    }

    /// <summary>
    /// In Chromium: a page of another site (<c>localhost</c>, where the server answers at <c>127.0.0.1</c>; sites differ
    /// by host name) shows the image of a preview link, as the web component's frame does.
    /// </summary>
    [Test]
    public async Task In_a_browser_a_page_of_another_site_shows_the_preview()
    {
        var chromium = AdminBrowserTests.Chromium();
        if (chromium is null)
            Assert.Ignore("Browser test skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");

        using var factory = ServerFactory.WithResponder(new TestResponder());
        var server = factory.StartKestrel();
        using var alice = factory.HttpClientFor("alice");
        var image = await UploadImageAsync(alice);
        var link = $"http://127.0.0.1:{server.Port}{PathOf((string)image["preview_url"]!)}";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        // The page's own CSP (the API set) would forbid the image before CORP is even asked: bypassed, CORP is not.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"http://localhost:{server.Port}/health/live");

        var width = await page.EvaluateAsync<int>("""
            src => new Promise(resolve => {
                const img = new Image();
                img.onload = () => resolve(img.naturalWidth);
                img.onerror = () => resolve(-1);
                img.src = src;
                document.body.appendChild(img);
            })
            """, link);

        width.Should().Be(1, "the one-pixel image was shown, not blocked");
    }
}
