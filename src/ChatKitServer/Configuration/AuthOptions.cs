using System.ComponentModel.DataAnnotations;

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

    /// <summary>Development mode is refused in Production unless this is set.</summary>
    public bool AllowDevelopmentModeInProduction { get; set; }

    /// <summary>Set by the host: the environment's name.</summary>
    internal string EnvironmentName { get; set; } = "Production";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == AuthMode.Development && EnvironmentName == "Production" && !AllowDevelopmentModeInProduction)
            yield return new ValidationResult(
                "Auth:Mode=Development treats every caller as one local user and is refused in Production. " +
                "Configure Auth:Mode=Jwt, or set Auth:AllowDevelopmentModeInProduction=true if you really mean it.", [nameof(Mode)]);
        if (Mode == AuthMode.Jwt)
            yield return new ValidationResult("Auth:Mode=Jwt is not available in this build yet; use Development.", [nameof(Mode)]);
    }
}

public enum AuthMode
{
    Development,
    Jwt,
}
