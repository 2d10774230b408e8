using System.ComponentModel.DataAnnotations;
using System.Text;

namespace ChatKitServer.Configuration;

/// <summary>Who the caller is (section <c>Auth</c>).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The user every caller is in <see cref="AuthMode.Development"/>.</summary>
    public const string LocalUserId = "local-user";

    /// <summary><c>Development</c> (every caller is one local user) or <c>Jwt</c>.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Development;

    /// <summary>The <c>role</c> claim value that opens the admin pages and API.</summary>
    [Required(AllowEmptyStrings = false)]
    public string AdminRole { get; set; } = "admin";

    /// <summary>
    /// How long an admin page session lasts after signing in at <c>/admin/login</c> (never longer than
    /// the token it was made from).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AdminSessionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Development mode is refused in Production unless this is set.</summary>
    public bool AllowDevelopmentModeInProduction { get; set; }

    /// <summary>Bearer token settings for <see cref="AuthMode.Jwt"/>.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Set by the host: the environment's name.</summary>
    internal string EnvironmentName { get; set; } = "Production";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == AuthMode.Development && EnvironmentName == "Production" && !AllowDevelopmentModeInProduction)
            yield return new ValidationResult(
                "Auth:Mode=Development treats every caller as one local user and is refused in Production. " +
                "Configure Auth:Mode=Jwt, or set Auth:AllowDevelopmentModeInProduction=true if you really mean it.", [nameof(Mode)]);
        if (Mode != AuthMode.Jwt) yield break;
        if (string.IsNullOrWhiteSpace(Jwt.Audience))
            yield return new ValidationResult("Auth:Mode=Jwt needs Auth:Jwt:Audience.", [nameof(Jwt)]);
        var oidc = !string.IsNullOrWhiteSpace(Jwt.Authority);
        var hs256 = !string.IsNullOrWhiteSpace(Jwt.SigningKey);
        if (oidc == hs256)
            yield return new ValidationResult(
                "Auth:Mode=Jwt needs either Auth:Jwt:Authority (an OpenID Connect issuer) or Auth:Jwt:SigningKey with Auth:Jwt:Issuer (HS256 tokens), not both.", [nameof(Jwt)]);
        // JwtBearer refuses an issuer's metadata over plain http at the first request (every request would fail): refuse it now.
        if (oidc && !(Uri.TryCreate(Jwt.Authority, UriKind.Absolute, out var authority) && authority.Scheme == "https"))
            yield return new ValidationResult($"Auth:Jwt:Authority must be an https address of an OpenID Connect issuer, e.g. https://login.example.com/ (got '{Jwt.Authority}').", [nameof(Jwt)]);
        if (hs256 && string.IsNullOrWhiteSpace(Jwt.Issuer))
            yield return new ValidationResult("Auth:Jwt:SigningKey needs Auth:Jwt:Issuer.", [nameof(Jwt)]);
        if (hs256 && Encoding.UTF8.GetByteCount(Jwt.SigningKey!) < 32)
            yield return new ValidationResult("Auth:Jwt:SigningKey must be at least 32 bytes long for HS256.", [nameof(Jwt)]);
    }
}

public sealed class JwtSettings
{
    /// <summary>An OpenID Connect issuer whose keys are discovered (e.g. https://login.example.com/).</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for.</summary>
    public string? Audience { get; set; }

    /// <summary>A shared secret for HS256 tokens (tests, simple deployments).</summary>
    public string? SigningKey { get; set; }

    /// <summary>The issuer HS256 tokens must carry.</summary>
    public string? Issuer { get; set; }
}

public enum AuthMode
{
    Development,
    Jwt,
}
