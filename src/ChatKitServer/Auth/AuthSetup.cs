using System.Text;
using System.Threading.RateLimiting;
using ChatKitServer.Configuration;
using ChatKitServer.Limits;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.IdentityModel.Tokens;

namespace ChatKitServer.Auth;

public static class AuthSetup
{
    public const string AdminPolicy = "admin";
    public const string AdminPagesPolicy = "admin-pages";
    public const string ChatKitRateLimit = "chatkit-per-user";

    /// <summary>
    /// Authentication by <c>Auth:Mode</c> (Development, or JWT bearer tokens from an OpenID Connect
    /// issuer or signed with HS256), the admin policies (a claim named exactly <c>role</c> holds
    /// Auth:AdminRole; the pages also take the admin session cookie, see <see cref="AdminSignIn"/>),
    /// and the per-user rate limit of <c>/chatkit</c>.
    /// </summary>
    public static IServiceCollection AddChatKitAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (auth.Mode == AuthMode.Jwt)
        {
            services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
                .AddJwtBearer(o => ConfigureBearer(o, auth.Jwt))
                .AddAdminSignIn(auth, ConfigureBearer);
        }
        else
        {
            services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null);
        }

        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ExactClaims.HasRole(c.User, auth.AdminRole)))
            .AddPolicy(AdminPagesPolicy, p =>
            {
                if (auth.Mode == AuthMode.Jwt) p.AddAuthenticationSchemes(AdminSignIn.PagesScheme);
                p.RequireAuthenticatedUser().RequireAssertion(c => ExactClaims.HasRole(c.User, auth.AdminRole));
            });

        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        // Counted where LimitWindows says (Redis when configured, shared by every instance).
        LimitWindows.Register(services).AddOptions<RateLimiterOptions>().Configure<LimitWindows>((o, windows) =>
            o.AddPolicy(ChatKitRateLimit, http => !limits.Enabled
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.Get(
                    ExactClaims.Subject(http.User) ?? "anonymous:" + http.Connection.RemoteIpAddress,
                    caller => windows.Create(ChatKitRateLimit, caller, limits.PermitLimit, TimeSpan.FromSeconds(limits.WindowSeconds)))));
        services.AddRateLimiter(o =>
        {
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : limits.WindowSeconds;
                await TooManyRequests.WriteAsync(http, retryAfter, $"At most {limits.PermitLimit} requests per {limits.WindowSeconds} s; try again in {retryAfter} s.");
            };
        });
        return services;
    }

    /// <summary>How bearer tokens are validated; the admin sign-in validates its form token with the same settings.</summary>
    internal static void ConfigureBearer(JwtBearerOptions o, JwtSettings jwt)
    {
        o.MapInboundClaims = false; // keep "sub" and "role" as issued
        o.IncludeErrorDetails = false; // a 401 says "invalid_token", never why (no token details for a prober)
        o.Events = new JwtBearerEvents
        {
            // A token must name one user: an empty, blank or repeated "sub" authenticates nobody.
            OnTokenValidated = context =>
            {
                if (string.IsNullOrWhiteSpace(ExactClaims.Subject(context.Principal!)))
                    context.Fail("The token's 'sub' claim must be one non-empty user id.");
                return Task.CompletedTask;
            },
        };
        o.TokenValidationParameters = new TokenValidationParameters
        {
            NameClaimType = ExactClaims.SubjectType,
            RoleClaimType = ExactClaims.RoleType,
            ValidAudience = jwt.Audience,
            ValidateAudience = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            o.Authority = jwt.Authority;
        }
        else if (!string.IsNullOrWhiteSpace(jwt.SigningKey))
        {
            o.TokenValidationParameters.ValidIssuer = jwt.Issuer;
            o.TokenValidationParameters.ValidateIssuer = true;
            o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey));
            o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
    }
}
