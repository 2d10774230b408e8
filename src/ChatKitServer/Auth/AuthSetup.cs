using System.Text;
using System.Threading.RateLimiting;
using ChatKitServer.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;

namespace ChatKitServer.Auth;

public static class AuthSetup
{
    public const string AdminPolicy = "admin";
    public const string ChatKitRateLimit = "chatkit-per-user";
    public const string AdminTokenCookie = "chatkit_admin_token";

    /// <summary>
    /// Authentication by <c>Auth:Mode</c> (Development, or JWT bearer tokens from an OpenID Connect
    /// issuer or signed with HS256), the admin policy (the <c>role</c> claim holds Auth:AdminRole),
    /// and the per-user rate limit of <c>/chatkit</c>.
    /// </summary>
    public static IServiceCollection AddChatKitAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (auth.Mode == AuthMode.Jwt)
        {
            services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
            {
                var jwt = auth.Jwt;
                o.MapInboundClaims = false; // keep "sub" and "role" as issued
                o.Events = new JwtBearerEvents
                {
                    // Browsers cannot send a bearer header when navigating, so the admin pages also take the
                    // token from a cookie. Only there: the API and /chatkit never trust cookies (no CSRF),
                    // and the pages' forms carry antiforgery tokens.
                    OnMessageReceived = context =>
                    {
                        var path = context.HttpContext.Request.Path;
                        if (path.StartsWithSegments("/admin") && !path.StartsWithSegments("/admin/api")
                            && context.Request.Cookies.TryGetValue(AdminTokenCookie, out var token))
                            context.Token = token;
                        return Task.CompletedTask;
                    },
                };
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    NameClaimType = "sub",
                    RoleClaimType = "role",
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
            });
        }
        else
        {
            services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null);
        }

        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireClaim("role", auth.AdminRole));

        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(ChatKitRateLimit, http => !limits.Enabled
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(
                    http.User.FindFirst("sub")?.Value ?? "anonymous:" + http.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.PermitLimit, Window = TimeSpan.FromSeconds(limits.WindowSeconds), QueueLimit = 0 }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : limits.WindowSeconds;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = retryAfter.ToString();
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = 429,
                        Title = "Too many requests",
                        Detail = $"At most {limits.PermitLimit} requests per {limits.WindowSeconds} s; try again in {retryAfter} s.",
                    },
                });
            };
        });
        return services;
    }
}
