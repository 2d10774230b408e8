using System.Security.Claims;
using System.Text.Encodings.Web;
using ChatKitServer.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Auth;

/// <summary>
/// <c>Auth:Mode=Development</c>: every caller is the one local user, with the admin role, so the
/// whole server (admin pages included) works without an identity provider. Never for production.
/// </summary>
public sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Development";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity(
            [new Claim("sub", AuthOptions.LocalUserId), new Claim("name", "Local user"), new Claim("role", auth.Value.AdminRole)],
            SchemeName, "sub", "role");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
