using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKitServer.Tests.Support;

/// <summary>Mints real HS256 bearer tokens for the server's <c>Auth:Mode=Jwt</c>.</summary>
public static class Tokens
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "chatkit-tests";
    public const string SigningKey = "a-test-signing-key-that-is-long-enough-for-hs256";

    public static Dictionary<string, string?> JwtSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            ["Auth:Jwt:SigningKey"] = SigningKey,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    public static string Mint(string userId, string? role = null, string issuer = Issuer, string audience = Audience,
        string signingKey = SigningKey, DateTime? expires = null) =>
        MintWith(new Dictionary<string, object> { ["sub"] = userId }, role, issuer, audience, signingKey, expires);

    /// <summary>A token whose claims are exactly <paramref name="claims"/> (plus iss, aud, times and <paramref name="role"/>), e.g. an empty "sub" or a "ROLE".</summary>
    public static string MintWith(Dictionary<string, object> claims, string? role = null, string issuer = Issuer, string audience = Audience,
        string signingKey = SigningKey, DateTime? expires = null)
    {
        var all = new Dictionary<string, object>(claims);
        if (role is not null) all["role"] = role;
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = all,
            Issuer = issuer,
            Audience = audience,
            NotBefore = expiry.AddMinutes(-30),
            Expires = expiry,
            IssuedAt = expiry.AddMinutes(-30),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A client whose requests carry a token for <paramref name="userId"/>.</summary>
    public static ChatKitTestClient ClientFor(ServerFactory factory, string userId, string? role = null)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Mint(userId, role));
        return new ChatKitTestClient(client);
    }
}
