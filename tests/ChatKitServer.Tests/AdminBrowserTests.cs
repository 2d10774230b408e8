using ChatKitServer.Auth;
using ChatKitServer.Tests.Support;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKitServer.Tests;

/// <summary>
/// The admin pages in a real headless Chromium (Debian's <c>chromium</c>, driven by Playwright),
/// against the server on a loopback port. Skipped, with the reason, when Chromium is not installed;
/// .ci/run installs it.
/// </summary>
public class AdminBrowserTests
{
    /// <summary>
    /// How the browser tests wait for a page after a click or a redirect: until the page's URL matches, polled
    /// (Playwright's web-first assertion), with room for a CI machine busy with other test assemblies. What is on the
    /// page is then checked with assertions that retry too (<c>Expect(locator)</c>). <c>WaitForURLAsync</c> with a load
    /// state is not used: when the navigation had already committed it waits for the load state's event, and once on CI
    /// the <c>DOMContentLoaded</c> event was missed that way (the waiter saw only <c>load</c> and <c>networkidle</c>)
    /// and the test timed out after 60 s with the page in front of it.
    /// </summary>
    internal static Task ArrivedAtAsync(IPage page, string urlPattern) =>
        Assertions.Expect(page).ToHaveURLAsync(new Regex(urlPattern), new() { Timeout = 60_000 });

    /// <summary>
    /// The browser tests' assertions retry for up to 30 s (Playwright's default is 5 s): CI runs the test assemblies side
    /// by side on two cores.
    /// </summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void GivePagesTime() => Assertions.SetDefaultExpectTimeout(30_000);

    /// <summary>The <see cref="Regex"/> pattern of <paramref name="url"/> itself, whole.</summary>
    internal static string Exactly(string url) => "^" + Regex.Escape(url) + "$";

    internal static string? Chromium() =>
        new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    [Test]
    public async Task An_admin_opens_a_thread_and_sees_its_messages_tool_calls_usage_and_feedback()
    {
        var chromium = Chromium();
        if (chromium is null)
            Assert.Ignore("Browser test skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");

        await using var upstream = await ScriptedUpstream.StartAsync();
        using var factory = new ServerFactory(upstream.Settings());
        var site = factory.StartKestrel().GetLeftPart(UriPartial.Authority);
        var (aliceThread, _) = await AdminTests.SeedAsync(factory, upstream);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(site + "/admin");
        await ArrivedAtAsync(page, Exactly(site + "/admin/login?ReturnUrl=%2Fadmin"));
        await page.Locator("#token").FillAsync(factory.TokenFor("root", "admin"));
        await page.Locator("#sign-in").ClickAsync();
        await ArrivedAtAsync(page, Exactly(site + "/admin"));
        var session = (await context.CookiesAsync()).Single(c => c.Name == AdminSignIn.CookieName);
        (session.HttpOnly, session.Secure, session.SameSite).Should().Be((true, true, SameSiteAttribute.Strict));
        await Expect(page.Locator("#threads tbody tr")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Link, new() { Name = "Pancakes" }).ClickAsync();
        await ArrivedAtAsync(page, Exactly($"{site}/admin/threads/{aliceThread}"));

        await Expect(page.Locator("#title")).ToHaveTextAsync("Pancakes");
        await Expect(page.Locator("#owner")).ToHaveTextAsync("alice");
        await Expect(page.Locator(".item.user_message")).ToContainTextAsync("Find my pancake recipe");
        await Expect(page.Locator(".item.assistant_message")).ToContainTextAsync("Here is the pancake recipe.");
        await Expect(page.Locator(".item.assistant_message")).ToContainTextAsync("feedback: positive");
        await Expect(page.Locator(".item.tool_call")).ToContainTextAsync("search_threads");
        await Expect(page.Locator(".item.tool_call")).ToContainTextAsync("pancakes");
        await Expect(page.Locator("#usage")).ToContainTextAsync("22 prompt");
        await Expect(page.Locator("#usage")).ToContainTextAsync("14 completion");

        var shot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "admin-thread.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        TestContext.AddTestAttachment(shot, "The admin thread page as Chromium renders it");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.Locator("#delete").ClickAsync();
        await ArrivedAtAsync(page, Exactly(site + "/admin"));
        await Expect(page.Locator(".message")).ToContainTextAsync($"Thread {aliceThread} was deleted.");
        await Expect(page.Locator("#threads tbody tr")).ToHaveCountAsync(1);
    }
}
