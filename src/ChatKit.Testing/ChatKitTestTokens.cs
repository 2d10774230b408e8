using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Testing;

/// <summary>
/// Mints real HS256 bearer tokens for a server configured with <see cref="Settings"/> (<c>Auth:Mode=Jwt</c> and the
/// <c>Auth:Jwt:*</c> keys). <see cref="ChatKitTestHost{TProgram}"/> uses one; use it alone for a server you start
/// yourself (another process, a container): give it <see cref="Settings"/> (as environment variables
/// <c>Auth__Jwt__SigningKey</c>, ...) and send <see cref="For"/>'s tokens.
/// </summary>
/// <param name="signingKey">The HMAC key (at least 32 bytes of UTF-8).</param>
/// <param name="issuer">The <c>iss</c> of every token.</param>
/// <param name="audience">The <c>aud</c> of every token.</param>
public sealed class ChatKitTestTokens(string signingKey, string issuer, string audience)
{
    /// <summary>Tokens with a new random key, issuer <c>https://chatkit-testing.local</c> and audience <c>chatkit-testing</c>.</summary>
    public ChatKitTestTokens() : this(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), "https://chatkit-testing.local", "chatkit-testing")
    {
    }

    /// <summary>The HMAC signing key.</summary>
    public string SigningKey { get; } = signingKey;

    /// <summary>The issuer of every token.</summary>
    public string Issuer { get; } = issuer;

    /// <summary>The audience of every token.</summary>
    public string Audience { get; } = audience;

    /// <summary>The server settings that accept these tokens: <c>Auth:Mode</c>, <c>Auth:Jwt:SigningKey</c>, <c>Auth:Jwt:Issuer</c>, <c>Auth:Jwt:Audience</c>.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Jwt",
        ["Auth:Jwt:SigningKey"] = SigningKey,
        ["Auth:Jwt:Issuer"] = Issuer,
        ["Auth:Jwt:Audience"] = Audience,
    };

    /// <summary>A token for <paramref name="userId"/> (the <c>sub</c> claim) with the given roles (<c>role</c> claims), valid for an hour.</summary>
    public string For(string userId, params string[] roles)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId };
        if (roles.Length == 1) claims["role"] = roles[0];
        else if (roles.Length > 1) claims["role"] = roles;
        return Create(claims);
    }

    /// <summary>
    /// A token whose claims are exactly <paramref name="claims"/> (plus issuer, audience and times), signed with
    /// <see cref="SigningKey"/> unless told otherwise: to test what a server refuses (an expired token, another audience
    /// or issuer, a forged signature, a token without <c>sub</c>).
    /// </summary>
    public string Create(IReadOnlyDictionary<string, object> claims, DateTime? expires = null, string? issuer = null, string? audience = null, string? signingKey = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        var issued = expiry.AddMinutes(-30) < DateTime.UtcNow ? expiry.AddMinutes(-30) : DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims.ToDictionary(),
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey ?? SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
