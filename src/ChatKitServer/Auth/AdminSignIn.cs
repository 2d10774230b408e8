using ChatKitServer.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace ChatKitServer.Auth;

/// <summary>
/// Admin sign-in for the server-rendered pages (<c>Auth:Mode=Jwt</c>): a browser cannot send a bearer
/// header when it navigates, so <c>POST /admin/login</c> exchanges a token (validated by a bearer
/// scheme with the very settings of the API's) for a short-lived session cookie: HttpOnly, Secure,
/// SameSite=Strict, path <c>/admin</c>, lasting <c>Auth:AdminSessionLifetime</c> and never beyond the
/// token. The pages take that cookie or a bearer header; <c>/admin/api</c> and <c>/chatkit</c> never
/// read cookies (their default scheme is the bearer one), and the pages' forms carry antiforgery tokens.
/// </summary>
public static class AdminSignIn
{
    /// <summary>The admin pages' scheme: the bearer scheme when an Authorization header is sent, else the session cookie.</summary>
    public const string PagesScheme = "AdminPages";

    /// <summary>The session cookie's scheme.</summary>
    public const string CookieScheme = "AdminSession";

    /// <summary>A bearer scheme that reads the token from the sign-in form's <c>token</c> field.</summary>
    public const string LoginScheme = "AdminLogin";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "chatkit_admin";

    public const string LoginPath = "/admin/login";

    internal static AuthenticationBuilder AddAdminSignIn(this AuthenticationBuilder builder, AuthOptions auth, Action<JwtBearerOptions, JwtSettings> configureBearer)
    {
        builder.AddJwtBearer(LoginScheme, o =>
        {
            configureBearer(o, auth.Jwt);
            o.Events.OnMessageReceived = async context =>
            {
                var request = context.Request;
                var token = HttpMethods.IsPost(request.Method) && request.HasFormContentType
                    ? (await request.ReadFormAsync(context.HttpContext.RequestAborted))["token"].ToString().Trim()
                    : "";
                if (token.Length == 0) context.NoResult();
                else context.Token = token;
            };
        });
        builder.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.Path = "/admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = auth.AdminSessionLifetime;
            o.SlidingExpiration = false;
            o.LoginPath = LoginPath;
            o.Events.OnRedirectToLogin = context =>
            {
                // A browser finds the sign-in form; a script or tool gets a plain 401.
                if (AcceptsHtml(context.Request)) context.Response.Redirect(context.RedirectUri);
                else context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        builder.AddPolicyScheme(PagesScheme, "Admin pages", o => o.ForwardDefaultSelector = http =>
            http.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : CookieScheme);
        return builder;
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
