using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ChatKit;
using ChatKitServer.Auth;
using ChatKitServer.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatKitServer.Tests;

/// <summary>
/// Admin sign-in over HTTP as a browser does it (https, cookies kept, redirects not followed): the login
/// form, the token exchange, the session cookie's attributes and lifetime, antiforgery on every form,
/// sign-out, and that the API and /chatkit never take the cookie.
/// </summary>
public class AdminSignInTests
{
    private ServerFactory _factory = null!;
    private readonly LogCapture _logs = new();

    [OneTimeSetUp]
    public void Start() => _factory = new ServerFactory(new() { ["Auth:AdminSessionLifetime"] = "00:05:00" }, services =>
    {
        services.Replace(ServiceDescriptor.Singleton<IChatKitResponder>(new TestResponder()));
        _logs.AddTo(services);
    });

    [OneTimeTearDown]
    public void Stop() => _factory.Dispose();

    private static HttpClient Browser(ServerFactory factory)
    {
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        return browser;
    }

    private static Dictionary<string, object> Root => new() { ["sub"] = "root", ["role"] = "admin" };

    private static string FormToken(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value is { Length: > 0 } token
            ? token
            : throw new AssertionException("The page has no antiforgery token: " + html);

    /// <summary>Opens the form and posts <paramref name="token"/> with the form's antiforgery token.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string token, string returnUrl = "/admin")
    {
        var form = FormToken(await browser.GetStringAsync("/admin/login"));
        return await browser.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = form, ["token"] = token, ["returnUrl"] = returnUrl,
        }));
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.FirstOrDefault(c => c.StartsWith(AdminSignIn.CookieName + "=")) is { } cookie
            ? cookie
            : throw new AssertionException($"No {AdminSignIn.CookieName} cookie was set ({(int)response.StatusCode}).");

    [Test]
    public async Task A_browser_signs_in_with_a_token_uses_the_pages_and_signs_out()
    {
        var alice = _factory.ClientFor("alice");
        var thread = (await alice.CreateThreadAsync(ChatKitClient.Text("delete me from the admin page")).CollectAsync()).ThreadId!;
        using var browser = Browser(_factory);

        var anonymous = await browser.GetAsync("/admin");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Redirect);
        anonymous.Headers.Location!.ToString().Should().Contain("/admin/login").And.Contain("ReturnUrl=%2Fadmin");

        using var signedIn = await SignInAsync(browser, _factory.TokenFor("root", "admin"));
        signedIn.StatusCode.Should().Be(HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        signedIn.Headers.Location!.ToString().Should().Be("/admin");
        var cookie = SessionCookie(signedIn).ToLowerInvariant();
        cookie.Should().Contain("httponly").And.Contain("secure").And.Contain("samesite=strict").And.Contain("path=/admin");
        cookie.Should().NotContain(_factory.TokenFor("root", "admin").Split('.')[0].ToLowerInvariant(), "the cookie is a server-issued session, not the token");

        var list = await browser.GetAsync("/admin");
        list.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await browser.GetStringAsync($"/admin/threads/{thread}");
        page.Should().Contain("delete me from the admin page").And.Contain("id=\"sign-out\"");

        var noToken = await browser.PostAsync($"/admin/threads/{thread}/delete", new FormUrlEncodedContent([]));
        noToken.StatusCode.Should().Be(HttpStatusCode.BadRequest, "page forms need their antiforgery token");
        var deleted = await browser.PostAsync($"/admin/threads/{thread}/delete",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = FormToken(page) }));
        deleted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await Refusals.RefusedAsync(() => alice.GetThreadAsync(thread))).StatusCode.Should().Be(404);

        var signOutForm = FormToken(await browser.GetStringAsync("/admin"));
        (await browser.PostAsync("/admin/logout", new FormUrlEncodedContent([]))).StatusCode.Should().Be(HttpStatusCode.BadRequest, "sign-out is a form with an antiforgery token too");
        var signedOut = await browser.PostAsync("/admin/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = signOutForm }));
        signedOut.StatusCode.Should().Be(HttpStatusCode.Redirect);
        SessionCookie(signedOut).Should().Contain("expires=Thu, 01 Jan 1970", "the cookie is cleared");
        (await browser.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.Redirect, "signed out: back to the sign-in form");
    }

    [Test]
    public async Task A_thread_deleted_from_its_page_is_logged_with_the_admin_who_deleted_it()
    {
        var alice = _factory.ClientFor("alice");
        var thread = (await alice.CreateThreadAsync(ChatKitClient.Text("delete me and say who did")).CollectAsync()).ThreadId!;
        using var browser = Browser(_factory);
        (await SignInAsync(browser, _factory.TokenFor("root", "admin"))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var page = await browser.GetStringAsync($"/admin/threads/{thread}");
        var deleted = await browser.PostAsync($"/admin/threads/{thread}/delete",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = FormToken(page) }));

        deleted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        _logs.Lines.Should().Contain(l => l.StartsWith("Warning: Admin \"root\" deleted thread") && l.Contains(thread),
            "deleting another user's thread from the pages is recorded like a delete through the API");
    }

    [Test]
    public async Task The_session_cookie_never_opens_the_api_or_chatkit()
    {
        using var browser = Browser(_factory);
        (await SignInAsync(browser, _factory.TokenFor("root", "admin"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await browser.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.OK);

        browser.DefaultRequestHeaders.Accept.Clear();
        (await browser.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Refusals.RefusedAsync(() => new ChatKitClient(browser).ListThreadsAsync())).StatusCode.Should().Be(401);
    }

    [Test]
    public async Task A_raw_token_put_in_a_cookie_by_hand_opens_nothing()
    {
        using var browser = _factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false });
        var token = _factory.TokenFor("root", "admin");
        browser.DefaultRequestHeaders.Add("Cookie", $"{AdminSignIn.CookieName}={token}; chatkit_admin_token={token}");

        (await browser.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await browser.GetAsync("/admin/api/threads")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static IEnumerable<TestCaseData> RefusedTokens()
    {
        TestCaseData Case(string name, Func<ServerFactory, string> token, HttpStatusCode status, string says) => new TestCaseData(token, status, says).SetName(name);
        yield return Case("a user's token", h => h.TokenFor("alice"), HttpStatusCode.Forbidden, "administrator role");
        yield return Case("ROLE instead of role", h => h.CreateToken(new Dictionary<string, object> { ["sub"] = "mallory", ["ROLE"] = "admin" }), HttpStatusCode.Forbidden, "administrator role");
        yield return Case("expired", h => h.CreateToken(Root, expires: DateTime.UtcNow.AddMinutes(-5)), HttpStatusCode.Unauthorized, "refused");
        yield return Case("bad signature", h => h.CreateToken(Root, signingKey: "another-key-that-is-also-long-enough-for-hs256"), HttpStatusCode.Unauthorized, "refused");
        yield return Case("empty sub", h => h.CreateToken(new Dictionary<string, object> { ["sub"] = "", ["role"] = "admin" }), HttpStatusCode.Unauthorized, "refused");
        yield return Case("no token", _ => "", HttpStatusCode.Unauthorized, "Paste a bearer token");
    }

    [TestCaseSource(nameof(RefusedTokens))]
    public async Task Tokens_the_api_would_refuse_or_that_are_not_an_admins_get_no_session(Func<ServerFactory, string> token, HttpStatusCode status, string says)
    {
        using var browser = Browser(_factory);

        using var response = await SignInAsync(browser, token(_factory));

        response.StatusCode.Should().Be(status);
        response.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).Should().NotContain(c => c.StartsWith(AdminSignIn.CookieName + "="));
        (await response.Content.ReadAsStringAsync()).Should().Contain(says);
        (await browser.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    [Test]
    public async Task The_sign_in_form_needs_its_antiforgery_token_and_only_returns_to_admin_pages()
    {
        using var browser = Browser(_factory);
        var forged = await browser.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = _factory.TokenFor("root", "admin") }));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a cross-site form cannot sign a browser in");

        using var elsewhere = await SignInAsync(browser, _factory.TokenFor("root", "admin"), returnUrl: "https://evil.test/");
        elsewhere.Headers.Location!.ToString().Should().Be("/admin");
    }

    [Test]
    public async Task The_session_lasts_the_configured_lifetime_and_never_beyond_the_token()
    {
        using var browser = Browser(_factory);
        using var configured = await SignInAsync(browser, _factory.CreateToken(Root, expires: DateTime.UtcNow.AddMinutes(20)));
        Expires(SessionCookie(configured)).Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(5), TimeSpan.FromSeconds(30));

        using var shortToken = await SignInAsync(Browser(_factory), _factory.CreateToken(Root, expires: DateTime.UtcNow.AddMinutes(2)));
        Expires(SessionCookie(shortToken)).Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(2), TimeSpan.FromSeconds(30));

        using var quick = ServerFactory.WithResponder(new TestResponder(), new() { ["Auth:AdminSessionLifetime"] = "00:00:02" });
        using var hurried = Browser(quick);
        (await SignInAsync(hurried, quick.TokenFor("root", "admin"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await hurried.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        (await hurried.GetAsync("/admin")).StatusCode.Should().Be(HttpStatusCode.Redirect, "the session is over");
    }

    private static DateTimeOffset Expires(string setCookie) =>
        DateTimeOffset.Parse(Regex.Match(setCookie, "expires=([^;]+)", RegexOptions.IgnoreCase).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
