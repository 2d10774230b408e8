using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EmbeddedChatKit;

/// <summary>
/// Stand-in for the app's real authentication (cookies, JWT, Entra ID...): the user named in the
/// <c>X-Sample-User</c> header. ChatKit only needs an authenticated caller with a <c>sub</c> claim.
/// </summary>
public sealed class SampleAuthHandler(IOptionsMonitor<SampleAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<SampleAuthOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers["X-Sample-User"].ToString();
        if (string.IsNullOrWhiteSpace(user)) return Task.FromResult(AuthenticateResult.NoResult());
        var identity = new ClaimsIdentity([new Claim("sub", user)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}

/// <summary>Options of <see cref="SampleAuthHandler"/> (none).</summary>
public sealed class SampleAuthOptions : AuthenticationSchemeOptions;
