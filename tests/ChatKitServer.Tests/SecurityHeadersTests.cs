using System.Net;
using ChatKitServer.Tests.Support;
using Microsoft.Playwright;
using static ChatKitServer.Tests.Support.ChatKitTestClient;

namespace ChatKitServer.Tests;

/// <summary>
/// Security headers: nosniff on every response (errors included); the HTML pages send a Content-Security-Policy,
/// a Referrer-Policy and frame-ancestors; the demo page's policy lets its own script run and allows the
/// ChatKit web component from OpenAI's CDN, checked in Chromium (no violation reported).
/// </summary>
public class SecurityHeadersTests
{
    private ServerFactory _factory = null!;
    private ChatKitTestClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _factory = ServerFactory.WithResponder(new TestResponder());
        _client = _factory.CreateChatKitClient();
        _threadId = (await _client.StreamAsync(Create("hello"))).ThreadId;
    }

    private string _threadId = null!;

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    [Test]
    public async Task Every_response_says_nosniff_errors_included()
    {
        var responses = new[]
        {
            await _client.PostAsync(Request("threads.list")),
            await _client.PostAsync(Request("threads.get_by_id", new() { ["thread_id"] = "thr_missing" })),
            await _client.PostAsync("{not json"),
            await _client.Http.GetAsync("/health"),
            await _client.Http.GetAsync("/no-such-page"),
            await _client.Http.GetAsync("/assets/admin.css"),
            await _client.Http.GetAsync("/"),
            await _client.Http.GetAsync("/admin"),
        };
        foreach (var response in responses)
            Header(response, "X-Content-Type-Options").Should().Be("nosniff", $"{response.RequestMessage!.RequestUri} ({(int)response.StatusCode})");
    }

    [Test]
    public async Task The_admin_pages_run_only_their_own_script_and_style_and_cannot_be_framed()
    {
        foreach (var path in new[] { "/admin", $"/admin/threads/{_threadId}", "/admin/login" })
        {
            using var page = await _client.Http.GetAsync(path);
            page.StatusCode.Should().Be(HttpStatusCode.OK, path);
            var csp = Header(page, "Content-Security-Policy");
            csp.Should().Contain("default-src 'none'").And.Contain("script-src 'self'").And.Contain("style-src 'self'")
                .And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
            Header(page, "Referrer-Policy").Should().Be("no-referrer", path);
            Header(page, "X-Frame-Options").Should().Be("DENY", path);
            (await page.Content.ReadAsStringAsync()).Should().NotContain("<style>").And.NotContain("<script>").And.NotContain("onsubmit=", "the policy allows no inline code");
        }
    }

    [Test]
    public async Task The_demo_page_allows_the_chatkit_component_from_openais_cdn_and_nothing_inline()
    {
        using var page = await _client.Http.GetAsync("/");
        var csp = Header(page, "Content-Security-Policy");
        csp.Should().Contain("script-src 'self' https://cdn.platform.openai.com").And.Contain("frame-src https://cdn.platform.openai.com")
            .And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
        Header(page, "Referrer-Policy").Should().Be("strict-origin-when-cross-origin");
        (await page.Content.ReadAsStringAsync()).Should().Contain("src=\"https://cdn.platform.openai.com/deployments/chatkit/chatkit.js\"");
    }

    [Test]
    public async Task API_answers_carry_the_api_set()
    {
        using var response = await _client.PostAsync(Request("threads.list"));
        Header(response, "Content-Security-Policy").Should().Contain("default-src 'none'").And.Contain("frame-ancestors 'none'");
    }

    /// <summary>In Chromium, the demo and admin pages load and run under their policies without a single violation.</summary>
    [Test]
    public async Task In_a_browser_the_pages_run_under_their_policies_without_violations()
    {
        var chromium = new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
        if (chromium is null)
            Assert.Ignore("Browser test skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");

        using var factory = ServerFactory.WithResponder(new TestResponder());
        var port = FreePort();
        factory.UseKestrel(port);
        factory.StartServer();
        var site = $"http://127.0.0.1:{port}";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync();
        // Record every CSP violation the pages report, from the first script on.
        await context.AddInitScriptAsync("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");
        var page = await context.NewPageAsync();
        // OpenAI's CDN is out of reach here: answer its script with a stand-in that defines the element, so the page's own script runs to the end.
        await page.RouteAsync("https://cdn.platform.openai.com/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/javascript",
            Body = "customElements.define('openai-chatkit', class extends HTMLElement { setOptions(o) { this.dataset.api = o.api.url; } });",
        }));

        await page.GotoAsync(site + "/");
        await page.Locator("openai-chatkit").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 10_000 });
        (await page.Locator("openai-chatkit").GetAttributeAsync("data-api")).Should().Be(site + "/chatkit", "the page's own script ran under its CSP");
        (await page.EvaluateAsync<string[]>("window.__violations")).Should().BeEmpty();

        page.Dialog += (_, dialog) => dialog.DismissAsync();
        await page.GotoAsync(site + "/admin");
        (await page.Locator("header").TextContentAsync()).Should().Contain("ChatKitServer admin");
        (await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('header')).display")).Should().Be("flex", "the admin stylesheet applies");
        (await page.EvaluateAsync<string[]>("window.__violations")).Should().BeEmpty();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
