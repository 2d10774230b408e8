using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Testing;

/// <summary>
/// Makes the app under test accept the kit's tokens, whatever its own authentication: its JWT bearer schemes
/// also trust the kit's key, issuer and audience (under the app's own rules otherwise); an app without one
/// gets the kit's bearer scheme, chosen for requests that carry a bearer token, every other request still
/// going to the app's own default scheme.
/// </summary>
internal static class TestAuthentication
{
    /// <summary>The kit's bearer scheme.</summary>
    public const string Scheme = "ChatKit.Testing";

    private const string Selector = "ChatKit.Testing.Selector";

    public static void Add(IServiceCollection services, ChatKitTestTokens tokens)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(tokens.SigningKey));
        var appDefault = new AppDefaultScheme();
        services.PostConfigureAll<JwtBearerOptions>(options => Trust(options, tokens, key));
        services.AddAuthentication()
            .AddJwtBearer(Scheme, options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = tokens.Issuer,
                    ValidAudience = tokens.Audience,
                    IssuerSigningKey = key,
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                };
            })
            .AddPolicyScheme(Selector, null, options => options.ForwardDefaultSelector = http =>
                IsBearer(http) || appDefault.Name is null ? Scheme : appDefault.Name);
        services.PostConfigure<AuthenticationOptions>(options =>
        {
            var others = options.Schemes.Where(s => s.Name is not Scheme and not Selector).ToList();
            // An app with one scheme and no default named relied on that scheme being the default: the kit's would end that.
            if (options.DefaultScheme is null && others.Count == 1) options.DefaultScheme = others[0].Name;
            if (others.Any(s => s.HandlerType is not null && typeof(JwtBearerHandler).IsAssignableFrom(s.HandlerType))) return; // the app's bearer schemes trust the kit
            appDefault.Name = options.DefaultAuthenticateScheme ?? options.DefaultScheme;
            options.DefaultScheme = Selector;
            options.DefaultAuthenticateScheme = Selector;
        });
    }

    private static bool IsBearer(HttpContext http) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    private static void Trust(JwtBearerOptions options, ChatKitTestTokens tokens, SecurityKey key)
    {
        var parameters = options.TokenValidationParameters;
        parameters.IssuerSigningKeys = [.. parameters.IssuerSigningKeys ?? [], key];
        parameters.ValidIssuers = [.. parameters.ValidIssuers ?? [], tokens.Issuer];
        parameters.ValidAudiences = [.. parameters.ValidAudiences ?? [], tokens.Audience];
        if (options.Configuration is null && (!string.IsNullOrEmpty(options.Authority) || !string.IsNullOrEmpty(options.MetadataAddress)))
        {
            // An identity provider the test cannot reach: its metadata is replaced by the kit's, so no request goes out.
            options.Configuration = new OpenIdConnectConfiguration { Issuer = tokens.Issuer };
            options.Configuration.SigningKeys.Add(key);
        }
    }

    /// <summary>The scheme the app authenticated with before the kit's selector took the default (known once options are built).</summary>
    private sealed class AppDefaultScheme
    {
        public string? Name { get; set; }
    }
}
