using ChatKitServer.Auth;
using ChatKitServer.Tests.Support;
using Microsoft.Playwright;

namespace ChatKitServer.Tests;

/// <summary>
/// The admin pages in a real headless Chromium (Debian's <c>chromium</c>, driven by Playwright),
/// against the server on a loopback port. Skipped, with the reason, when Chromium is not installed;
/// .ci/run installs it.
/// </summary>
public class AdminBrowserTests
{
    /// <summary>
    /// How the browser tests wait for a page: until its DOM is parsed (the admin pages are rendered on the server,
    /// and locators wait for what they look for), with room for a CI machine busy with other test assemblies.
    /// Waiting for the <c>load</c> event once timed out there after 30 s.
    /// </summary>
    internal static readonly PageWaitForURLOptions Loaded = new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 60_000 };

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
        await page.WaitForURLAsync("**/admin/login?ReturnUrl=%2Fadmin", Loaded);
        await page.Locator("#token").FillAsync(factory.TokenFor("root", "admin"));
        await page.Locator("#sign-in").ClickAsync();
        await page.WaitForURLAsync(site + "/admin", Loaded);
        var session = (await context.CookiesAsync()).Single(c => c.Name == AdminSignIn.CookieName);
        (session.HttpOnly, session.Secure, session.SameSite).Should().Be((true, true, SameSiteAttribute.Strict));
        (await page.Locator("#threads tbody tr").CountAsync()).Should().Be(2);
        await page.GetByRole(AriaRole.Link, new() { Name = "Pancakes" }).ClickAsync();
        await page.WaitForURLAsync($"**/admin/threads/{aliceThread}", Loaded);

        (await page.Locator("#title").TextContentAsync()).Should().Be("Pancakes");
        (await page.Locator("#owner").TextContentAsync()).Should().Be("alice");
        (await page.Locator(".item.user_message").TextContentAsync()).Should().Contain("Find my pancake recipe");
        (await page.Locator(".item.assistant_message").TextContentAsync()).Should().Contain("Here is the pancake recipe.").And.Contain("feedback: positive");
        (await page.Locator(".item.tool_call").TextContentAsync()).Should().Contain("search_threads").And.Contain("pancakes");
        (await page.Locator("#usage").TextContentAsync()).Should().Contain("22 prompt").And.Contain("14 completion");

        var shot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "admin-thread.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        TestContext.AddTestAttachment(shot, "The admin thread page as Chromium renders it");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.Locator("#delete").ClickAsync();
        await page.WaitForURLAsync("**/admin", Loaded);
        (await page.Locator(".message").TextContentAsync()).Should().Contain($"Thread {aliceThread} was deleted.");
        (await page.Locator("#threads tbody tr").CountAsync()).Should().Be(1);
    }
}
