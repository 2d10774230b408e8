using System.Net.Http.Headers;
using ChatKit;
using ChatKit.Client;
using ChatKitServer.Tests.Support;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using Reply = ChatKitServer.Tests.Support.ScriptedUpstream.Reply;

namespace ChatKitServer.Tests;

/// <summary>
/// The admin overview in a real headless Chromium (Debian's <c>chromium</c>, driven by Playwright), against the
/// server on a loopback port: the charts are drawn into SVG by the page's own script under the admin CSP, with
/// nothing fetched from elsewhere; a screenshot is kept as a test attachment. Skipped, with the reason, when
/// Chromium is not installed; .ci/run installs it.
/// </summary>
public class AdminOverviewBrowserTests
{
    [Test]
    public async Task An_admin_sees_the_overview_charts_filters_them_and_downloads_a_thread()
    {
        var chromium = AdminBrowserTests.Chromium();
        if (chromium is null)
            Assert.Ignore("Browser test skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");

        await using var upstream = await ScriptedUpstream.StartAsync();
        using var factory = new ServerFactory(upstream.Settings());
        var site = factory.StartKestrel().GetLeftPart(UriPartial.Authority);
        var (aliceThread, _) = await AdminTests.SeedAsync(factory, upstream);
        using (var http = factory.HttpClientFor("carol"))
        {
            // Carol's turn fails: the model is down (an error for the errors chart).
            upstream.Enqueue(Reply.Error(500));
            (await new ChatKitClient(http).CreateThreadAsync(ChatKitClient.Text("Are you there?")).CollectAsync()).Errors.Should().ContainSingle();
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 }, AcceptDownloads = true });
        var elsewhere = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(site, StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                lock (elsewhere) elsewhere.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        // Record CSP violations (reported as events, and as console errors by Chromium).
        await context.AddInitScriptAsync("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") lock (problems) problems.Add(message.Type + ": " + message.Text); };
        page.PageError += (_, error) => { lock (problems) problems.Add("page error: " + error); };

        await page.GotoAsync(site + "/admin/overview");
        await AdminBrowserTests.ArrivedAtAsync(page, AdminBrowserTests.Exactly(site + "/admin/login?ReturnUrl=%2Fadmin%2Foverview"));
        await page.Locator("#token").FillAsync(factory.TokenFor("root", "admin"));
        await page.Locator("#sign-in").ClickAsync();
        await AdminBrowserTests.ArrivedAtAsync(page, AdminBrowserTests.Exactly(site + "/admin/overview"));

        await Expect(page.Locator("#overview svg.chart-svg")).ToHaveCountAsync(5); // activity, tokens, feedback, errors, slowest threads
        await Expect(page.Locator("[data-chart=activity] rect.bar")).ToHaveCountAsync(2); // today: threads and turns
        (await page.Locator("[data-chart=activity] rect.bar.t0 title").TextContentAsync()).Should().EndWith("Threads: 3");
        (await page.Locator("[data-chart=activity] rect.bar.t1 title").TextContentAsync()).Should().EndWith("Turns: 3");
        (await page.Locator("[data-chart=tokens] rect.bar title").TextContentAsync()).Should().EndWith("test-model: 54", "22 + 14 for Alice, 11 + 7 for Bob");
        (await page.Locator("[data-chart=feedback] rect.bar.positive title").TextContentAsync()).Should().EndWith("Positive: 1");
        (await page.Locator("[data-chart=errors] rect.bar title").TextContentAsync()).Should().Be("stream.error: 1");
        await Expect(page.Locator("[data-chart=slowest] a")).ToHaveCountAsync(3); // every thread with an answered or failed turn
        (await page.Locator("[data-chart=tokens] .legend").TextContentAsync()).Should().Contain("test-model");
        (await page.Locator("#totals").TextContentAsync()).Should().Contain("Errors").And.Contain("1 positive");

        var shot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "admin-overview.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        TestContext.AddTestAttachment(shot, "The admin overview as Chromium renders it");

        // Filter by user: the charts are drawn again from Bob's figures.
        await page.Locator("input[name=user]").FillAsync("bob");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await AdminBrowserTests.ArrivedAtAsync(page, @"/admin/overview\?(.*&)?user=bob(&|$)");
        await Expect(page.Locator("[data-chart=activity] rect.bar.t0 title")).ToHaveTextAsync(new Regex("Threads: 1$"));
        (await page.Locator("[data-chart=errors] .empty").TextContentAsync()).Should().Be("Nothing in this range");
        await Expect(page.Locator("[data-chart=slowest] a")).ToHaveCountAsync(1);

        // From the overview to a thread, and its Markdown transcript downloaded from the thread page.
        await page.Locator("#nav-overview").ClickAsync();
        await AdminBrowserTests.ArrivedAtAsync(page, AdminBrowserTests.Exactly(site + "/admin/overview"));
        // The charts are drawn by the page's script after the URL changes: wait for the rows before measuring them
        // (CI once evaluated before the chart was drawn and found no rows).
        await Expect(page.Locator("[data-chart=slowest] a")).ToHaveCountAsync(3);
        // Each row's link takes a click anywhere on its row: here, the gap between the label (ending at x 222 of the
        // chart's 720) and the bar (from x 230), where nothing is painted. Without the row's hit area the click fell
        // through to the chart, and Playwright's click (at the link's centre) did too whenever the bar was short.
        var rowsHit = await page.EvaluateAsync<bool[]>(@"() => [...document.querySelectorAll('[data-chart=slowest] a')].map(link => {
            link.scrollIntoView({ block: 'center' });
            const svg = link.ownerSVGElement, box = link.getBBox(), point = svg.createSVGPoint();
            point.x = 226; point.y = box.y + box.height / 2;
            const screen = point.matrixTransform(svg.getScreenCTM());
            return document.elementFromPoint(screen.x, screen.y)?.closest('a') === link;
        })");
        rowsHit.Should().HaveCount(3).And.OnlyContain(hit => hit, "a click between a row's label and its bar opens the thread");
        await page.Locator($"[data-chart=slowest] a[href='/admin/threads/{aliceThread}']").ClickAsync();
        await AdminBrowserTests.ArrivedAtAsync(page, AdminBrowserTests.Exactly($"{site}/admin/threads/{aliceThread}"));
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-md").ClickAsync());
        download.SuggestedFilename.Should().Be($"{aliceThread}.md");
        var transcript = await File.ReadAllTextAsync((await download.PathAsync())!);
        transcript.Should().StartWith("# Pancakes").And.Contain("Find my pancake recipe").And.Contain("Here is the pancake recipe.");

        var violations = await page.EvaluateAsync<string[]>("window.__violations");
        violations.Should().BeEmpty("the charts need no inline script or style");
        problems.Should().BeEmpty("the pages run without console errors");
        elsewhere.Should().BeEmpty("the pages fetch nothing from elsewhere: they work offline");
    }
}
