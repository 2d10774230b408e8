using System.Security.Claims;
using ChatKitServer.Auth;
using ChatKitServer.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Admin;

/// <summary>
/// Admin sign-in (<see cref="AdminSignIn"/>): <c>GET /admin/login</c> shows the form, <c>POST /admin/login</c>
/// exchanges a bearer token with the admin role for the session cookie, <c>POST /admin/logout</c> ends the
/// session. Every POST carries an antiforgery token.
/// </summary>
[Route("admin")]
[ApiExplorerSettings(IgnoreApi = true)] // HTML sign-in form and cookie exchange, not an API
[AutoValidateAntiforgeryToken]
public sealed class AdminLoginController(IOptions<AuthOptions> auth, TimeProvider clock, ILogger<AdminLoginController> logger) : Controller
{
    [HttpGet("login")]
    [AllowAnonymous]
    public IActionResult Login([FromQuery] string? returnUrl) =>
        auth.Value.Mode == AuthMode.Jwt ? View(new AdminLoginModel(SafeReturnUrl(returnUrl), null)) : Redirect("/admin");

    [HttpPost("login")]
    [AllowAnonymous]
    public async Task<IActionResult> Authenticate([FromForm] string? returnUrl)
    {
        var options = auth.Value;
        if (options.Mode != AuthMode.Jwt) return Redirect("/admin");
        returnUrl = SafeReturnUrl(returnUrl);

        var result = await HttpContext.AuthenticateAsync(AdminSignIn.LoginScheme);
        if (!result.Succeeded)
        {
            logger.LogWarning("Admin sign-in refused: {Reason}", result.Failure is null ? "no token" : "invalid token");
            return Refused(StatusCodes.Status401Unauthorized, result.None
                ? "Paste a bearer token."
                : "The token was refused: it is expired, not yet valid, or not issued for this server.", returnUrl);
        }
        var user = result.Principal;
        var subject = ExactClaims.Subject(user)!; // the bearer scheme refuses tokens without one
        if (!ExactClaims.HasRole(user, options.AdminRole))
        {
            logger.LogWarning("Admin sign-in refused for {UserId}: not an administrator", subject);
            return Refused(StatusCodes.Status403Forbidden, "This token does not carry the administrator role.", returnUrl);
        }

        var now = clock.GetUtcNow();
        var expires = now + options.AdminSessionLifetime;
        if (result.Properties?.ExpiresUtc is { } tokenExpires && tokenExpires < expires) expires = tokenExpires;
        var identity = new ClaimsIdentity(
            [new Claim(ExactClaims.SubjectType, subject), .. ExactClaims.Values(user, ExactClaims.RoleType).Select(r => new Claim(ExactClaims.RoleType, r))],
            AdminSignIn.CookieScheme, ExactClaims.SubjectType, ExactClaims.RoleType);
        await HttpContext.SignInAsync(AdminSignIn.CookieScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = true, IssuedUtc = now, ExpiresUtc = expires, AllowRefresh = false });
        logger.LogInformation("Admin {UserId} signed in to the admin pages until {Expires}", subject, expires);
        return LocalRedirect(returnUrl);
    }

    [HttpPost("logout")]
    [Authorize(Policy = AuthSetup.AdminPagesPolicy)]
    public async Task<IActionResult> Logout()
    {
        if (auth.Value.Mode == AuthMode.Jwt)
            await HttpContext.SignOutAsync(AdminSignIn.CookieScheme);
        return auth.Value.Mode == AuthMode.Jwt ? Redirect(AdminSignIn.LoginPath) : Redirect("/admin");
    }

    private ViewResult Refused(int status, string message, string returnUrl)
    {
        Response.StatusCode = status;
        return View(nameof(Login), new AdminLoginModel(returnUrl, message));
    }

    private string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) && returnUrl.StartsWith("/admin", StringComparison.Ordinal) ? returnUrl : "/admin";
}

public sealed record AdminLoginModel(string ReturnUrl, string? Error);
