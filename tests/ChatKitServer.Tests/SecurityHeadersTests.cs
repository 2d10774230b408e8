using System.Net;
using ChatKit;
using ChatKitServer.Tests.Support;
using Microsoft.Playwright;

namespace ChatKitServer.Tests;

/// <summary>
/// Security headers: nosniff on every response (errors included); the HTML pages send a Content-Security-Policy,
/// a Referrer-Policy and frame-ancestors; the demo page's policy lets its own script run and allows the
/// ChatKit web component from OpenAI's CDN, checked in Chromium (no violation reported).
/// </summary>
public class SecurityHeadersTests
{
    private ServerFactory _factory = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _factory = ServerFactory.WithResponder(new TestResponder());
        _admin = _factory.HttpClientFor("root", "admin");
        _threadId = (await new ChatKitClient(_admin).CreateThreadAsync(ChatKitClient.Text("hello")).CollectAsync()).ThreadId!;
    }

    private string _threadId = null!;

    [OneTimeTearDown]
    public void Stop()
    {
        _admin.Dispose();
        _factory.Dispose();
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    [Test]
    public async Task Every_response_says_nosniff_errors_included()
    {
        var responses = new[]
        {
            await _admin.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest())),
            await _admin.PostAsync("/chatkit", Wire.Body(new ThreadsGetByIdRequest { Params = new() { ThreadId = "thr_missing" } })),
            await _admin.PostAsync("/chatkit", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")),
            await _admin.GetAsync("/health"),
            await _admin.GetAsync("/no-such-page"),
            await _admin.GetAsync("/assets/admin.css"),
            await _admin.GetAsync("/"),
            await _admin.GetAsync("/admin"),
        };
        foreach (var response in responses)
            Header(response, "X-Content-Type-Options").Should().Be("nosniff", $"{response.RequestMessage!.RequestUri} ({(int)response.StatusCode})");
    }

    [Test]
    public async Task The_admin_pages_run_only_their_own_script_and_style_and_cannot_be_framed()
    {
        foreach (var path in new[] { "/admin", $"/admin/threads/{_threadId}", "/admin/login" })
        {
            using var page = await _admin.GetAsync(path);
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
        using var page = await _admin.GetAsync("/");
        var csp = Header(page, "Content-Security-Policy");
        csp.Should().Contain("script-src 'self' https://cdn.platform.openai.com").And.Contain("frame-src https://cdn.platform.openai.com")
            .And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
        Header(page, "Referrer-Policy").Should().Be("strict-origin-when-cross-origin");
        (await page.Content.ReadAsStringAsync()).Should().Contain("src=\"https://cdn.platform.openai.com/deployments/chatkit/chatkit.js\"");
    }

    [Test]
    public async Task API_answers_carry_the_api_set()
    {
        using var response = await _admin.PostAsync("/chatkit", Wire.Body(new ThreadsListRequest()));
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
        var site = factory.StartKestrel().GetLeftPart(UriPartial.Authority);

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
        await page.GotoAsync(site + "/admin"); // the sign-in form first (an admin page too), then the list
        await page.Locator("#token").FillAsync(factory.TokenFor("root", "admin"));
        await page.Locator("#sign-in").ClickAsync();
        await AdminBrowserTests.ArrivedAtAsync(page, AdminBrowserTests.Exactly(site + "/admin"));
        (await page.Locator("header").TextContentAsync()).Should().Contain("ChatKitServer admin");
        (await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('header')).display")).Should().Be("flex", "the admin stylesheet applies");
        (await page.EvaluateAsync<string[]>("window.__violations")).Should().BeEmpty();
    }
}
